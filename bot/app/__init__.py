"""Wiring: database, i18n, bot, dispatcher, outbox sender and periodic ticks."""

from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Update
from aiogram.utils.i18n import I18n
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock

from db import migrate
from bot.ui.cards import CardPlanner
from bot.ui.commands import set_default_commands
from bot.core.config import Settings
from bot.ui.context import NotifierMiddleware, WizardMiddleware
from bot.telegram.delivery import Sender
from bot.ui.i18n import LocaleMiddleware, build_i18n
from bot.core.logs import ids
from bot.services.metrics import Metrics
from bot.services.metrics import serve as serve_metrics
from bot.telegram.middlewares import (
    ExpiredAnswers,
    KeepResponseModels,
    ResidentLoader,
    UpdateLedger,
    retry_time,
)
from bot.ui.notify import DELIVERY_CARD, DELIVERY_COPY, SYNC_CARD, VOLUNTEER_CARD, VOLUNTEER_NAMED, Notifier
from bot.telegram.polling import BatchDispatcher
from bot.telegram.ratelimit import SharedBudget
from bot.services import checkins, followups, medicines, notices, privacy, reports, scheduled, staff, volunteers
from bot.services.decisions import Batch, Decision
from bot.ui import charts, report_texts
from bot.domain import danger
from bot.domain.locale import guess_locale
from bot.domain.priority import outbox_priority
from bot.telegram.shared_limits import SharedWindows
from bot.telegram.startup import database_problem, redis_problem, wait_for_telegram
from bot.telegram.storage import SqlStorage
from bot.telegram import uploads
from db.engine import is_sqlite, make_engine, make_reader, make_sessionmaker
from db.models import Outbox
from db.repo import districts, outbox, residents, updates
from db.repo import staff as staff_repo
from db.repo import metrics as metrics_repo
from db.repo import requests as requests_repo

log = logging.getLogger(__name__)

MAX_UPDATE_ATTEMPTS = 4


