"""The one clock the application reads, so tests can move time forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    """Current time, timezone-aware UTC (SQLModel stores and returns aware UTC)."""
    return datetime.now(UTC) + _offset


def advance(delta: timedelta) -> None:
    """Move the application clock forward (tests only)."""
    global _offset
    _offset += delta


def reset() -> None:
    """Put the application clock back to real time (tests only)."""
    global _offset
    _offset = timedelta(0)
