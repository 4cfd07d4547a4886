"""FSM storage in the application database, so a restart never loses a half-filled wizard."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from db.repo import fsm

#: The session of the update being handled; state changes join its transaction.
current_session: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)


class SqlStorage(BaseStorage):
    """aiogram storage backed by the fsmstate table (used when no REDIS_URL is set)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.keys = DefaultKeyBuilder(with_destiny=True)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        """The update's session if inside one (its changes are flushed by UpdateLedger just before the
        update commits), else a short one of its own."""
        shared = current_session.get()
        if shared is not None:
            yield shared
            return
        async with self.sessions.begin() as session:
            yield session
            await fsm.flush(session)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        """Store the state name."""
        value = state.state if isinstance(state, State) else state
        async with self._session() as session:
            fsm.save(session, self.keys.build(key), state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        """Read the state name."""
        async with self._session() as session:
            row = await fsm.load(session, self.keys.build(key))
        return row["state"] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Store the wizard's data (JSON-serialisable)."""
        async with self._session() as session:
            fsm.save(session, self.keys.build(key), data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        """Read the wizard's data."""
        async with self._session() as session:
            row = await fsm.load(session, self.keys.build(key))
        return dict(row["data"]) if row else {}

    async def close(self) -> None:
        """Nothing to close: the engine belongs to the application."""