@dataclass
class App:
    """One running instance of the bot and everything it owns."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    i18n: I18n
    bot: Bot
    dp: Dispatcher
    sender: Sender
    scheduler: AsyncIOScheduler | None = None
    #: sessions for work that only reads (on SQLite they take no write lock); set by create_app
    readers: async_sessionmaker[AsyncSession] | None = None
    metrics: Metrics = field(default_factory=Metrics)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    #: gc.freeze() what startup built (the process's own entry point sets this; tests do not, as they
    #: build many apps in one process and would keep every one of them)
    freeze_heap: bool = False
    handled: int = 0  # updates handled by this process


def make_bot(settings: Settings) -> Bot:
    """The aiogram Bot, pointed at TELEGRAM_API_URL when set."""
    session = AiohttpSession()
    if settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/")))
    # A reply never depends on the replied-to message still existing (someone may delete a command
    # before the answer goes out: Telegram would refuse with "message to be replied not found").
    defaults = DefaultBotProperties(parse_mode=ParseMode.HTML, allow_sending_without_reply=True)
    return Bot(settings.bot_token.get_secret_value(), session=session, default=defaults)


def make_storage(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> BaseStorage:
    """Redis when REDIS_URL is set (any instance continues any conversation), else the database."""
    if settings.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage

        keys = DefaultKeyBuilder(prefix=settings.redis_prefix, with_destiny=True)
        return RedisStorage.from_url(settings.redis_url, key_builder=keys)
    return SqlStorage(sessions)


def create_app(settings: Settings) -> App:
    """Build every component; nothing runs yet."""
    from handlers import build_router

    # a connection for every chat lane, the sender's workers and the ticks, with room to spare
    engine = make_engine(settings.database_url, pool_size=settings.polling_concurrency + 8)
    sessions = make_sessionmaker(engine)
    i18n = build_i18n(settings.default_locale)
    bot = make_bot(settings)
    # SQLite has one writer: chats run side by side only on a server database.
    concurrency = 1 if is_sqlite(settings.database_url) else settings.polling_concurrency
    # disable_fsm: aiogram would read the conversation state before our UpdateLedger opens the update's
    # transaction (a second session and two more round trips per update); it is registered below instead.
    dp = BatchDispatcher(
        concurrency=concurrency, shutdown_timeout=settings.shutdown_timeout,
        storage=make_storage(settings, sessions), disable_fsm=True, settings=settings,
    )
    shared = None
    if settings.redis_url and settings.limits.shared:  # instances keep to one bot's budget together
        shared = SharedWindows.from_url(settings.redis_url, f"{settings.redis_prefix}:{bot.id}")
    sender = Sender(bot, sessions, settings.limits, shared=shared)
    bot.session.middleware(SharedBudget(sender.limiters))
    bot.session.middleware(ExpiredAnswers())
    bot.session.middleware(KeepResponseModels())
    sender.planners[SYNC_CARD] = CardPlanner(sessions, i18n, settings).plan
    sender.planners[uploads.UPLOAD] = uploads.plan
    for purpose in ("report_reply", "report", "export"):
        sender.on_sent[purpose] = uploads.forget
    sender.record_message_id.add("details")  # edited when the resident erases their data
    # edited as the application or the delivery goes on; a press on them is checked against them
    sender.record_message_id.update({VOLUNTEER_CARD, DELIVERY_CARD, DELIVERY_COPY})
    sender.record_message_id.add(VOLUNTEER_NAMED)  # the name is replaced when the volunteer erases their data

    async def details_delivered(session: AsyncSession, rows: list[Outbox]) -> None:
        with i18n.context():
            await Notifier(session, i18n, settings).tell(await privacy.details_delivered(session, rows))

    sender.on_sent["details"] = details_delivered
    app = App(settings, engine, sessions, i18n, bot, dp, sender, readers=make_reader(engine))
    sender.on_flood = app.metrics.telegram_429.inc
    checkin_hooks(app)
    notice_hooks(app)
    card_hooks(app)
    staff_hooks(app)

    async def on_failure(update: Update, data: dict[str, Any]) -> None:
        await record_failed_update(app, update)

    def observe(seconds: float) -> None:
        app.metrics.update_seconds.observe(seconds)
        app.handled += 1
        if app.handled == WARM_AFTER_UPDATES and app.freeze_heap:
            freeze_heap()  # again, now that the first updates have filled the caches (statements, models)

    dp.update.outer_middleware(UpdateLedger(sessions, sender.wake, on_failure, observe, at_once=concurrency))
    dp.update.outer_middleware(dp.fsm)  # inside the update's transaction (see disable_fsm above)
    dp.update.outer_middleware(ResidentLoader())
    LocaleMiddleware(i18n, settings.staff_locale).setup(dp)
    notifier = NotifierMiddleware()
    for observer in (dp.message, dp.callback_query, dp.edited_message, dp.chat_member, dp.my_chat_member):
        observer.outer_middleware(notifier)
    wizard = WizardMiddleware()
    for observer in (dp.message, dp.callback_query, dp.edited_message):
        observer.outer_middleware(wizard)
    dp.include_router(build_router())
    return app


async def record_failed_update(app: App, update: Update) -> None:
    """Keep a failed update for a retry and tell the person, once, that we are on it."""
    payload = update.model_dump(mode="json", by_alias=True, exclude_none=True)
    user = update.event.from_user if hasattr(update.event, "from_user") else None  # type: ignore[union-attr]
    async with app.sessions.begin() as session:
        row = await updates.record_failure(
            session, update.update_id, payload, "handler error", retry_time(1), MAX_UPDATE_ATTEMPTS
        )
        row.next_attempt_at = retry_time(row.attempts)
        if row.attempts == 1 and user is not None and not user.is_bot:
            resident = await residents.by_tg_user(session, user.id)
            locale = resident.locale if resident else guess_locale(user.language_code) or app.settings.default_locale
            text = app.i18n.gettext(
                "Sorry, something went wrong on our side. Your message is saved and we will try again shortly.",
                locale=locale,
            )
            outbox.enqueue(session, user.id, "sendMessage", {"chat_id": user.id, "text": text}, purpose="error",
                           priority=outbox_priority("error"))
    log.error("update %s failed (attempt %s), kept for retry", update.update_id, row.attempts,
              extra=ids(update_id=update.update_id, chat_id=user.id if user else None))
    app.sender.wake()
    if update.callback_query is not None:  # stop the presser's spinner; the retry acts later
        try:
            await app.bot.answer_callback_query(update.callback_query.id)
        except Exception:  # noqa: BLE001 - answered already, or Telegram unreachable: the failure is kept
            log.info("failed button press %s could not be answered", update.update_id)


async def retry_failed_updates(app: App) -> None:
    """Feed kept updates through the dispatcher again."""
    async with reader(app)() as session:
        due = await updates.due_failures(session, clock.now())
    for row in due:
        try:
            await app.dp.feed_raw_update(app.bot, row.payload, retrying=True)
        except Exception:  # recorded again by the ledger
            log.warning("retry of update %s failed", row.update_id, extra=ids(update_id=row.update_id))


async def told_batch(app: App, decide: Callable[[AsyncSession], Awaitable[Batch]]) -> Batch:
    """One transaction in which a service decides a batch (`decide`, given the session) and the Notifier
    writes what it tells; the sender is woken when the batch took anything."""
    with app.i18n.context():
        async with app.sessions.begin() as session:
            batch = await decide(session)
            await Notifier(session, app.i18n, app.settings).tell(batch.told)
    if batch.count:
        app.sender.wake()
    return batch


async def check_requests(app: App) -> None:
    """Reminders, escalations and nudges that are due (rows locked, so several instances can run this)."""
    await told_batch(app, lambda session: staff.run_checks(session, app.settings, clock.now()))


async def check_deliveries(app: App) -> None:
    """Handed-over deliveries that stall: their workers are nudged (rows locked, as check_requests)."""
    await told_batch(app, lambda session: volunteers.run_checks(session, app.settings, clock.now()))


async def send_checkins(app: App) -> None:
    """Due check-ins, batch after batch, each batch one transaction with its outbox rows, until none is
    due or the outbox holds as many as the send budget reaches in the look-ahead (the next tick goes on)."""
    while True:
        sent = await told_batch(app, lambda session: checkins.send_due(session, app.settings, clock.now()))
        if sent.count < app.settings.checkins.batch:
            return


async def follow_up_checkins(app: App) -> None:
    """Reminders and escalations of unanswered check-ins."""
    await told_batch(app, lambda session: checkins.follow_up(session, app.settings, clock.now()))


async def ask_follow_ups(app: App) -> None:
    """Follow-ups after support whose day has come (the resident is asked how they are), batch after
    batch, and follow-ups nobody answered within the grace (shown to their worker)."""
    while True:
        asked = await told_batch(app, lambda session: followups.ask_due(session, app.settings, clock.now()))
        if asked.count < app.settings.checkins.batch:
            break
    while True:
        silent = await told_batch(app, lambda session: followups.silence(session, app.settings, clock.now()))
        if silent.count < app.settings.checkins.batch:
            return


async def remind_medicines(app: App) -> None:
    """Medicine reminders that are due (batch after batch), then «do not interrupt» reminders nobody
    answered, escalated as a missed check-in."""
    while True:
        sent = await told_batch(app, lambda session: medicines.remind_due(session, app.settings, clock.now()))
        if sent.count < app.settings.checkins.batch:
            break
    while True:
        raised = await told_batch(app, lambda session: medicines.escalate_due(session, app.settings, clock.now()))
        if raised.count < app.settings.checkins.batch:
            return


async def post_scheduled(app: App) -> None:
    """The weekly report and the morning summary that are due, each into its staff chat (at the bulk
    priority: never ahead of a card or a check-in)."""
    now = clock.now()
    settings = app.settings
    with app.i18n.context():
        async with app.sessions.begin() as session:
            await scheduled.sync(session, settings, now)
            posts = await scheduled.take_due(session, settings, now)
            notify = Notifier(session, app.i18n, settings)
            for post in posts:
                locale = await notify.staff_locale(post.chat_id)
                with app.i18n.use_locale(locale):
                    if post.kind == scheduled.WEEKLY:
                        figures = await reports.build(session, settings, post.scope, scheduled.last_week(settings, now))
                        png = await asyncio.to_thread(charts.render_png, figures, locale)
                        texts_ = report_texts.render(figures, settings, locale)
                        texts_[0] = report_texts.weekly_heading() + "\n" + texts_[0]
                        notify.messages(post.chat_id, texts_, "report")
                        notify.upload(post.chat_id, "sendPhoto", "report.png", png, "report",
                                      caption=report_texts.title(figures, settings, locale))
                    else:
                        total, rows = await scheduled.still_open(session, settings, post.scope, now)
                        notify.messages(post.chat_id, report_texts.morning_summary(total, rows, locale, settings.timezone),
                                        "report")
                log.info("%s post queued for chat %s", post.kind, post.chat_id)
    if posts:
        app.sender.wake()


async def send_notices(app: App) -> None:
    """Official notices being sent: their next recipients written into the outbox, batch after batch, as far
    ahead as the send budget reaches in NOTICES__LOOKAHEAD_SECONDS (the next tick goes on), and their
    progress messages edited."""
    while True:
        batch = await told_batch(app, lambda session: notices.write_due(session, app.settings, clock.now()))
        if batch.told:
            app.sender.wake()
        if batch.count < app.settings.notices.batch:
            return


def notice_hooks(app: App) -> None:
    """The sender counts a notice's delivered messages and those Telegram refused."""
    async def unreachable(row: Outbox) -> None:
        async with app.sessions.begin() as session:
            await notices.undeliverable(session, row)

    app.sender.on_sent["notice"] = notices.delivered
    app.sender.on_forbidden["notice"] = unreachable


