"""Logs carry ids, never contents: JSON lines, and a whole request conversation without personal data."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from bot.core.logs import JsonFormatter, quiet_libraries, row_ids
from db.models import Outbox
from tests.conftest import STAFF_CHAT
from tests.conversation import TgUser
from tests.helpers import register, requests_of, send_request, supplies_to_summary, catalog_text
from tests.webhook_support import WebhookHarness

NAME = "张秘密"
PHONE = "+8613800138000"
ADDRESS = "下洋田社区 9栋 7单元 1203"
ITEMS = "秘密青菜 2斤、隐私牌大米 1袋"
SECRETS = (NAME, PHONE, "138 0013 8000", "13800138000", ADDRESS, "9栋", "秘密青菜", "隐私牌大米")


def record(**extra: object) -> logging.LogRecord:
    """A log record as logger.info("...", extra=extra) makes it."""
    rec = logging.LogRecord("bot.test", logging.INFO, __file__, 1, "update %s failed", (7,), None)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_json_lines_carry_ids_only() -> None:
    """time, level, logger, message and the known ids; other extras are left out."""
    line = JsonFormatter().format(record(update_id=7, chat_id=42, resident_id=None, text="not logged"))
    entry = json.loads(line)
    assert set(entry) == {"time", "level", "logger", "message", "update_id", "chat_id"}
    assert entry["level"] == "INFO" and entry["logger"] == "bot.test" and entry["message"] == "update 7 failed"
    assert entry["time"].endswith("+00:00")
    assert "\n" not in line


def test_json_lines_keep_tracebacks_on_one_line() -> None:
    """An exception is logged as one JSON object too."""
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        rec = logging.LogRecord("bot.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(rec)
    assert "\n" not in line and "RuntimeError: boom" in json.loads(line)["exc_info"]


def test_outbox_row_ids() -> None:
    """Sender log calls name the chat, resident and request of a row."""
    row = Outbox(chat_id=5, method="sendMessage", payload={"text": NAME}, resident_id=3, request_id=None)
    assert row_ids(row) == {"chat_id": 5, "resident_id": 3}


async def test_a_request_conversation_logs_no_personal_data(
    webhook: WebhookHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Registration, a supplies request, a claim with the details sent to the worker: nothing personal logged."""
    quiet_libraries()
    caplog.set_level(logging.DEBUG)
    worker = webhook.staff(5001, "王社工")
    await worker.send_command("/join")
    await TgUser(webhook.fake, 5001, "王社工", language_code="zh").send_command("/start")
    user = await register(webhook, "zh", name=NAME, address=ADDRESS, phone=PHONE)
    summary = await supplies_to_summary(user, "zh", ITEMS)
    await send_request(user, "zh", summary)
    await webhook.drain()
    (request,) = await requests_of(webhook, user)
    card = [m for m in webhook.fake.messages[STAFF_CHAT] if f"№{request.id} ·" in m.text][-1]
    await worker.press(f"№{request.id}", message=card)
    await webhook.drain()
    assert ADDRESS in webhook.fake.messages[5001][-1].text  # the worker did get the details
    await worker.press(catalog_text("zh", "🚚 On the way"))
    await webhook.drain()

    assert len(caplog.records) > 20  # the conversation was logged (ids and steps)
    formatter = JsonFormatter()
    for rec in caplog.records:
        logged = "\n".join([rec.getMessage(), formatter.format(rec), repr(rec.args), repr(vars(rec))])
        for secret in SECRETS:
            assert secret not in logged, f"{secret!r} logged by {rec.name}: {rec.getMessage()[:200]}"
    loggers = {rec.name for rec in caplog.records}
    assert {"aiogram.event", "bot.services.requests", "bot.services.staff"} <= loggers, loggers
