"""Fixtures: the fake Bot API, a database per test, and the real bot polling against them."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import timedelta
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core import clock
from bot.app import App, create_app, run_polling
from bot.core.config import DistrictConfig, Settings
from sandbox.bot_api import FakeTelegram
from tests.conversation import GroupChat, TgUser

STAFF_CHAT = -1001000000001
SECOND_CHAT = -1002000000222
TOKEN = "123456:TEST-TOKEN"
COORDINATOR_ID = 9001

#: Set TEST_DATABASE=postgres (and optionally TEST_POSTGRES_URL) to run everything on PostgreSQL.
BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")

DISTRICTS: list[dict[str, Any]] = [
    {"code": "xiayangtian", "name": "下洋田社区", "names": {"ru": "Сяянтянь", "uk": "Сяянтянь"}},
    {"code": "fuqin", "name": "抚琴街道", "names": {"ru": "Фуцинь", "uk": "Фуцінь"}},
    {"code": "presnensky", "name": "Пресненский", "names": {"zh": "普列斯尼亚区", "uk": "Пресненський"}},
    {"code": "uman-center", "name": "Центральний", "names": {"zh": "中心区", "ru": "Центральный"}},
]


@pytest.fixture
async def database_url(tmp_path: Any) -> AsyncIterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database."""
    if BACKEND != "postgres":
        yield f"sqlite+aiosqlite:///{tmp_path / 'doorstep.db'}"
        return
    name = f"doorstep_t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Telegram Bot API server."""
    server = FakeTelegram(token=TOKEN, bot_id=123456, bot_username="doorstep_test_bot")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def settings(fake: FakeTelegram, database_url: str) -> Settings:
    """Settings pointing the bot at the fake and the test database."""
    return Settings(
        bot_token=TOKEN,
        telegram_api_url=fake.base_url,
        database_url=database_url,
        redis_url=os.environ.get("TEST_REDIS_URL") or None,
        redis_prefix=f"doorstep-test-{uuid.uuid4().hex[:8]}",
        staff_chat_id=STAFF_CHAT,
        staff_locale="zh",
        default_locale="zh",
        timezone="Asia/Shanghai",
        phone_region="CN",
        emergency_numbers={"ambulance": "120", "police": "110", "crisis_line": "400-161-9995"},
        districts=DISTRICTS,
        admins=[COORDINATOR_ID],
        # Generous limits keep conversations quick; tests of the limits set their own.
        limits={"global_per_second": 1000, "private_chat_per_second": 100, "group_per_minute": 6000},
        # No weekly report or morning summary appearing in a staff chat when a test moves the clock
        # (tests/test_scheduled_reports.py turns them on).
        reports={"weekly": False, "morning": False},
        _env_file=None,
    )


class Harness:
    """The running bot; can be stopped and started again on the same database (a restart)."""

    def __init__(self, fake: FakeTelegram, settings: Settings) -> None:
        self.fake = fake
        self.settings = settings
        self.app: App | None = None
        self.task: asyncio.Task[None] | None = None
        self.next_user_id = 1000

    async def start(self) -> App:
        """Start polling in the background and wait until the bot is listening."""
        self.app = create_app(self.settings)
        started = asyncio.Event()
        self.app.dp.startup.register(lambda: started.set())
        self.task = asyncio.create_task(run_polling(self.app, polling_timeout=1, handle_signals=False))
        waiter = asyncio.ensure_future(started.wait())
        done, _ = await asyncio.wait({waiter, self.task}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if self.task in done:
            self.task.result()  # raises the startup error
        assert started.is_set(), "bot did not start"
        return self.app

    async def stop(self) -> None:
        """Stop polling, the sender and the ticks."""
        if self.app is None or self.task is None:
            return
        if not self.task.done():
            await self.app.dp.stop_polling()
        await asyncio.wait_for(self.task, 20)
        self.app, self.task = None, None

    async def restart(self) -> App:
        """What a crash-and-restart looks like from the outside."""
        await self.stop()
        return await self.start()

    def user(self, language_code: str | None = "zh-hans", first_name: str = "林", **kwargs: Any) -> TgUser:
        """A new resident-to-be talking to the bot in a private chat."""
        self.next_user_id += 1
        return TgUser(self.fake, self.next_user_id, first_name, language_code=language_code, **kwargs)

    def staff(self, user_id: int, first_name: str = "Worker", chat_id: int = STAFF_CHAT) -> TgUser:
        """A social worker writing in the staff group."""
        return TgUser(self.fake, user_id, first_name, chat=GroupChat(id=chat_id, title="Staff"))

    async def drain(self, timeout: float = 10, step: timedelta | None = None) -> None:
        """Wait until the outbox has nothing left that is due; with `step`, wait until nothing is pending
        at all, moving the clock by `step` whenever the next try lies ahead (timedelta(0): real time)."""
        assert self.app is not None
        from db.repo import outbox

        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            async with self.app.sessions() as session:
                count, _ = await outbox.depth(session)
                due = await outbox.next_due(session)
            later = due is not None and due > clock.now()
            if count == 0 or (later and step is None):
                await self.fake.settle(0.1, 2)
                return
            assert asyncio.get_running_loop().time() < deadline, f"outbox still has {count} pending rows"
            if later and step is not None:
                clock.advance(step)
            self.app.sender.wake()
            await asyncio.sleep(0.05)


@asynccontextmanager
async def running(h: Any) -> AsyncIterator[Any]:
    """Start a harness (polling or webhook), stop it afterwards and put the clock back."""
    await h.start()
    try:
        yield h
    finally:
        await h.stop()
        clock.reset()


@pytest.fixture
async def harness(fake: FakeTelegram, settings: Settings) -> AsyncIterator[Harness]:
    """The bot, running against the fake and a fresh database."""
    async with running(Harness(fake, settings)) as h:
        yield h


@pytest.fixture
async def two_stations(fake: FakeTelegram, settings: Settings) -> AsyncIterator[Harness]:
    """Presnensky's requests go to a second, configured staff chat; the rest to the main one."""
    districts = [DistrictConfig(**({**d, "staff_chat_id": SECOND_CHAT} if d["code"] == "presnensky" else d))
                 for d in DISTRICTS]
    async with running(Harness(fake, settings.model_copy(update={"districts": districts}))) as h:
        yield h


@pytest.fixture
async def webhook(fake: FakeTelegram, settings: Settings) -> AsyncIterator[Any]:
    """The bot serving a webhook against the fake and a fresh database."""
    from tests.webhook_support import WebhookHarness

    async with running(WebhookHarness(fake, settings)) as h:
        yield h