def checkin_hooks(app: App) -> None:
    """The sender tells the check-ins when a question arrived, or could not."""
    async def delivered(session: AsyncSession, rows: list[Outbox]) -> None:
        await checkins.delivered(session, app.settings, [row.ref_id or 0 for row in rows], clock.now())

    async def unreachable(row: Outbox) -> None:
        with app.i18n.context():
            async with app.sessions.begin() as session:
                told = await checkins.undeliverable(session, app.settings, row.ref_id or 0)
                await Notifier(session, app.i18n, app.settings).tell(told)

    async def resident_unreachable(chat_id: int) -> None:
        """Cards of a resident who blocked the bot say so at once."""
        with app.i18n.context():
            async with app.sessions.begin() as session:
                notify = Notifier(session, app.i18n, app.settings)
                for request in await residents.open_requests_of_chat(session, chat_id):
                    await notify.card(request)

    app.sender.on_unreachable = resident_unreachable
    async def follow_up_delivered(session: AsyncSession, rows: list[Outbox]) -> None:
        await followups.delivered(session, app.settings, [row.ref_id or 0 for row in rows], clock.now())

    app.sender.on_sent["checkin"] = delivered
    app.sender.on_sent["followup"] = follow_up_delivered
    app.sender.on_forbidden["checkin"] = unreachable
    app.sender.on_forbidden["checkin_reminder"] = unreachable


