"""Benchmark: updates per second one bot process handles end to end through the request wizard
(registration and a supplies request, 17 updates; PostgreSQL, the fake Bot API over HTTP), and in the same
run, against the same driver, three other bots:

- the peer (bench/peer_bot.py): the same form written the way the template Latand/tgbot_template_v3
  writes a bot (an AsyncSession per update opened by an outer middleware, a repository, the FSM in
  aiogram's storage, one handler per step, its own PostgreSQL tables) — what a team would otherwise build;
- the floor: the echo bot plus the least the wizard's guarantees need: one PostgreSQL transaction per
  update on asyncpg directly (claim the update id, read and write the conversation's state) and the
  wizard's number of Bot API calls per update (always on PostgreSQL, whatever --db says);
- a bare aiogram echo bot.

Each step waits until the bot's answer (its new messages) reached the fake, so a bot that confirms an
update before handling it (aiogram's polling) is measured to the same point as Doorstep. For each bot:
updates per second, CPU per update, the p99 of its own handling time, Bot API calls per update. Then, for
the wizard and the peer, residents paced at --send-rate updates/s (a new resident every 15/rate s, a step
every --think s): p99 from pushing Send to the confirmation reaching the fake (Doorstep's goes through the
outbox). Then, for the wizard, --rate updates/s of menu buttons: push → confirmed p99 and handling p99.

The fake Bot API and the simulated residents run in a process of their own (they would otherwise
share the bot's core and its garbage collector: the fake keeps every message it was sent), so the
numbers are the bot's alone.

    python -m bench.updates_throughput --users 40 --db postgres
    python -m bench.updates_throughput --users 40 --db postgres --mode webhook

With --mode webhook every bot serves a webhook and the fake POSTs updates as Telegram does: different
chats at the same time (up to max_connections), one chat's updates one after the other.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import multiprocessing
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any

import asyncpg
import uvloop
from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message

TOKEN = "123456:BENCH-TOKEN"
SECRET = "bench-webhook-secret"
STEPS = 17  # updates in one wizard run


# ---------------------------------------------------------------- the driver process (fake + residents)

def quick(user: Any) -> Any:
    """No settling: the next step only needs the direct reply, which comes before the update is confirmed."""
    user.settle_quiet, user.settle_max, user.timeout = 0.0, 0.0, 60
    return user


def wizard_steps(user: Any) -> list[tuple[Callable[[], Awaitable[Any]], int]]:
    """Registration and one supplies request, as (step, new messages the bot answers it with). The last
    step is Send; its answer is the confirmation (Doorstep's goes through the outbox, the peer's is sent
    by the handler)."""
    return [
        (lambda: user.send_command("/start"), 1),
        (lambda: user.press("✅"), 1),  # consent
        (lambda: user.tap(user.first_name), 1),
        (lambda: user.tap("📱"), 1),
        (lambda: user.send("下洋田社区 3栋 2单元 501"), 1),
        (lambda: user.press("✅"), 1),  # the address read back
        (lambda: user.press("下洋田社区"), 1),
        (lambda: user.press("⬜"), 0),  # the flags keyboard is edited
        (lambda: user.press("✅"), 2),  # registered: the menu, then the check-in offer
        (lambda: user.tap("🛒"), 1),
        (lambda: user.send("2斤青菜、2斤肉、一包5公斤重的大米"), 1),
        (lambda: user.press("✅"), 1),
        (lambda: user.press("1–2"), 1),
        (lambda: user.press("📍"), 1),
        (lambda: user.press("🚪"), 1),  # handed over at the door (the handover step)
        (lambda: user.press("✅"), 1),  # Send: the confirmation
    ]


async def answered(user: Any, step: Callable[[], Awaitable[Any]], answers: int) -> None:
    """Take a step and wait until the bot's answer (its new messages) reached the chat. Doorstep sends a
    step's direct answers before it confirms the update; aiogram's polling confirms an update before
    handling it, so a bot like the peer is only done with a step once its messages are there."""
    before = len(user.fake.messages.get(user.chat_id, ()))
    await step()
    if answers:
        await user.fake.wait_new_message(user.chat_id, before + answers - 1, timeout=60)


async def wizard(user: Any) -> int:
    """Registration and one supplies request, each step once answered; returns the number of updates sent."""
    for step, answers in wizard_steps(user):
        await answered(user, step, answers)
    return STEPS


async def paced_wizards(fake: Any, make_user: Callable[[int], Any], rate: float, seconds: float, think: float) -> dict[str, list[float]]:
    """Open loop at about `rate` updates/s: a new resident every STEPS/rate s for `seconds`, each taking
    a step every `think` s (later only if the bot has not answered the last one yet). Seconds from push
    to answered: of Send (push → the confirmation reached the fake) for residents whose Send fell in the
    steady part (after the ramp-up), and of every other step."""
    loop = asyncio.get_running_loop()
    sends: list[float] = []
    others: list[float] = []
    started = loop.time()
    steady_from = started + think * STEPS

    async def one(user: Any) -> None:
        begin = loop.time()
        steps = wizard_steps(user)
        for index, (step, answers) in enumerate(steps):
            await asyncio.sleep(max(0.0, begin + index * think - loop.time()))
            pushed = loop.time()
            await answered(user, step, answers)
            if index == len(steps) - 1:
                if pushed >= steady_from and pushed <= started + seconds:
                    sends.append(loop.time() - pushed)
            elif answers:
                others.append(loop.time() - pushed)

    tasks, i = [], 0
    while loop.time() - started < seconds:
        tasks.append(asyncio.create_task(one(make_user(i))))
        i += 1
        await asyncio.sleep(max(0.0, started + i * STEPS / rate - loop.time()))
    await asyncio.gather(*tasks)
    return {"send": sends, "steps": others}


async def echo_steps(user: Any, count: int) -> int:
    """The same number of round trips against the echo bot. Each waits for the bot's answer: aiogram's
    polling confirms an update before handling it, so waiting for the confirmation alone, as the wizard's
    steps do (Doorstep confirms after its transaction commits), would not count the handling."""
    for i in range(count):
        answered = len(user.fake.messages.get(user.chat_id, ()))
        await user.send(f"message {i}")
        await user.fake.wait_new_message(user.chat_id, answered, timeout=60)
    return count


def bot_calls(fake: Any) -> int:
    """Bot API calls the fake has answered so far, not counting getUpdates."""
    return sum(count for method, count in fake.stats.items() if method not in ("getUpdates", "429"))


async def drive(fake: Any, users: list[Any], job: Any) -> tuple[float, float]:
    """Run every user's conversation concurrently; updates per second and Bot API calls per update."""
    start, calls = time.monotonic(), bot_calls(fake)
    counts = await asyncio.gather(*(job(u) for u in users))
    return sum(counts) / (time.monotonic() - start), (bot_calls(fake) - calls) / sum(counts)


