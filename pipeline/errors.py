"""Errors a user or an operator can act on: each names its input and the reason."""


class MonitorError(Exception):
    """A failure the message explains (CLI exit status 1)."""


class InputError(MonitorError):
    """Bad input: a file, feed, page or row that cannot be used, and why."""


class StoreBusyError(MonitorError):
    """Another process holds the event log for writing."""


class StoreError(MonitorError):
    """The event log cannot be read or written (disk full, read-only, corrupt)."""
