"""Conversation state rows for the SQL FSM storage."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import FsmState


async def load(session: AsyncSession, key: str) -> FsmState | None:
    """The stored state of one conversation."""
    return (await session.exec(select(FsmState).where(FsmState.key == key))).first()


async def save(session: AsyncSession, key: str, **values: Any) -> None:
    """Update (or create) one conversation's state or data."""
    row = await load(session, key) or FsmState(key=key)
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