async def latency_at(fake: Any, users: list[Any], rate: float, seconds: float) -> list[float]:
    """Open loop: one update every 1/rate s from the registered users; seconds from push to processed."""
    latencies: list[float] = []

    async def one(user: Any, text: str) -> None:
        pushed = time.monotonic()
        update_id = fake.push_update({"message": user._message(text=text)})
        await fake.wait_processed(update_id, timeout=60)
        latencies.append(time.monotonic() - pushed)

    tasks, start, i = [], time.monotonic(), 0
    while time.monotonic() - start < seconds:
        user = users[i % len(users)]
        tasks.append(asyncio.create_task(one(user, ("📋 我的需求", "ℹ️ 帮助")[i % 2])))
        i += 1
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
    await asyncio.gather(*tasks)
    return latencies


async def driver(conn: Connection, users: int) -> None:  # noqa: C901 - one branch per phase
    """Serve the fake and run the residents' side of each phase when told to."""
    from sandbox.bot_api import FakeTelegram
    from tests.conversation import TgUser

    fake = FakeTelegram(token=TOKEN, record_calls=False)
    await fake.start()
    conn.send(fake.base_url)
    loop = asyncio.get_running_loop()
    people = [quick(TgUser(fake, 20_000 + i, f"用户{i}", language_code="zh-hans", phone="+8613800138000")) for i in range(users)]
    echoers = [quick(TgUser(fake, 40_000 + i, f"echo{i}")) for i in range(users)]
    floorers = [quick(TgUser(fake, 60_000 + i, f"floor{i}")) for i in range(users)]
    peers = [quick(TgUser(fake, 80_000 + i, f"用户{i}", language_code="zh-hans", phone="+8613800138000")) for i in range(users)]
    paced = iter(range(100_000, 10**9, 10_000))  # each paced phase its own new residents

    def resident(base: int) -> Callable[[int], Any]:
        return lambda i: quick(TgUser(fake, base + i, f"用户{i}", language_code="zh-hans", phone="+8613800138000"))
    while True:
        command, args = await loop.run_in_executor(None, conn.recv)
        if command == "wizard":
            conn.send(await drive(fake, people, wizard))
        elif command == "latency":
            conn.send(await latency_at(fake, people, *args))
        elif command == "webhook":  # POST updates to this URL from now on (None: back to getUpdates)
            fake.feed_webhook(*args)
            conn.send(True)
        elif command == "peer":
            conn.send(await drive(fake, peers, wizard))
        elif command == "paced":  # rate, seconds, think
            conn.send(await paced_wizards(fake, resident(next(paced)), *args))
        elif command == "echo":
            conn.send(await drive(fake, echoers, lambda u: echo_steps(u, STEPS)))
        elif command == "floor":
            conn.send(await drive(fake, floorers, lambda u: echo_steps(u, STEPS)))
        else:
            break
    await fake.stop()