def card_hooks(app: App) -> None:
    """A card the bot may no longer post in its staff chat is told to the main staff chat."""
    async def card_undeliverable(row: Outbox) -> None:
        """The bot was removed from a staff chat: a coordinator in the main staff chat hears of the card."""
        with app.i18n.context():
            async with app.sessions.begin() as session:
                request = await requests_repo.by_id(session, row.request_id or 0)
                if request is not None:
                    await Notifier(session, app.i18n, app.settings).card_undeliverable(request, row.chat_id)

    app.sender.on_forbidden["card"] = card_undeliverable


def staff_hooks(app: App) -> None:
    """A claimer's details refused by Telegram (they blocked the bot): kept for when they come back."""
    async def details_refused(row: Outbox) -> None:
        with app.i18n.context():
            async with app.sessions.begin() as session:
                told = await staff.details_undeliverable(session, row.chat_id, row.request_id)
                await Notifier(session, app.i18n, app.settings).tell(told)
        app.sender.wake()

    app.sender.on_forbidden["details"] = details_refused

    async def copy_refused(row: Outbox) -> None:
        """A volunteer took a delivery but blocked the bot privately: nobody holds the address, so the
        delivery goes back to its worker at once."""
        with app.i18n.context():
            async with app.sessions.begin() as session:
                told = await volunteers.unreachable(session, row.ref_id or 0, row.chat_id, clock.now())
                await Notifier(session, app.i18n, app.settings).tell(told)
        app.sender.wake()

    app.sender.on_forbidden[DELIVERY_COPY] = copy_refused

    async def card_refused(row: Outbox) -> None:
        """A delivery card was refused (403): if nobody else can see it, back to the worker."""
        with app.i18n.context():
            async with app.sessions.begin() as session:
                told = await volunteers.card_refused(session, row.ref_id or 0, clock.now())
                await Notifier(session, app.i18n, app.settings).tell(told)
        app.sender.wake()

    app.sender.on_forbidden[DELIVERY_CARD] = card_refused


