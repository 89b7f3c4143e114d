"""The sources: finding and reading the Markdown files, the Markdown dialect, cards, images, ids.

Everything from a folder of notes to the `Card`s the later stages take; nothing here knows Anki."""