def driver_process(conn: Connection, users: int) -> None:
    """Entry point of the driver process."""
    uvloop.run(driver(conn, users))


# ---------------------------------------------------------------- the bot process (this one)

def echo_dispatcher() -> Dispatcher:
    """A bare aiogram bot: echo text, answer callbacks."""
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @router.callback_query()
    async def answer(query: CallbackQuery) -> None:
        await query.answer()

    dp = Dispatcher()
    dp.include_router(router)
    return dp


FLOOR_TABLES = (
    "CREATE TABLE floor_update (update_id BIGINT PRIMARY KEY, at TIMESTAMPTZ NOT NULL)",
    "CREATE TABLE floor_state (key TEXT PRIMARY KEY, state TEXT, data TEXT NOT NULL)",
)


def floor_dispatcher(pool: Any, extra_calls: float) -> Dispatcher:
    """The least any bot must do per update to match the wizard's guarantees and traffic: the echo bot
    plus one PostgreSQL transaction straight on asyncpg (claim the update id, read the conversation's
    state, write it back) and as many Bot API calls per update as the wizard makes (a chat action on
    that share of updates). No routing, texts, keyboards or ORM: its ratio to the echo bot bounds what
    any implementation of the wizard on aiogram + PostgreSQL can reach."""
    router, handled = Router(), [0]

    @router.message()
    async def floor(message: Message, event_update: Any) -> None:
        key = f"{message.chat.id}:{message.from_user.id}"  # type: ignore[union-attr]
        async with pool.acquire() as connection, connection.transaction():
            claimed = await connection.execute(
                "INSERT INTO floor_update (update_id, at) VALUES ($1, now()) ON CONFLICT DO NOTHING", event_update.update_id)
            if claimed.endswith(" 0"):
                return
            row = await connection.fetchrow("SELECT state, data FROM floor_state WHERE key = $1", key)
            steps = int(row["state"]) + 1 if row else 1
            await connection.execute(
                "INSERT INTO floor_state (key, state, data) VALUES ($1, $2, $3) "
                "ON CONFLICT (key) DO UPDATE SET state = EXCLUDED.state, data = EXCLUDED.data", key, str(steps), "{}")
        await message.answer(message.text or "?")
        handled[0] += 1
        if handled[0] % 100 < extra_calls * 100:
            await message.bot.send_chat_action(message.chat.id, "typing")  # type: ignore[union-attr]

    dp = Dispatcher()
    dp.include_router(router)
    return dp


