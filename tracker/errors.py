"""The tracker's own errors. The CLI turns each into one line on stderr and its exit code."""


class TrackerError(Exception):
    """A problem the user can fix; never shown as a traceback."""

    exit_code = 2


class ConfigError(TrackerError):
    """An unusable setting: a bad database URL, an unreadable database or config file."""


class NotFoundError(TrackerError):
    """A case or item that does not exist."""

    exit_code = 1

    def __init__(self, message: str, suggestions: list[str] | None = None):
        super().__init__(message)
        self.suggestions = suggestions or []


class InvalidRecord(ValueError):
    """A record from a source that the store refuses; the message says which field and why."""
