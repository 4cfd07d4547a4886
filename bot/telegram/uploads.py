"""Files the bot makes itself (a report's chart, an export) sent through the outbox.

The outbox stores Bot API calls as JSON, and Telegram only knows a file_id once a file has been uploaded
once. So an upload row keeps the file's bytes in its payload (base64, a chart is some tens of kB) and
this planner turns it into a multipart sendPhoto or sendDocument when the row is sent: written in the
same transaction as the decision that made it, retried like any row, in order with the chat's other
rows, and never lost to a restart. Once delivered the bytes are dropped from the row (`forget`), so a
file with personal data does not stay in the database until the outbox is pruned."""

from __future__ import annotations

from typing import Any

from aiogram import methods
from aiogram.types import BufferedInputFile
from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.uploads import CALLS, UPLOAD, file_of
from bot.telegram.delivery import Plan, Step
from db.models import Outbox

__all__ = ["UPLOAD", "forget", "method_of", "plan"]


def method_of(row: Outbox) -> methods.TelegramMethod[Any]:
    """The multipart call an upload row stands for."""
    call, filename, data, params = file_of(row.payload)
    cls = getattr(methods, call[0].upper() + call[1:])
    return cls(**{**params, CALLS[call]: BufferedInputFile(data, filename=filename)})


async def plan(row: Outbox, owner: str) -> Plan:
    """The sender's planner for upload rows."""
    return Plan([Step(method_of(row))])


async def forget(session: AsyncSession, rows: list[Outbox]) -> None:
    """Drop the bytes of delivered upload rows (an on_sent hook)."""
    for row in rows:
        if row.method == UPLOAD:
            kept = {key: value for key, value in row.payload.items() if key != "data"}
            await session.execute(update(Outbox).where(col(Outbox.id) == row.id).values(payload={**kept, "data": ""}))