class collector_pauses:
    """The garbage collector's pauses in this process from now on (seconds, by generation)."""

    def __init__(self) -> None:
        self.longest: dict[int, float] = {}
        self.count = 0
        self._started = 0.0
        gc.callbacks.append(self.record)

    def record(self, phase: str, info: dict[str, Any]) -> None:
        """gc callback."""
        if phase == "start":
            self._started = time.perf_counter()
            return
        self.count += 1
        generation = info["generation"]
        self.longest[generation] = max(self.longest.get(generation, 0.0), time.perf_counter() - self._started)


class HandlingTimes:
    """The bot's own handling time of each update from now on: what doorstep_update_seconds observes
    (UpdateLedger, from taking the update to committing it), as opposed to push-to-confirmed."""

    def __init__(self, app: Any) -> None:
        self.seconds: list[float] = []
        self.metric = app.metrics.update_seconds
        app.metrics.update_seconds = self

    def observe(self, seconds: float) -> None:
        """Record, then pass on to the real histogram."""
        self.seconds.append(seconds)
        self.metric.observe(seconds)


async def ask(conn: Connection, command: str, *args: Any) -> Any:
    """Tell the driver to run a phase; its result, with this process's CPU seconds meanwhile."""
    cpu = time.process_time()
    conn.send((command, args))
    result = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    return result, time.process_time() - cpu


async def serve_doorstep(app: Any, conn: Connection, mode: str) -> Callable[[], Awaitable[None]]:
    """Start Doorstep polling, or serving a webhook the fake POSTs to; returns how to stop it."""
    from bot.app import run_polling
    from bot.app.webhook import run_webhook

    if mode == "polling":
        started = asyncio.Event()
        app.dp.startup.register(lambda: started.set())
        task = asyncio.create_task(run_polling(app, polling_timeout=1, handle_signals=False))
        await started.wait()

        async def stop_polling() -> None:
            await app.dp.stop_polling()
            await task

        return stop_polling
    shutdown, ready, urls = asyncio.Event(), asyncio.Event(), []

    def started_server(runner: Any) -> None:
        host, port = runner.addresses[0][:2]
        urls.append(f"http://{host}:{port}{app.settings.webhook_path}")
        ready.set()

    task = asyncio.create_task(run_webhook(app, shutdown=shutdown, handle_signals=False, port=0, started=started_server))
    await ready.wait()
    await ask(conn, "webhook", urls[0], SECRET)

    async def stop_webhook() -> None:
        await ask(conn, "webhook", None)
        shutdown.set()
        await task

    return stop_webhook


