"""Conversation state rows for the SQL FSM storage."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import FsmState


async def load(session: AsyncSession, key: str) -> FsmState | None:
    """The stored state of one conversation (read once per session: handlers ask for it often)."""
    cache: dict[str, FsmState | None] = session.info.setdefault("fsm", {})
    if key not in cache:
        cache[key] = (await session.exec(select(FsmState).where(FsmState.key == key))).first()
    return cache[key]


async def save(session: AsyncSession, key: str, **values: Any) -> None:
    """Update (or create) one conversation's state or data."""
    row = await load(session, key) or FsmState(key=key)
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.info["fsm"][key] = row
