"""`python -m bot sandbox`: the real bot against the embedded Telegram Bot API, shown in a web page.

Nothing to configure and no network: the bot runs unchanged (handlers, services, outbox sender, ticks)
on SQLite in the data folder, talks to the fake Bot API on 127.0.0.1, and the page (sandbox.web) lets
you be its users. The bot knows it is in a sandbox only by TELEGRAM_API_URL and by the clock the page
moves.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.app import App, check_requests, create_app, follow_up_checkins, retry_failed_updates, run_polling, send_checkins
from bot.core import clock
from bot.core.config import TOKEN_SHAPE, Settings
from bot.core.logs import setup_logging
from db.repo import outbox
from sandbox.fake import FakeTelegram
from sandbox.people import Telegram
from sandbox.world import BOT_ID, BOT_USERNAME, TOKEN, State, World, make_settings

log = logging.getLogger(__name__)

DEFAULT_PORT = 8470
DEFAULT_DIR = Path("sandbox-data")
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


# ------------------------------------------------------------------ command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`python -m bot sandbox` options."""
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the page's port (default {DEFAULT_PORT})")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to serve the page on (default 127.0.0.1; any other needs --password)")
    parser.add_argument("--password", help="require this password (HTTP basic auth, any user name)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                        help=f"where the sandbox keeps its database (default ./{DEFAULT_DIR})")
    parser.add_argument("--fresh", action="store_true", help="start over: a new database and world")


def is_loopback(host: str) -> bool:
    """Whether a host name or address stays on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def real_telegram_problem(environ: dict[str, str] | None = None, env_file: Path = Path(".env")) -> str | None:
    """Why the sandbox must not start here: a real bot token configured to talk to Telegram itself (the
    sandbox never uses it, but refusing makes sure a mix-up can never reach real people)."""
    values: dict[str, Any] = dict(dotenv_values(env_file)) if env_file.is_file() else {}
    values.update({k: v for k, v in (os.environ if environ is None else environ).items()
                   if k in ("BOT_TOKEN", "TELEGRAM_API_URL")})
    token = str(values.get("BOT_TOKEN") or "").strip()
    api = str(values.get("TELEGRAM_API_URL") or "").strip()
    host = (urlsplit(api).hostname or "") if api else "api.telegram.org"
    if TOKEN_SHAPE.fullmatch(token) and (host == "telegram.org" or host.endswith(".telegram.org")):
        return ("Refusing to start the sandbox: BOT_TOKEN (environment or .env) is a real bot token and "
                "TELEGRAM_API_URL points at Telegram. Run the sandbox in a folder without that .env, or unset BOT_TOKEN.")
    return None


def check_arguments(args: argparse.Namespace) -> str | None:
    """A problem with the options, or None."""
    if not 0 < args.port < 65536:
        return f"--port {args.port}: not a port"
    if not is_loopback(args.host) and not args.password:
        return (f"--host {args.host} would show the sandbox to other machines: add --password "
                "(the page then asks for it)")
    return None


async def serve(args: argparse.Namespace) -> None:
    """Run the sandbox and its page until SIGINT/SIGTERM."""
    from aiohttp import web

    from sandbox.web import make_web_app

    sandbox = Sandbox(args.dir)
    runner = web.AppRunner(make_web_app(sandbox, password=args.password), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:  # the port first: a second sandbox on a busy port must not touch the first one's folder
        await web.TCPSite(runner, args.host, args.port).start()
    except OSError as exc:
        await runner.cleanup()
        raise SystemExit(f"Cannot serve the sandbox on {args.host}:{args.port}: {exc.strerror}") from None
    try:
        if args.fresh:
            wipe(args.dir)
        await sandbox.start()
    except BaseException:
        await runner.cleanup()
        raise
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{args.port}/"
    print(f"Doorstep sandbox: open {url} (offline; Ctrl+C to stop)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows
            pass
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await sandbox.stop()


def main(argv: list[str]) -> None:
    """Entry point of `python -m bot sandbox`."""
    parser = argparse.ArgumentParser(prog="python -m bot sandbox",
                                     description="Try Doorstep offline: the real bot, an embedded Telegram, a web page")
    add_arguments(parser)
    args = parser.parse_args(argv)
    problem = check_arguments(args) or real_telegram_problem()
    if problem:
        print(problem, file=sys.stderr)
        raise SystemExit(2)
    setup_logging("WARNING", "text")
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])


__all__ = ["Sandbox", "main", "next_morning"]
