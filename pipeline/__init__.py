"""Event-sourced monitor of who says what about security guarantees for Ukraine."""

__version__ = "0.1.0"
