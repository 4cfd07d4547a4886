"""Tests for bot.domain.uploads: the outbox payload of a file the bot made itself (a chart, an export), stored
as JSON and read back for a multipart sendPhoto or sendDocument."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.domain.uploads import CALLS, UPLOAD, file_of, payload

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


@pytest.mark.parametrize(
    ("call", "filename", "data", "params"),
    [
        ("sendPhoto", "report.png", PNG, {"caption": "<b>本周</b> 报告", "parse_mode": "HTML"}),
        ("sendDocument", "导出 2026-11-01…2026-11-30.xlsx", b"PK\x03\x04" + b"\x00\xff" * 1000, {"caption": "⚠️"}),
        ("sendDocument", "empty.csv", b"", {}),
        ("sendPhoto", "звіт.png", b"\x00", {"reply_to_message_id": 42, "disable_notification": True}),
    ],
)
def test_round_trip_through_json(call: str, filename: str, data: bytes, params: dict[str, Any]) -> None:
    """What goes in comes out, byte for byte, after the outbox stored it as JSON."""
    body = payload(call, -1001000000001, filename, data, **params)
    stored = json.loads(json.dumps(body))
    assert file_of(stored) == (call, filename, data, {"chat_id": -1001000000001, **params})


def test_the_bytes_are_base64_text() -> None:
    body = payload("sendPhoto", 7001, "a.png", b"\x00\xffhi")
    assert body == {"call": "sendPhoto", "filename": "a.png", "data": "AP9oaQ==", "params": {"chat_id": 7001}}


def test_a_sent_upload_without_its_bytes_reads_as_empty() -> None:
    """Once sent, the row's data may be cleared (the file is not kept): reading it gives no bytes, not an error."""
    body = payload("sendDocument", 7001, "x.xlsx", b"data")
    body["data"] = ""
    assert file_of(body)[2] == b""
    del body["data"]
    assert file_of(body) == ("sendDocument", "x.xlsx", b"", {"chat_id": 7001})


def test_the_params_read_back_are_a_copy() -> None:
    body = payload("sendPhoto", 7001, "a.png", b"x", caption="c")
    file_of(body)[3]["caption"] = "changed"
    assert body["params"] == {"chat_id": 7001, "caption": "c"}


@pytest.mark.parametrize("call", ["sendMessage", "sendVideo", "upload", "", "sendphoto"])
def test_only_upload_calls(call: str) -> None:
    with pytest.raises(ValueError):
        payload(call, 7001, "a.png", b"x")


def test_calls_and_their_file_fields() -> None:
    assert (UPLOAD, CALLS) == ("upload", {"sendPhoto": "photo", "sendDocument": "document"})