async def refresh_metrics(app: App) -> None:
    """Read the database gauges (a tick every 15 s, so a scrape never queries the database)."""
    now = clock.now()
    day_start = now.astimezone(app.settings.tz).replace(hour=0, minute=0, second=0, microsecond=0)
    async with reader(app)() as session:
        snap = await metrics_repo.snapshot(session, now, day_start)
    app.metrics.show(snap, now)


def reader(app: App) -> async_sessionmaker[AsyncSession]:
    """Sessions for read-only work (see db.engine.make_reader)."""
    return app.readers or app.sessions


async def apply_retention(app: App) -> dict[str, int]:
    """The retention policy (RETENTION__*), in batches: old requests anonymised, old rows pruned.
    Returns rows handled per step."""
    with app.i18n.context():
        async def tell(session: AsyncSession, told: list[Decision]) -> None:
            await Notifier(session, app.i18n, app.settings).tell(told)

        handled = await privacy.apply_retention(app.sessions, tell, app.settings.retention, clock.now())
    app.sender.wake()
    return handled


async def prepare(app: App) -> None:
    """Schema, districts and command menus: everything needed before the first update. StartupError
    (one line) when the database or Redis cannot be reached or Telegram rejects the token; an
    unreachable Telegram is waited for."""
    try:
        await prepare_database(app)
    except (OSError, SQLAlchemyError) as exc:
        raise database_problem(app.settings.database_url, exc) from None
    if app.settings.redis_url:
        try:
            await app.dp.storage.redis.ping()  # type: ignore[attr-defined]
        except (OSError, RedisError) as exc:
            raise redis_problem(app.settings.redis_url, exc) from None
    await wait_for_telegram(app.bot)
    await set_default_commands(app.bot, app.i18n, app.settings.default_locale)
    await asyncio.to_thread(danger.warm_up)  # the dictionaries and the segmenter, before the first message
    if app.freeze_heap:
        freeze_heap()


async def prepare_or_close(app: App) -> None:
    """prepare(), releasing the bot session, storage and database when it fails or is interrupted
    (so a refused start prints its one line and nothing about unclosed sessions)."""
    try:
        await prepare(app)
    except BaseException:
        await close(app)
        raise


