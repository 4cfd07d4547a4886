"""Unit tests of the services: a real database session (SQLite, or PostgreSQL with TEST_DATABASE=postgres),
no bot, no HTTP. A service is called and the decisions it returns are asserted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from db import migrate
from db.engine import make_engine, make_sessionmaker
from db.models import District, Outbox, Resident, Staff, StaffRole
from db.repo import districts

STAFF_CHAT = -1001000000001


@dataclass
class World:
    """A migrated database with two districts served by one staff chat, a resident of the first, and a
    worker and a coordinator of the chat."""

    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    district: District
    other: District
    resident: Resident
    worker: Staff
    coordinator: Staff

    async def outbox_rows(self) -> int:
        """How many outbox rows exist (a service writes none)."""
        async with self.sessions() as session:
            return int((await session.exec(select(func.count()).select_from(Outbox))).one())


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    """The world above, its time real (and reset after the test)."""
    settings = Settings(
        bot_token="7012345678:AAE1b2C3d4E5f6G7h8I9j0KkLlMmNnOoPpQ", database_url=database_url, staff_chat_id=STAFF_CHAT, staff_locale="zh",
        default_locale="zh", timezone="Asia/Shanghai",
        districts=[{"code": "north", "name": "North"}, {"code": "south", "name": "South"}],
        _env_file=None,
    )
    engine = make_engine(database_url)
    try:
        await migrate.upgrade(engine)
        sessions = make_sessionmaker(engine)
        async with sessions.begin() as session:
            await districts.sync(session, [(d.code, d.name, None, None) for d in settings.districts])
        async with sessions.begin() as session:
            north = await districts.by_code(session, "north")
            south = await districts.by_code(session, "south")
            assert north is not None and south is not None
            resident = Resident(tg_user_id=7001, chat_id=7001, locale="zh", name="林婆婆", address="1号",
                                district_id=north.id, consent_at=clock.now(), registered_at=clock.now())
            worker = Staff(tg_user_id=5001, chat_id=STAFF_CHAT, name="王社工", has_private_chat=True)
            coordinator = Staff(tg_user_id=9001, chat_id=STAFF_CHAT, name="Coordinator", role=StaffRole.COORDINATOR)
            session.add_all([resident, worker, coordinator])
            await session.flush()
            for row in (north, south, resident, worker, coordinator):
                await session.refresh(row)
            session.expunge_all()
        yield World(sessions, settings, north, south, resident, worker, coordinator)
    finally:
        clock.reset()
        await engine.dispose()
