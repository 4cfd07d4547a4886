"""Several bot processes on one PostgreSQL database: work is shared, and a process killed with SIGKILL
mid-work leaves its leases to expire and be taken over — nothing lost, nothing claimed twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import col, func, select

from bot.core import clock
from bot.app import close, create_app, prepare
from bot.core.config import Settings
from bot.services import requests as requests_service
from bot.domain.draft import Draft
from bot.ui.notify import Notifier
from db.models import Checkin, CheckinPlan, Outbox, OutboxStatus, Request, RequestEvent, RequestKind, Resident, Staff
from db.repo import districts
from sandbox.bot_api import FakeTelegram
from tests.conftest import BACKEND, DISTRICTS, STAFF_CHAT, TOKEN

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="several instances share one PostgreSQL database")

ROOT = Path(__file__).resolve().parent.parent
SECRET = "instances-secret"
RESIDENTS = 150
REQUESTS = 8


def free_port() -> int:
    """A free TCP port on the loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def seed(settings: Settings) -> list[int]:
    """Residents with a check-in due now, a few new requests, two workers; returns the request ids."""
    app = create_app(settings)
    try:
        await prepare(app)
        async with app.sessions() as session:
            district = await districts.by_code(session, "xiayangtian")
        now = clock.now()
        async with app.sessions.begin() as session:
            people = [
                Resident(tg_user_id=30_000 + i, chat_id=30_000 + i, locale="zh", name=f"居民{i}", phone="+8613800138000",
                         address=f"下洋田社区 {i}号", district_id=district.id, lives_alone=True, consent_at=now,
                         registered_at=now)
                for i in range(RESIDENTS)
            ]
            session.add_all(people)
            session.add_all([Staff(tg_user_id=6001 + w, chat_id=STAFF_CHAT, name=f"社工{w}", has_private_chat=True)
                             for w in range(2)])
            await session.flush()
            session.add_all([CheckinPlan(resident_id=p.id, times=["09:00"], quiet_start="00:00", quiet_end="00:00",
                                         next_due_at=now - timedelta(seconds=1)) for p in people])
        ids = []
        with app.i18n.context():
            for person in people[:REQUESTS]:
                async with app.sessions.begin() as session:
                    data = Draft(kind=RequestKind.SUPPLIES, draft_key=f"seed{person.id}", items=[("米", "5公斤")],
                                 raw_items="米 5公斤", address=person.address)
                    submitted = await requests_service.submit(session, app.i18n, settings, person, data)
                    await Notifier(session, app.i18n, settings).tell(submitted.told)
                    ids.append(submitted.request.id)
        return ids
    finally:
        await close(app)


