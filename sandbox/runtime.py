"""The running sandbox: the embedded Telegram Bot API, the real bot polling it, and the world of people;
started, stopped, reset, and its clock moved."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import App, check_requests, create_app, follow_up_checkins, retry_failed_updates, run_polling, send_checkins
from bot.core import clock
from bot.core.config import Settings
from db.repo import outbox
from sandbox.bot_api import FakeTelegram
from sandbox.people import Telegram
from sandbox.world import BOT_ID, BOT_USERNAME, TOKEN, State, World, make_settings

log = logging.getLogger(__name__)

STATE_FILE = "sandbox.json"

#: The clock panel's steps.
STEPS: dict[str, Callable[[datetime], timedelta]] = {
    "15m": lambda now: timedelta(minutes=15),
    "1h": lambda now: timedelta(hours=1),
    "morning": lambda now: next_morning(now) - now,
}


#: The bot's periodic jobs that a clock move brings forward.
TICKS = (check_requests, send_checkins, follow_up_checkins, retry_failed_updates)


def next_morning(now: datetime, hour: int = 9) -> datetime:
    """The next 09:00 after `now` (a local, aware time): today's if it is still ahead, else tomorrow's."""
    target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return target if target > now else target + timedelta(days=1)


class Sandbox:
    """The embedded Telegram, the bot polling it and the world of people; started, stopped, reset."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.fake: FakeTelegram | None = None
        self.app: App | None = None
        self.world: World | None = None
        self.settings: Settings | None = None
        self.task: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()  # one clock move or reset at a time
        self.generation = 0  # +1 on every (re)start: the page reloads its world
        self.on_start: list[Callable[[], None]] = []

    async def start(self) -> None:
        """The fake, the bot (migrating the database) and, on the first start, the seeded world."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fake = FakeTelegram(token=TOKEN, bot_id=BOT_ID, bot_username=BOT_USERNAME, bot_first_name="Doorstep",
                            record_calls=False)
        fake.clock = lambda: clock.now().timestamp()
        fake.enforce_limits()  # Telegram's flood limits, as the tests' strict fake knows them
        await fake.start()
        self.fake = fake
        world = World(Telegram(fake), State.load(self.data_dir / STATE_FILE))
        world.restore()
        settings = make_settings(fake.base_url, self.data_dir)
        app = create_app(settings)
        started = asyncio.Event()
        app.dp.startup.register(lambda: started.set())
        task = asyncio.create_task(run_polling(app, polling_timeout=5, handle_signals=False), name="sandbox-bot")
        waiter = asyncio.ensure_future(started.wait())
        done, _ = await asyncio.wait({waiter, task}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            await fake.stop()
            task.result()  # the bot's startup error
        if not started.is_set():
            raise RuntimeError("the bot did not start within a minute")
        self.app, self.task, self.world, self.settings = app, task, world, settings
        if not world.state.seeded:
            await world.seed(settings, app.sessions)
        self.generation += 1
        for callback in self.on_start:
            callback()

    async def stop(self) -> None:
        """Stop the bot (letting the sender finish) and the fake; keep the state."""
        if self.world is not None:
            self.world.remember()
        if self.app is not None and self.task is not None:
            if not self.task.done():
                await self.app.dp.stop_polling()
            await asyncio.wait_for(self.task, 30)
        if self.fake is not None:
            await self.fake.stop()
        self.app = self.task = self.world = self.fake = None
        clock.reset()

    async def reset(self) -> None:
        """Start over: a new database, the world seeded again, the clock back to now."""
        async with self.lock:
            await self.stop()
            wipe(self.data_dir)
            await self.start()

    async def advance(self, step: str) -> None:
        """Move the bot's clock and bring its ticks forward to now, so what became due happens at once
        (the bot's own scheduler runs them: never two of one tick side by side, as in production)."""
        assert self.app is not None and self.settings is not None and self.world is not None
        async with self.lock:
            await self.drain()
            now = clock.now().astimezone(self.settings.tz)
            clock.advance(STEPS[step](now))
            self.world.remember()
            if self.app.scheduler is not None:
                for job in self.app.scheduler.get_jobs():
                    if job.func in TICKS:
                        job.modify(next_run_time=datetime.now(UTC))
            self.app.sender.wake()

    async def drain(self, timeout: float = 15) -> None:
        """Wait until the outbox holds nothing in flight or due within a lease: a jump of the clock
        would expire the leases of rows being sent, and the sender would send them again."""
        assert self.app is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        soon = timedelta(seconds=self.app.settings.limits.lease_seconds + 1)
        while loop.time() < deadline:
            async with self.app.sessions() as session:
                count, _ = await outbox.depth(session)
                due = await outbox.next_due(session)
            if count == 0 or (due is not None and as_utc(due) > clock.now() + soon):
                break
            self.app.sender.wake()
            await asyncio.sleep(0.1)
        if self.fake is not None:
            await self.fake.settle(0.1, 2.0)

    def now(self) -> datetime:
        """The bot's time, in the deployment's timezone."""
        assert self.settings is not None
        return clock.now().astimezone(self.settings.tz)


def as_utc(when: datetime) -> datetime:
    """SQLite hands back naive UTC times; PostgreSQL aware ones."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def wipe(data_dir: Path) -> None:
    """Remove what the sandbox keeps in its folder (and nothing else)."""
    for name in ("doorstep.db", "doorstep.db-wal", "doorstep.db-shm", "doorstep.db-journal", STATE_FILE):
        (data_dir / name).unlink(missing_ok=True)
