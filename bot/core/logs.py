"""Logging: plain text or one JSON object per line, carrying ids (never contents) passed via `extra`."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

#: The only `extra` fields a log line carries: ids, never what people wrote.
ID_FIELDS = ("update_id", "request_id", "resident_id", "chat_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, ids and a traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialise one record."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ID_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(level: str, fmt: str = "text") -> None:
    """Configure the root logger once, for the command line."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    quiet_libraries()


def ids(**values: int | None) -> dict[str, int]:
    """`extra=` for a log call: the ids that are known."""
    return {name: value for name, value in values.items() if value is not None}


def row_ids(row: Any) -> dict[str, int]:
    """`extra=` for a log call about an outbox row: its chat, resident and request."""
    return ids(
        chat_id=getattr(row, "chat_id", None),
        resident_id=getattr(row, "resident_id", None),
        request_id=getattr(row, "request_id", None),
    )


#: Libraries whose debug output would include SQL parameters or message bodies (personal data).
NOISY = {
    "sqlalchemy.engine": logging.WARNING,
    "aiosqlite": logging.INFO,
    "asyncpg": logging.INFO,
    "apscheduler.executors.default": logging.WARNING,  # "Running job ..." every few seconds
}


def quiet_libraries() -> None:
    """Keep libraries that would log contents at WARNING/INFO even when LOG_LEVEL=DEBUG."""
    for name, level in NOISY.items():
        logging.getLogger(name).setLevel(level)