def start_instance(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`python -m bot webhook` as its own process."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": settings.telegram_api_url or "", "DATABASE_URL": settings.database_url,
        "STAFF_CHAT_ID": str(STAFF_CHAT), "DISTRICTS": json.dumps(DISTRICTS), "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_PORT": str(port), "TICK_SECONDS": "0.5", "LIMITS__LEASE_SECONDS": "3", "LIMITS__GLOBAL_PER_SECOND": "60",
        "CHECKINS__BATCH": "25", "LOG_LEVEL": "WARNING",
    }
    if settings.redis_url:  # as deployed: conversations and the send budget shared through Redis
        env |= {"REDIS_URL": settings.redis_url, "REDIS_PREFIX": settings.redis_prefix}
    return subprocess.Popen([sys.executable, "-m", "bot", "webhook"], env=env, cwd=ROOT,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


async def wait_healthy(http: aiohttp.ClientSession, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until /healthz answers 200 (up to a minute: importing aiogram alone took 13 s on this 2-core machine at a
    load average of 5)."""
    for _ in range(600):
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(log.read_text()[-3000:])


async def press_claim(http: aiohttp.ClientSession, fake: FakeTelegram, port: int, worker: int, card: Any, request_id: int) -> int:
    """A worker's Claim tap, delivered to one instance as Telegram would POST it."""
    query_id = f"q{worker}-{request_id}"
    callback = {
        "id": query_id, "from": {"id": worker, "is_bot": False, "first_name": f"社工{worker}"},
        "message": fake.message_json(card), "chat_instance": "1", "data": f"sf:c:{request_id}:",
    }
    fake.register_callback_query(query_id, callback)
    update = {"update_id": 900_000 + worker * 1000 + request_id, "callback_query": callback}
    async with http.post(f"http://127.0.0.1:{port}/telegram/webhook", json=update,
                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        return response.status


async def test_two_instances_share_the_work_and_survive_a_sigkill(fake: FakeTelegram, settings: Settings, tmp_path: Path) -> None:
    """Check-ins due for many residents and claims raced across two processes; one is killed midway."""
    request_ids = await seed(settings)
    ports = [free_port(), free_port()]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [start_instance(settings, port, log) for port, log in zip(ports, logs)]
    try:
        async with aiohttp.ClientSession() as http:
            for proc, port, log in zip(procs, ports, logs):
                await wait_healthy(http, port, proc, log)

            def checkins_seen() -> int:
                return sum(1 for chat in range(30_000, 30_000 + RESIDENTS) if fake.messages.get(chat))

            cards: dict[int, Any] = {}
            for _ in range(300):
                for message in fake.messages.get(STAFF_CHAT, []):
                    for rid in request_ids:
                        if f"№{rid} ·" in message.text:
                            cards[rid] = message
                if len(cards) == len(request_ids) and checkins_seen() >= 30:
                    break
                await asyncio.sleep(0.05)
            assert len(cards) == len(request_ids)
            # Two workers race on every card, each through a different instance.
            statuses = await asyncio.gather(*(
                press_claim(http, fake, ports[w], 6001 + w, cards[rid], rid) for rid in request_ids for w in (0, 1)
            ))
            assert set(statuses) == {200}

            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait()
            killed_at = clock.now()
            app = create_app(settings)
            try:
                async with app.sessions() as session:
                    in_flight = (await session.exec(select(func.count()).select_from(Outbox).where(
                        Outbox.status == OutboxStatus.PENDING, col(Outbox.lease_until) > killed_at))).one()
                for _ in range(1200):  # up to 2 minutes on a loaded machine
                    async with app.sessions() as session:
                        pending = (await session.exec(select(func.count()).select_from(Outbox).where(
                            Outbox.status == OutboxStatus.PENDING))).one()
                        unsent = (await session.exec(select(func.count()).select_from(Checkin).where(
                            col(Checkin.sent_at).is_(None)))).one()
                    if pending == 0 and unsent == 0 and checkins_seen() == RESIDENTS:
                        break
                    await asyncio.sleep(0.1)
                async with app.sessions() as session:
                    checkins = (await session.exec(select(func.count()).select_from(Checkin))).one()
                    claims = (await session.exec(select(RequestEvent.request_id, func.count()).where(
                        RequestEvent.action == "claimed").group_by(RequestEvent.request_id))).all()
                    claimed = (await session.exec(select(Request).where(col(Request.id).in_(request_ids)))).all()
                    unsent_rows = (await session.exec(select(Outbox).where(Outbox.status != OutboxStatus.SENT))).all()
                    failed = len(unsent_rows)
            finally:
                await close(app)
        assert checkins == RESIDENTS  # one check-in per resident, whichever instance made it
        assert checkins_seen() == RESIDENTS  # nothing lost
        assert failed == 0, [(r.purpose, r.method, r.status, r.error, r.attempts) for r in unsent_rows]
        sent_twice = sum(max(0, len(fake.messages[30_000 + i]) - 1) for i in range(RESIDENTS))
        assert sent_twice <= in_flight  # only what the killed process had in flight may repeat
        assert sorted(claims) == sorted((rid, 1) for rid in request_ids)  # one winner each
        assert all(r.claimed_by is not None for r in claimed)
        print(f"\nin flight at the kill: {in_flight}, check-ins sent twice: {sent_twice}")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
