"""Anki's side: the note types, notes and their GUIDs, the lock of mtimes, the package.

Everything that decides whether a learner's review history survives a re-import lives here."""
