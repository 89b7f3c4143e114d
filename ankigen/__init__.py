"""ankigen: Markdown study notes to checked Anki decks and printable cards."""

__version__ = "0.1.0"
