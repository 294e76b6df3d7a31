"""Errors a user or an operator can act on: each names its input and the reason."""


class MonitorError(Exception):
    """A failure the message explains (CLI exit status 1)."""


class InputError(MonitorError):
    """Bad input: a file, feed, page or row that cannot be used, and why."""


class StoreBusyError(MonitorError):
    """Another process holds the event log for writing."""


class StoreError(MonitorError):
    """The event log cannot be read or written (disk full, read-only, corrupt)."""


class ChainError(StoreError):
    """The log's hash chain does not verify, or the log is shorter than a verified position:
    nothing is appended to it or published from it."""


class SourcesFailedError(MonitorError):
    """Every source of a run failed, or more than the allowed share: an outage, not a quiet
    day. Each failure is in the event log; the task fails so that it is retried and alerted."""