async def serve_echo(
    conn: Connection, base_url: str, mode: str, dp: Dispatcher | None = None, parse_mode: str | None = None,
) -> Callable[[], Awaitable[None]]:
    """Start the bare aiogram echo bot (or dp) the same way; returns how to stop it."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler
    from aiohttp import web

    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)),
              default=DefaultBotProperties(parse_mode=parse_mode))
    dp = dp or echo_dispatcher()
    if mode == "polling":
        # aiogram's defaults (handle_as_tasks=True: updates run concurrently, confirmed before they finish)
        task = asyncio.create_task(dp.start_polling(bot, polling_timeout=1, handle_signals=False))
        await asyncio.sleep(0.5)

        async def stop_polling() -> None:
            await dp.stop_polling()
            await task
            await bot.session.close()

        return stop_polling
    server = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token=SECRET).register(server, "/hook")
    runner = web.AppRunner(server)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    await ask(conn, "webhook", f"http://{host}:{port}/hook", SECRET)

    async def stop_webhook() -> None:
        await ask(conn, "webhook", None)
        await runner.cleanup()
        await bot.session.close()

    return stop_webhook


class UpdateTimes(BaseMiddleware):
    """For the aiogram bots (echo, floor, peer): each update's handling time, from the dispatcher taking
    it to its handlers being done (the counterpart of Doorstep's doorstep_update_seconds)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, handler: Callable[[Any, dict[str, Any]], Awaitable[Any]], event: Any, data: dict[str, Any]) -> Any:
        """Time the update."""
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            self.seconds.append(time.perf_counter() - started)


def timed(dp: Dispatcher) -> tuple[Dispatcher, UpdateTimes]:
    """dp with an UpdateTimes outermost on its updates."""
    times = UpdateTimes()
    dp.update.outer_middleware(times)
    return dp, times


def p99(values: list[float]) -> float:
    """The 99th percentile in ms (nearest rank; 0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * 0.99 + 0.999999) - 1)] * 1000, 1)


def p50(values: list[float]) -> float:
    """The median in ms."""
    return round(statistics.median(values) * 1000, 1) if values else 0.0


def taken(times: Any) -> list[float]:
    """The handling times recorded so far, and start a new list for the next phase."""
    seconds, times.seconds = times.seconds, []
    return seconds


async def run(users: int, db: str, rate: float, seconds: float, mode: str = "polling",
              send_rate: float = 50, send_seconds: float = 40, think: float = 0.5, profile: str | None = None) -> dict[str, Any]:
    """Every bot against one driver, measured in one run. With `profile` (a file name), the wizard phase
    runs under cProfile and its statistics are written there (read them with `python -m pstats FILE`);
    the profiler's own cost then inflates that run's CPU figures."""
    from bench.checkins_burst import drop_database, new_database
    from bench.peer_bot import Config, create_engine, create_session_pool, create_tables, peer_dispatcher
    from bot.app import create_app
    from bot.core.config import Settings

    conn, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=driver_process, args=(child, users), daemon=True)
    process.start()
    base_url = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    updates = users * STEPS
    out: dict[str, Any] = {"db": db, "mode": mode, "users": users, "load_before": round(os.getloadavg()[0], 2)}

    # Doorstep: the wizard as fast as the residents go, then paced at send_rate, then `rate` updates/s of menu buttons.
    url = await new_database(db)
    settings = Settings(
        bot_token=TOKEN, telegram_api_url=base_url, database_url=url, staff_chat_id=-1001,
        districts=[{"code": "xiayangtian", "name": "下洋田社区"}], phone_region="CN",
        limits={"global_per_second": 1000, "private_chat_per_second": 100, "group_per_minute": 6000},
        webhook_secret=SECRET, _env_file=None,
    )
    app = create_app(settings)
    app.freeze_heap = True  # as `python -m bot` does
    handling = HandlingTimes(app)
    stop = await serve_doorstep(app, conn, mode)
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    leases_before = app.sender.stats["leases"]
    (wizard_ups, wizard_calls), wizard_cpu = await ask(conn, "wizard")
    wizard_leases = app.sender.stats["leases"] - leases_before
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    wizard_handled = taken(handling)
    paced, paced_cpu = await ask(conn, "paced", send_rate, send_seconds, think)
    paced_handled = taken(handling)
    pauses = collector_pauses()
    latencies, _ = await ask(conn, "latency", rate, seconds)
    gc.callbacks.remove(pauses.record)
    handled = taken(handling)
    await stop()
    await drop_database(url)
    out.update({
        "wizard_updates_per_s": round(wizard_ups, 1), "wizard_cpu_ms_per_update": round(wizard_cpu * 1000 / updates, 2),
        "wizard_calls_per_update": round(wizard_calls, 2), "wizard_handling_p99_ms": p99(wizard_handled),
        "wizard_outbox_leases_per_update": round(wizard_leases / updates, 2),
        f"wizard_send_p99_ms_at_{send_rate:g}": p99(paced["send"]), "wizard_send_p50_ms": p50(paced["send"]),
        "wizard_sends": len(paced["send"]), "wizard_steps_p99_ms": p99(paced["steps"]),
        f"wizard_handling_p99_ms_at_{send_rate:g}": p99(paced_handled),
        "wizard_paced_cpu_ms_per_update": round(paced_cpu * 1000 / max(1, len(paced_handled)), 2),
    })

    # The peer: the same residents' steps against the template-style bot, on its own PostgreSQL database.
    url = await new_database("postgres")
    engine = create_engine(url)
    await create_tables(engine)
    config = Config(staff_chat_id=-1001, districts={"xiayangtian": "下洋田社区"})
    dp, times = timed(peer_dispatcher(create_session_pool(engine), config))
    stop = await serve_echo(conn, base_url, mode, dp, parse_mode="HTML")
    (peer_ups, peer_calls), peer_cpu = await ask(conn, "peer")
    peer_handled = taken(times)
    paced, paced_cpu = await ask(conn, "paced", send_rate, send_seconds, think)
    paced_handled = taken(times)
    await stop()
    await engine.dispose()
    await drop_database(url)
    out.update({
        "peer_updates_per_s": round(peer_ups, 1), "peer_cpu_ms_per_update": round(peer_cpu * 1000 / updates, 2),
        "peer_calls_per_update": round(peer_calls, 2), "peer_handling_p99_ms": p99(peer_handled),
        f"peer_send_p99_ms_at_{send_rate:g}": p99(paced["send"]), "peer_send_p50_ms": p50(paced["send"]),
        "peer_sends": len(paced["send"]), "peer_steps_p99_ms": p99(paced["steps"]),
        f"peer_handling_p99_ms_at_{send_rate:g}": p99(paced_handled),
        "peer_paced_cpu_ms_per_update": round(paced_cpu * 1000 / max(1, len(paced_handled)), 2),
        "wizard_to_peer": round(wizard_ups / peer_ups, 2),
    })

    dp, times = timed(echo_dispatcher())
    stop = await serve_echo(conn, base_url, mode, dp)
    (echo_ups, echo_calls), echo_cpu = await ask(conn, "echo")
    echo_handled = taken(times)
    await stop()

    # The floor: the echo bot with the wizard's transaction and Bot API calls, nothing else.

    url = await new_database("postgres")
    pool = await asyncpg.create_pool(url.replace("postgresql+asyncpg://", "postgresql://"), min_size=2, max_size=settings.polling_concurrency + 8)
    for statement in FLOOR_TABLES:
        await pool.execute(statement)
    dp, times = timed(floor_dispatcher(pool, wizard_calls - 1))
    stop = await serve_echo(conn, base_url, mode, dp)
    (floor_ups, floor_calls), floor_cpu = await ask(conn, "floor")
    floor_handled = taken(times)
    await stop()
    await pool.close()
    await drop_database(url)
    conn.send(("stop", ()))
    process.join(10)

    out.update({
        "floor_updates_per_s": round(floor_ups, 1), "floor_cpu_ms_per_update": round(floor_cpu * 1000 / updates, 2),
        "floor_calls_per_update": round(floor_calls, 2), "floor_handling_p99_ms": p99(floor_handled),
        "echo_updates_per_s": round(echo_ups, 1), "echo_cpu_ms_per_update": round(echo_cpu * 1000 / updates, 2),
        "echo_calls_per_update": round(echo_calls, 2), "echo_handling_p99_ms": p99(echo_handled),
        "wizard_cpu_to_floor": round(wizard_cpu / floor_cpu, 2), "ratio": round(wizard_ups / echo_ups, 2),
        "floor_ratio": round(floor_ups / echo_ups, 2),
        "latency_rate_per_s": rate, "latency_updates": len(latencies),
        "p50_ms": p50(latencies), "p99_ms": p99(latencies),
        "handling_p50_ms": p50(handled), "handling_p99_ms": p99(handled),
        "load_after": round(os.getloadavg()[0], 2), "gc_runs": pauses.count, "gc_longest_ms": {g: round(v * 1000, 1) for g, v in sorted(pauses.longest.items())},
    })
    return out


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--send-rate", type=float, default=50, help="updates/s of the paced wizards (Send → confirmation)")
    parser.add_argument("--send-seconds", type=float, default=40, help="how long new residents keep starting in the paced phase")
    parser.add_argument("--think", type=float, default=0.5, help="seconds between one resident's steps in the paced phase")
    parser.add_argument("--mode", choices=["polling", "webhook"], default="polling",
                        help="webhook: the fake POSTs updates as Telegram does (chats at once, a chat in order)")
    parser.add_argument("--profile", metavar="FILE", help="write cProfile statistics of the wizard phase to FILE")
    args = parser.parse_args()
    # uvloop, as `python -m bot` runs in production; both bots run on the same kind of loop.
    result = uvloop.run(run(args.users, args.db, args.rate, args.seconds, args.mode, args.send_rate, args.send_seconds, args.think, args.profile))
    print(" ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
