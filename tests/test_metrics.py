"""Prometheus metrics: GET /metrics on the webhook server, or on METRICS_PORT when polling."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta

from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from bot import app as bot_app
from bot.core import clock
from bot.app import create_app
from bot.core.config import Settings
from db.models import Checkin, CheckinAnswer, CheckinPlan
from sandbox.bot_api import FakeTelegram
from tests.conftest import STAFF_CHAT, Harness
from tests.helpers import register, resident_of, staff_messages, submit, to_summary
from tests.webhook_support import WebhookHarness


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Parsed exposition: (sample name, labels) -> value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def scrape(url: str) -> str:
    """GET /metrics."""
    async with ClientSession() as http:
        async with http.get(url) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/plain")
            return await resp.text()


async def test_metrics_after_a_request_was_filed(webhook: WebhookHarness) -> None:
    """Requests by status, the outbox, check-ins, 429s and update latency, with plausible values."""
    app = webhook.app
    assert app is not None and app.scheduler is not None
    app.scheduler.pause()  # the test refreshes the gauges itself, and no check-in tick consumes the plan
    user = await register(webhook, "zh")
    webhook.fake.fail_next("sendMessage", STAFF_CHAT, status=429, retry_after=1)  # the staff card is throttled once
    stored = await submit(webhook, user, "zh", await to_summary(user, "zh", "supplies", "大米 1袋"))
    await asyncio.sleep(1.1)  # the card waits out its retry_after
    await webhook.drain()
    assert any(f"№{stored.id}" in (m.text or "") for m in staff_messages(webhook, STAFF_CHAT))
    resident = await resident_of(webhook, user)
    assert resident is not None and resident.id is not None
    now = clock.now()
    async with app.sessions.begin() as session:
        session.add(CheckinPlan(resident_id=resident.id, next_due_at=now - timedelta(minutes=1)))
        session.add(Checkin(resident_id=resident.id, due_at=now, answer=CheckinAnswer.FINE))
        session.add(Checkin(resident_id=resident.id, due_at=now, answer=CheckinAnswer.PENDING))
        session.add(Checkin(resident_id=resident.id, due_at=now - timedelta(days=2), answer=CheckinAnswer.MISSED))

    await bot_app.refresh_metrics(app)
    text = await scrape(webhook.base_url + "/metrics")
    assert 'doorstep_requests{status="new"} 1.0' in text
    got = samples(text)
    assert got[("doorstep_requests", (("status", "new"),))] == 1.0 and stored.status.value == "new"
    assert got[("doorstep_requests", (("status", "done"),))] == 0.0
    assert got[("doorstep_outbox_depth", ())] == 0.0
    assert got[("doorstep_outbox_oldest_age_seconds", ())] == 0.0
    assert got[("doorstep_telegram_429_total", ())] == 1.0
    assert got[("doorstep_checkins_due", ())] == 1.0
    assert got[("doorstep_checkins_total", (("answer", "fine"),))] == 1.0
    assert got[("doorstep_checkins_total", (("answer", "pending"),))] == 1.0
    assert got[("doorstep_checkins_total", (("answer", "missed"),))] == 0.0  # not today's
    assert got[("doorstep_update_seconds_count", ())] >= 10  # the registration and the wizard
    assert got[("doorstep_update_seconds_sum", ())] > 0


async def test_outbox_backlog_is_shown(webhook: WebhookHarness) -> None:
    """Unsent rows: depth and the age of the oldest."""
    app = webhook.app
    assert app is not None and app.scheduler is not None
    app.scheduler.pause()
    from db.repo import outbox

    async with app.sessions.begin() as session:
        row = outbox.enqueue(session, 42, "sendMessage", {"chat_id": 42, "text": "x"}, purpose="test")
        row.created_at = clock.now() - timedelta(minutes=2)
        row.next_attempt_at = clock.now() + timedelta(hours=1)  # not due: the sender leaves it
    await bot_app.refresh_metrics(app)
    got = samples(await scrape(webhook.base_url + "/metrics"))
    assert got[("doorstep_outbox_depth", ())] == 1.0
    assert 119 <= got[("doorstep_outbox_oldest_age_seconds", ())] < 200


def free_port() -> int:
    """A port nobody listens on (for METRICS_PORT)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_metrics_port_in_polling_mode(fake: FakeTelegram, settings: Settings) -> None:
    """With long polling, METRICS_PORT serves /metrics; the gauges are filled at start."""
    port = free_port()
    h = Harness(fake, settings.model_copy(update={"metrics_port": port}))
    await h.start()
    try:
        await register(h, "ru")
        assert h.app is not None
        await bot_app.refresh_metrics(h.app)
        got = samples(await scrape(f"http://127.0.0.1:{port}/metrics"))
        assert got[("doorstep_requests", (("status", "new"),))] == 0.0
        assert got[("doorstep_update_seconds_count", ())] >= 5
    finally:
        await h.stop()
        clock.reset()
    async with ClientSession() as http:  # the metrics server stopped with the bot
        try:
            await http.get(f"http://127.0.0.1:{port}/metrics")
        except OSError:
            pass
        else:
            raise AssertionError("metrics server still listening")


async def test_each_app_has_its_own_registry(settings: Settings) -> None:
    """Two apps in one process do not share (or clash over) metrics."""
    first, second = create_app(settings), create_app(settings)
    try:
        first.metrics.telegram_429.inc()
        assert "doorstep_telegram_429_total 1.0" in first.metrics.exposition().decode()
        assert "doorstep_telegram_429_total 0.0" in second.metrics.exposition().decode()
    finally:
        for app in (first, second):
            await bot_app.close(app)
