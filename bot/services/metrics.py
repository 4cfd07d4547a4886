"""Prometheus metrics of one app (its own registry, so tests can run several apps side by side)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from db.models import CheckinAnswer, RequestStatus
from db.repo.metrics import Snapshot

UPDATE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The gauges, counters and histogram the bot exposes at GET /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Gauge("doorstep_requests", "Requests by status", ["status"], registry=r)
        self.outbox_depth = Gauge("doorstep_outbox_depth", "Outbox rows waiting to be sent", registry=r)
        self.outbox_oldest_age = Gauge(
            "doorstep_outbox_oldest_age_seconds", "Age of the oldest unsent outbox row (0 when empty)", registry=r
        )
        self.telegram_429 = Counter(
            "doorstep_telegram_429", "Bot API calls of the outbox sender answered 429 (retry_after)", registry=r
        )
        self.checkins_due = Gauge("doorstep_checkins_due", "Check-in plans due now, not yet sent", registry=r)
        self.checkins_today = Gauge(
            "doorstep_checkins_total", "Today's check-ins (deployment timezone) by answer", ["answer"], registry=r
        )
        self.update_seconds = Histogram(
            "doorstep_update_seconds", "Time to handle one Telegram update", buckets=UPDATE_BUCKETS, registry=r
        )
        for status in RequestStatus:
            self.requests.labels(status=status.value)
        for answer in CheckinAnswer:
            self.checkins_today.labels(answer=answer.value)

    def show(self, snap: Snapshot, now: datetime) -> None:
        """Set the database gauges from a snapshot (every known label, zero when absent)."""
        for status in RequestStatus:
            self.requests.labels(status=status.value).set(snap.requests.get(status.value, 0))
        self.outbox_depth.set(snap.outbox_depth)
        oldest = snap.outbox_oldest
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        self.outbox_oldest_age.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        self.checkins_due.set(snap.checkins_due)
        for answer in CheckinAnswer:
            self.checkins_today.labels(answer=answer.value).set(snap.checkins_today.get(answer.value, 0))

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)

    async def handle(self, request: web.Request) -> web.Response:
        """GET /metrics."""
        return web.Response(body=self.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def serve(metrics: Metrics, host: str, port: int) -> web.AppRunner:
    """A small server for GET /metrics (long polling mode); clean it up with `await runner.cleanup()`."""
    server = web.Application()
    server.router.add_get("/metrics", metrics.handle)
    runner = web.AppRunner(server, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
