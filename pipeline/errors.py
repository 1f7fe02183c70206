"""The one hierarchy of user-facing errors.  The CLI maps them to exit code 2;
anything else is a bug and exits 3 with a traceback."""


class CorpusError(Exception):
    """An error the user can act on: the message says what to do."""


class ConfigError(CorpusError):
    """Invalid configuration (pyproject.toml [tool.corpus])."""


class UsageError(CorpusError):
    """Invalid command-line usage."""


class TemplateError(CorpusError):
    """A template failed to load or render; the message names template and line."""
