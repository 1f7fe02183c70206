"""corpus: a content pipeline and linter for a Chinese Markdown knowledge base."""

__version__ = "0.1.0"
