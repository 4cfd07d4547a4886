"""The outbox row of a file the bot made itself (a report's chart, an export): its payload keeps the
file's bytes, base64, because the outbox stores JSON and Telegram has no file_id for a new file.
bot/telegram/uploads.py sends it as a multipart sendPhoto or sendDocument."""

from __future__ import annotations

import base64
from typing import Any

#: The outbox method of an upload row.
UPLOAD = "upload"
#: The Bot API calls an upload row may make, and the field that carries the file.
CALLS = {"sendPhoto": "photo", "sendDocument": "document"}


def payload(call: str, chat_id: int, filename: str, data: bytes, **params: Any) -> dict[str, Any]:
    """An upload row's payload: the call, its file and its other parameters (caption, parse_mode…)."""
    if call not in CALLS:
        raise ValueError(f"not an upload call: {call}")
    return {"call": call, "filename": filename, "data": base64.b64encode(data).decode("ascii"),
            "params": {"chat_id": chat_id, **params}}


def file_of(body: dict[str, Any]) -> tuple[str, str, bytes, dict[str, Any]]:
    """(call, filename, bytes, other parameters) of an upload payload."""
    return str(body["call"]), str(body["filename"]), base64.b64decode(body.get("data") or ""), dict(body["params"])
