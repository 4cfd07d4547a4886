"""Shared pieces of the benchmarks: a fake Bot API, the real app on a database, residents made directly."""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from typing import Any

from bot.app import App, create_app, prepare, start_background, stop_background, close
from bot.core.config import Settings
from bot.domain.draft import Draft
from bot.services import requests
from bot.ui.notify import Notifier
from db.models import Outbox, OutboxStatus, RequestKind, Resident, Urgency
from sqlalchemy import func, select
from sandbox.bot_api import FakeTelegram

STAFF_CHAT = -1001000000001
TOKEN = "123456:BENCH-TOKEN"


def bench_settings(fake: FakeTelegram, database_url: str | None = None, **overrides: Any) -> Settings:
    """Settings for a benchmark run against the fake."""
    if database_url is None:
        database_url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": fake.base_url,
        "database_url": database_url,
        "staff_chat_id": STAFF_CHAT,
        "districts": [{"code": "d1", "name": "District 1"}, {"code": "d2", "name": "District 2"}],
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


async def start_app(settings: Settings) -> App:
    """Migrated, districts synced, sender and ticks running (no polling)."""
    app = create_app(settings)
    await prepare(app)
    start_background(app)
    return app


async def stop_app(app: App) -> None:
    """Stop and release everything."""
    await stop_background(app)
    await close(app)


async def make_residents(app: App, count: int, district_id: int, start_id: int = 10_000_000) -> list[Resident]:
    """Registered residents, inserted directly (the wizard is benchmarked separately)."""
    from bot.core import clock
    rows = []
    async with app.sessions.begin() as session:
        for i in range(count):
            resident = Resident(
                tg_user_id=start_id + i, chat_id=start_id + i, locale=("zh", "ru", "uk")[i % 3],
                name=f"Resident {i}", phone="+8613800138000", address=f"Street {i}", district_id=district_id,
                consent_at=clock.now(), registered_at=clock.now(), lives_alone=i % 2 == 0, over_65=True,
            )
            session.add(resident)
            rows.append(resident)
    return rows


def draft(kind: str = "supplies") -> Draft:
    """A wizard draft as the intake handlers build it."""
    return Draft(
        kind=RequestKind(kind), draft_key=secrets.token_urlsafe(9), items=[("青菜", "2斤"), ("肉", "2斤"), ("大米", "一包5公斤")],
        raw_items="2斤青菜、2斤肉、一包5公斤重的大米", urgency=Urgency.NORMAL, address="下洋田社区",
    )


def env_int(name: str, default: int) -> int:
    """An integer knob from the environment."""
    return int(os.environ.get(name, default))


class OutboxWatch:
    """Samples the outbox's pending rows every `every` seconds while running; `largest` is the most seen."""

    def __init__(self, app: App, every: float = 0.5) -> None:
        self.app, self.every, self.largest = app, every, 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin sampling in the background."""
        self._task = asyncio.create_task(self._sample())

    async def stop(self) -> int:
        """Stop sampling; returns the largest pending count seen."""
        self._stop.set()
        if self._task is not None:
            await self._task
        return self.largest

    async def _sample(self) -> None:
        while not self._stop.is_set():
            async with self.app.sessions() as session:
                pending = (await session.execute(
                    select(func.count()).select_from(Outbox).where(Outbox.status == OutboxStatus.PENDING))).scalar_one()
            self.largest = max(self.largest, pending)
            await asyncio.sleep(self.every)


async def file_urgent(app: App, settings: Settings, resident: Resident) -> int:
    """An urgent «I need help» request filed as the bot files it (the service and the Notifier in one
    transaction), the sender woken; returns the request's id."""
    urgent = Draft(kind=RequestKind.PSYCH, draft_key=secrets.token_urlsafe(9), feeling="help", urgency=Urgency.URGENT,
                   address=resident.address)
    with app.i18n.context():
        async with app.sessions.begin() as session:
            submitted = await requests.submit(session, app.i18n, settings, resident, urgent)
            await Notifier(session, app.i18n, settings).tell(submitted.told)
    app.sender.wake()
    return submitted.request.id or 0


def card_delays(group_arrivals: list[list[Any]], filed: dict[int, float]) -> list[float]:
    """Seconds from each urgent request's commit (`filed`: request id → time.time()) until its card reached a
    staff group, from the fake's stats `group_arrivals` ([time, chat, text] each); inf for a card never seen."""
    delays = []
    for request_id, at in filed.items():
        arrivals = [t for t, _chat, text in group_arrivals if f"№{request_id}" in text and t >= at]
        delays.append(min(arrivals) - at if arrivals else float("inf"))
    return delays