async def prepare_database(app: App) -> None:
    """Migrate (or refuse an outdated schema) and sync the districts from the settings."""
    head, current = migrate.head_revision(), await migrate.current_revision(app.engine)
    if current != head:
        if not app.settings.auto_migrate:
            raise migrate.SchemaOutdated(
                f"Database schema is at {current or 'nothing'}, the code needs {head}: "
                "run `python -m bot db upgrade` (or set AUTO_MIGRATE=true)."
            )
        log.info("upgrading database schema from %s to %s", current, head)
        await migrate.upgrade(app.engine)
    async with app.sessions.begin() as session:
        await districts.sync(
            session, [(d.code, d.name, d.staff_chat_id, d.topic_id) for d in app.settings.districts]
        )
        await session.flush()
        await districts.sync_volunteer_chats(
            session, [(d.code, d.volunteer_chat_id, d.volunteer_topic_id) for d in app.settings.districts]
        )
        for d in app.settings.districts:  # a volunteers' chat speaks its own language, kept like a staff chat's
            if d.volunteer_chat_id and d.volunteer_locale:
                await staff_repo.set_chat_locale(session, d.volunteer_chat_id, d.volunteer_locale)


#: After this many updates the caches filled on first use (asyncpg's prepared statements, SQLAlchemy's
#: compiled statements, aiogram's lazily built models) are frozen too: a full collection then took
#: 9 ms instead of 25 ms in bench/updates_throughput.py. Once only: whatever is frozen and later
#: becomes cyclic garbage is never collected.
WARM_AFTER_UPDATES = 500


def freeze_heap() -> None:
    """Take everything loaded so far out of the garbage collector's view. aiogram's pydantic models,
    SQLAlchemy's mappings, the catalogues and the phone metadata live as long as the process, yet a
    full collection walked them all: a 200 ms stall that backed up a hundred updates a second for a
    whole second (bench/updates_throughput.py). gc.freeze() is CPython's tool for exactly this."""
    gc.collect()
    gc.freeze()


def start_background(app: App, metrics: bool = False) -> None:
    """The outbox sender and the periodic ticks; with `metrics` (this process serves /metrics) the tick
    that reads the database gauges too, which nobody would read elsewhere."""
    app.stop.clear()
    app.tasks.append(asyncio.create_task(app.sender.run(app.stop), name="outbox-sender"))
    scheduler = AsyncIOScheduler(timezone="UTC")
    tick = app.settings.tick_seconds
    for job in (retry_failed_updates, check_requests, check_deliveries, send_checkins, follow_up_checkins, ask_follow_ups,
                remind_medicines, post_scheduled, send_notices):
        scheduler.add_job(job, "interval", seconds=tick, args=[app], max_instances=1, coalesce=True)
    scheduler.add_job(apply_retention, "interval", hours=1, args=[app], max_instances=1, coalesce=True)
    if metrics:
        scheduler.add_job(
            refresh_metrics, "interval", seconds=15, args=[app], max_instances=1, coalesce=True,
            next_run_time=datetime.now(UTC),
        )
    scheduler.start()
    app.scheduler = scheduler


async def stop_background(app: App) -> None:
    """Stop the ticks, let the sender finish its batch, close connections."""
    app.stop.set()
    if app.scheduler is not None:
        app.scheduler.shutdown(wait=False)
        app.scheduler = None
    await asyncio.gather(*app.tasks, return_exceptions=True)
    app.tasks.clear()


async def close(app: App) -> None:
    """Release the bot session, storage and database."""
    await app.bot.session.close()
    await app.dp.storage.close()
    if app.sender.limiters.shared is not None:
        await app.sender.limiters.shared.close()
    await app.engine.dispose()


async def run_polling(app: App, polling_timeout: int = 30, handle_signals: bool = True) -> None:
    """Long polling, one update at a time so a failure is kept and retried rather than lost."""
    await prepare_or_close(app)
    port = app.settings.metrics_port
    start_background(app, metrics=bool(port))
    metrics_server = await serve_metrics(app.metrics, app.settings.metrics_host, port) if port else None
    try:
        await app.dp.start_polling(
            app.bot,
            handle_as_tasks=False,
            polling_timeout=polling_timeout,
            allowed_updates=app.dp.resolve_used_update_types(),
            close_bot_session=False,
            handle_signals=handle_signals,
        )
    finally:
        if metrics_server is not None:
            await metrics_server.cleanup()
        await stop_background(app)
        await close(app)
