"""The event log and what is derived from it. The only code that knows where it lives."""

from pipeline.store.recorder import AppendResult, ChainReport, EventRecorder, open_store

__all__ = ["AppendResult", "ChainReport", "EventRecorder", "open_store"]
