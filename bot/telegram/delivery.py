"""The outbox sender: delivers queued Bot API calls within Telegram's limits, losing none."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import html
import itertools
import logging
import os
import random
import re
import socket
from contextvars import ContextVar
from collections import OrderedDict, defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from aiogram import Bot, methods
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Limits
from bot.core.logs import row_ids
from bot.telegram.shared_limits import SharedWindows
from db.models import Outbox, OutboxPriority, OutboxStatus
from db.repo import districts, outbox, residents

log = logging.getLogger(__name__)

#: Set by the outbox sender, which has already waited for the budget of its call.
budget_paid: ContextVar[bool] = ContextVar("budget_paid", default=False)
#: Loop time (seconds) at which this task last took a slot of the bot's budget (Limiters.acquire,
#: Limiters.acquire_now); cleared when the call leaves (Limiters.leaving).
slot_taken_at: ContextVar[float | None] = ContextVar("slot_taken_at", default=None)
#: Seconds between taking a slot and the call leaving after which the call is counted again as it
#: leaves: Telegram counts arrivals, and a call held up by a busy loop (a garbage collection, a batch
#: of rows being built) arrives squeezed against the calls after it, enough to fill Telegram's
#: 1-second window (a 429 that pauses every send for a second; bench/priority_wave.py).
LATE_AFTER = 0.010

TAG = re.compile(r"<[^>]+>")
MAX_BACKOFF = 300.0
#: Rows the express worker leases at once (interactive rows only; see Sender.run).
EXPRESS_BATCH = 20
PACE = 0.97  # fraction of each configured limit actually used


def method_for(row: Outbox) -> methods.TelegramMethod[Any]:
    """Rebuild the aiogram method object from a stored row."""
    cls = getattr(methods, row.method[0].upper() + row.method[1:])
    return cls.model_validate(row.payload)


def plain(method: methods.TelegramMethod[Any]) -> methods.TelegramMethod[Any]:
    """The same message without HTML, for when Telegram cannot parse its entities."""
    text = html.unescape(TAG.sub("", getattr(method, "text", "") or ""))
    return method.model_copy(update={"text": text or "…", "parse_mode": None})


@dataclass
class Step:
    """One Bot API call of a plan, and what to record once it went through."""

    method: methods.TelegramMethod[Any]
    after: Callable[[Any], Awaitable[None]] | None = None
    #: When Telegram refuses the call (400): the step to send instead, None when nothing more is to be
    #: sent; it raises the error again when it cannot help (e.g. a card whose forum topic or message is gone).
    recover: Callable[[TelegramBadRequest], Awaitable[Step | None]] | None = None


@dataclass
class Plan:
    """What one outbox row takes: usually one call; a card may edit several messages and absorb rows."""

    steps: list[Step]
    absorbed: list[Outbox] = field(default_factory=list)


Planner = Callable[[Outbox, str], Awaitable[Plan]]


class TooLate(Exception):
    """The budget would free up only after the caller's deadline (for the sender: too little of the
    batch's lease left, so the row goes back untried, as another sender may lease it once the lease
    has run out)."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait  # seconds until the budget frees up


def backoff(attempts: int) -> float:
    """Seconds before the next try: exponential with jitter, capped."""
    return min(MAX_BACKOFF, 2.0 ** min(attempts, 10)) * random.uniform(0.5, 1.0)


class PriorityLock:
    """A lock whose waiters are served by priority (lower first), then in the order they came: the
    budget's next free slot goes to what a person is waiting for, not to the next check-in in line."""

    def __init__(self) -> None:
        self._held = False
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    @contextlib.asynccontextmanager
    async def hold(self, priority: int = OutboxPriority.NORMAL) -> AsyncIterator[None]:
        """Hold the lock for the block; `priority` is an OutboxPriority."""
        await self._acquire(priority)
        try:
            yield
        finally:
            self._release()

    def locked(self) -> bool:
        """Whether someone holds the lock."""
        return self._held

    async def _acquire(self, priority: int) -> None:
        if not self._held and not self._waiters:
            self._held = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (int(priority), next(self._arrivals), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # the lock was handed over just as the waiter was cancelled
            raise

    def _release(self) -> None:
        while self._waiters:
            _, _, turn = heapq.heappop(self._waiters)
            if not turn.done():
                turn.set_result(None)  # handed over: the lock stays held
                return
        self._held = False


class Window:
    """At most `count` sends in any `period` seconds: a sliding window, the way Telegram counts.

    Hand-written, with a reason (README, "How it is built"): aiolimiter's leaky bucket either bursts
    past a sliding window or, paced with capacity 1, loses about 12% of the budget to timer overshoot
    (bench: 0.877 of 30/s); pyrate-limiter starts a leaker thread per limiter, and one limiter per chat
    meant 6,661 threads and 443 MB during the 10,000-resident check-in benchmark. This is a deque of
    send times per chat: no threads, O(1) amortised per send.
    """

    def __init__(self, count: int, period: float) -> None:
        self.count, self.period = max(1, count), period
        self.times: deque[float] = deque()
        self.lock = PriorityLock()

    @classmethod
    def for_rate(cls, per_second: float, burst: float) -> Window:
        """A window that allows `burst` at once and `per_second` on average, a little under the limit."""
        count = max(1, int(burst))
        return cls(count, count / (per_second * PACE))

    def free_now(self) -> bool:
        """Whether a slot is free this moment and nobody is waiting for one (takes nothing)."""
        if self.lock.locked():
            return False
        now = asyncio.get_running_loop().time()
        while self.times and self.times[0] <= now - self.period:
            self.times.popleft()
        return len(self.times) < self.count

    async def acquire(self, until: float | None = None, priority: int = OutboxPriority.NORMAL) -> None:
        """Wait for a free slot (waiters are served by priority, an OutboxPriority, then in order);
        TooLate, taking no slot, when the slot would come after `until` (loop time)."""
        loop = asyncio.get_running_loop()
        async with self.lock.hold(priority):
            while True:
                now = loop.time()
                while self.times and self.times[0] <= now - self.period:
                    self.times.popleft()
                free_at = now if len(self.times) < self.count else self.times[0] + self.period
                if until is not None and free_at > until:
                    raise TooLate(free_at - now)
                if free_at <= now:
                    self.times.append(now)
                    return
                await asyncio.sleep(free_at - now)


class Budget(StrEnum):
    """What Limiters.acquire_now found: a slot taken, or whose budget is short."""

    TAKEN = "taken"
    CHAT = "chat"
    BOT = "bot"


class Limiters:
    """Sliding windows shaped like Telegram's: the bot, each private chat, each group."""

    def __init__(self, limits: Limits, max_chats: int = 10_000, shared: SharedWindows | None = None) -> None:
        self.limits = limits
        # A second, short window spreads each second's budget out: a full-second burst would arrive
        # at Telegram spread by network jitter and could tip the next second's window over.
        self.global_ = Window.for_rate(limits.global_per_second, limits.global_per_second)
        self.global_spread = Window.for_rate(limits.global_per_second, limits.global_per_second / 10)
        self.chats: OrderedDict[int, Window] = OrderedDict()
        self.max_chats = max_chats
        #: With Redis, every instance's windows are one (bot.telegram.shared_limits); the local windows above
        #: keep their shapes, serve their locks, and pace the instance alone while Redis is away.
        self.shared = shared
        #: Calls counted again because they left late (leaving()).
        self.restamped = 0

    def for_chat(self, chat_id: int) -> Window:
        """The window of one chat (groups have negative ids), kept in an LRU that holds only chats sent
        to within their window's period (an idle window says nothing: a new one is the same), and never
        more than `max_chats`. During a wave of 100,000 check-ins the LRU held 10,000 windows of five
        objects each, long-lived, which every full garbage collection walked: 50–160 ms stalls."""
        self._forget_idle()
        window = self.chats.pop(chat_id, None)
        if window is None:
            if chat_id < 0:
                # One message every 3 s rather than 20 at once and then a minute of silence: what queues
                # meanwhile joins a digest, so no request waits long to be seen.
                window = Window.for_rate(self.limits.group_per_minute / 60, 1)
            else:
                window = Window.for_rate(self.limits.private_chat_per_second, self.limits.private_chat_per_second)
        self.chats[chat_id] = window
        while len(self.chats) > self.max_chats:
            self.chats.popitem(last=False)
        return window

    def _forget_idle(self, most: int = 4) -> None:
        """Drop up to `most` least recently used chat windows that nobody holds or waits for and whose
        last send has left the window (amortised: a few per use keep the LRU at the chats in use)."""
        now = asyncio.get_running_loop().time()
        for _ in range(most):
            if not self.chats:
                return
            chat_id, window = next(iter(self.chats.items()))
            if window.lock.locked() or (window.times and window.times[-1] > now - window.period):
                return
            del self.chats[chat_id]

    async def acquire(self, chat_id: int, until: float | None = None, priority: int = OutboxPriority.NORMAL) -> None:
        """Wait for both the chat's and the bot's budget (TooLate when it comes after `until`); while the
        bot's budget is short, waiters of a higher priority class (OutboxPriority) are served first."""
        chat = self.for_chat(chat_id)
        if self.shared is not None and await self._acquire_shared(chat_id, chat, until, priority):
            return
        await chat.acquire(until, priority)
        await self.global_spread.acquire(until, priority)
        await self.global_.acquire(until, priority)
        slot_taken_at.set(asyncio.get_running_loop().time())

    async def leaving(self) -> None:
        """Just before a counted call goes out (bot.telegram.ratelimit.SharedBudget): when its slot was
        taken more than LATE_AFTER seconds ago, count it in the bot-wide windows again at this moment,
        without waiting (it has its slot), so the calls after it keep their distance from when it
        really arrives. `restamped` counts these."""
        taken = slot_taken_at.get()
        if taken is None:
            return
        slot_taken_at.set(None)
        now = asyncio.get_running_loop().time()
        if now - taken <= LATE_AFTER:
            return
        self.restamped += 1
        bot_windows = [("spread", self.global_spread), ("global", self.global_)]
        for _, window in bot_windows:
            window.times.append(now)  # still in order: loop time only grows
        if self.shared is not None:
            await self.shared.stamp(bot_windows)

    async def acquire_now(self, chat_id: int) -> Budget:
        """Take the chat's and the bot's slots only if all are free this moment (TAKEN); else take
        nothing and say which budget is short: the chat's own (CHAT: a staff group's next slot may be
        seconds away) or the bot's (BOT: frees up within a second or so). For callers that must not
        wait, such as a handler inside its update's transaction (bot.telegram.ratelimit)."""
        chat = self.for_chat(chat_id)
        if chat.lock.locked():
            return Budget.CHAT
        if self.shared is not None:
            windows = [(f"chat:{chat_id}", chat), ("spread", self.global_spread), ("global", self.global_)]
            taken = await self.shared.take(windows)
            if taken is not None:
                wait, bot_wide = taken
                if not wait:
                    slot_taken_at.set(asyncio.get_running_loop().time())
                return Budget.TAKEN if not wait else Budget.BOT if bot_wide else Budget.CHAT
        if not chat.free_now():
            return Budget.CHAT
        bot_windows = (self.global_spread, self.global_)
        if not all(window.free_now() for window in bot_windows):
            return Budget.BOT
        now = asyncio.get_running_loop().time()
        for window in (chat, *bot_windows):
            window.times.append(now)
        slot_taken_at.set(now)
        return Budget.TAKEN

    async def _acquire_shared(self, chat_id: int, chat: Window, until: float | None, priority: int) -> bool:
        """The budget shared by every instance; False when Redis is away (then the local windows decide).
        A chat's sends queue on its lock, and while the chat's own window is full the other chats go on."""
        windows = [(f"chat:{chat_id}", chat), ("spread", self.global_spread), ("global", self.global_)]
        async with chat.lock.hold(priority):
            while True:
                async with self.global_.lock.hold(priority):
                    wait = await self._take_shared(windows, until)
                if wait is None:
                    return False
                if wait == 0:
                    slot_taken_at.set(asyncio.get_running_loop().time())
                    return True
                await asyncio.sleep(wait)

    async def _take_shared(self, windows: list[tuple[str, Window]], until: float | None) -> float | None:
        """Under the bot-wide lock: take the slots, waiting here while a bot-wide window is full (one
        waiter at a time, as locally, so waiting chats do not poll Redis together). 0 when taken, the
        wait when the chat's own window is full, None when Redis is away; TooLate past `until`."""
        assert self.shared is not None
        loop = asyncio.get_running_loop()
        while (taken := await self.shared.take(windows)) is not None:
            wait, bot_wide = taken
            if wait and until is not None and loop.time() + wait > until:
                raise TooLate(wait)
            if not wait or not bot_wide:
                return wait
            await asyncio.sleep(wait)
        return None


class Sender:
    """Leases due outbox rows and sends them; several senders may share one database."""

    def __init__(
        self, bot: Bot, sessions: async_sessionmaker[AsyncSession], limits: Limits, batch: int = 100,
        shared: SharedWindows | None = None,
    ) -> None:
        self.planners: dict[str, Planner] = {}
        #: Per outbox purpose: what to record (in the batch's transaction) once rows are delivered,
        #: or when a row's chat is unreachable.
        self.on_sent: dict[str, Callable[[AsyncSession, list[Outbox]], Awaitable[None]]] = {}
        self.on_forbidden: dict[str, Callable[[Outbox], Awaitable[None]]] = {}
        self.on_unreachable: Callable[[int], Awaitable[None]] | None = None
        #: Purposes whose sent message id is stored on the row (Outbox.message_id), to be edited later.
        self.record_message_id: set[str] = set()
        self._delivered: list[Outbox] = []
        self.bot = bot
        self.sessions = sessions
        self.limits = limits
        self.batch = batch
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{random.randrange(1 << 30)}"
        self.limiters = Limiters(limits, shared=shared)
        #: Regular workers waiting for a wake-up, longest waiting first; a wake-up that found none
        #: waiting makes the next worker to finish lease again (`_missed`) rather than wait.
        self._waiting: deque[asyncio.Event] = deque()
        self._missed = False
        self.express_wakeup = asyncio.Event()
        self.paused_until = 0.0
        self.stats: dict[str, int] = defaultdict(int)
        self.on_flood: Callable[[], None] = lambda: None  # a 429 was honoured (doorstep_telegram_429_total)

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll. One waiting worker and the
        express worker look, not every worker: each look is a query, and most updates queue a row or
        two (a worker that leases a full batch wakes another, so a backlog still gets them all)."""
        self.express_wakeup.set()
        self._wake_one()

    def _wake_one(self) -> None:
        """Wake the longest-waiting regular worker, or note that none was waiting."""
        if self._waiting:
            self._waiting.popleft().set()
        else:
            self._missed = True

    async def run(self, stop: asyncio.Event, idle: float = 1.0, workers: int = 3) -> None:
        """Drain until stopped with a few overlapping workers, so the budget is never idle while one
        worker records its batch or leases the next; each worker idles when nothing is due. One more,
        the express worker, leases only interactive rows (OutboxPriority.INTERACTIVE) a few at a time:
        an urgent card written while every other worker is busy with a leased batch of check-ins does
        not wait for that batch to go out, it takes the bot's next free slot (the windows serve the
        higher class first). Order within a chat is unchanged: a chat's first pending row is the only
        one either kind of worker may lease."""
        await asyncio.gather(
            *(self._worker(stop, idle) for _ in range(workers)),
            self._worker(stop, idle, express=True),
        )

    async def _worker(self, stop: asyncio.Event, idle: float, express: bool = False) -> None:
        """One drain loop (`express`: interactive rows only, in batches of EXPRESS_BATCH). A wake-up that
        came while this worker leased is never lost (issue #12): a row committed while every worker was
        leasing (its query began before the commit, so it found nothing) marks the wake-up as missed
        (or sets the express worker's event, cleared before its lease), and the worker leases again
        instead of waiting for the next wake-up or the idle poll."""
        mine = asyncio.Event()
        while not stop.is_set():
            if express:
                self.express_wakeup.clear()  # any wake from now on is seen: by this lease, or by the wait below
            else:
                self._missed = False  # likewise: a wake from now on finds this worker leasing and is marked
            try:
                sent = await (self.drain_once(OutboxPriority.INTERACTIVE, EXPRESS_BATCH) if express else self.drain_once())
            except Exception:  # a database hiccup must not kill the sender
                log.exception("outbox drain failed")
                sent = 0
            if sent or (not express and self._missed):
                continue
            if express:
                wakeup = self.express_wakeup
            else:
                mine.clear()
                self._waiting.append(mine)
                wakeup = mine
            waiter = asyncio.ensure_future(wakeup.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiter, stopper}, timeout=idle, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
            if mine in self._waiting:  # the idle poll or the stop came first
                self._waiting.remove(mine)

    async def drain_once(self, up_to_class: OutboxPriority | None = None, batch: int | None = None) -> int:
        """Lease one batch (at most `batch` rows, default the sender's; only classes up to `up_to_class`
        when given) and send it: chats in parallel, each chat in order. Returns rows handled.

        Once a lease runs out another sender (another instance) takes the row, so a row must be both
        sent and recorded within it: a send starts only in the first two thirds of the lease, and what
        went out is recorded every `record_every` seconds, not when the batch's slowest chat (a staff
        group sends one message in 3 s) is done. What could not start in time goes back untried.
        """
        now = clock.now()
        lease = timedelta(seconds=self.limits.lease_seconds)
        async with self.sessions.begin() as session:
            rows = await outbox.lease_due(
                session, self.owner, now, lease, batch or self.batch,
                timedelta(seconds=self.limits.starve_after_seconds), up_to_class,
            )
        self.leased(len(rows), batch or self.batch)
        if not rows:
            return 0
        deadline = now + lease * 2 / 3
        by_chat: dict[int, list[Outbox]] = defaultdict(list)
        for row in rows:
            by_chat[row.chat_id].append(row)
        sending = asyncio.ensure_future(
            asyncio.gather(*(self._send_chat(chat_rows, deadline) for chat_rows in by_chat.values()))
        )
        try:
            while not sending.done():
                await asyncio.wait({sending}, timeout=self.record_every)
                await self._record_delivered()
            given_back = sum(sending.result())
        finally:
            if not sending.done():
                sending.cancel()
                await asyncio.gather(sending, return_exceptions=True)
            await self._record_delivered()
        return len(rows) - given_back

    def leased(self, count: int, batch: int) -> None:
        """A lease took `count` rows of at most `batch`: counted (stats "leases"); a full batch wakes
        one more waiting worker, as there is likely more and it can lease that meanwhile."""
        self.stats["leases"] += 1
        if count == batch and self._waiting:
            self._wake_one()

    @property
    def record_every(self) -> float:
        """Seconds between recordings of delivered rows while a batch is being sent."""
        return min(1.0, self.limits.lease_seconds / 6)

    async def _record_delivered(self) -> None:
        """One transaction for the whole batch's deliveries (a crash before it means a resend, never a loss)."""
        rows, self._delivered = self._delivered, []
        if not rows:
            return
        by_purpose: dict[str, list[Outbox]] = defaultdict(list)
        for row in rows:
            by_purpose[row.purpose].append(row)
        async with self.sessions.begin() as session:
            await outbox.finish_many(session, [row.id or 0 for row in rows], self.owner, clock.now())
            await outbox.set_message_ids(session, {row.id or 0: row.message_id for row in rows if row.message_id})
            for purpose, group in by_purpose.items():
                hook = self.on_sent.get(purpose)
                if hook is not None:
                    await hook(session, group)
        self.stats["sent"] += len(rows)

    async def _send_chat(self, rows: list[Outbox], deadline: datetime) -> int:
        """Send one chat's rows in order; stop at the first that must wait. When the lease would end
        before the budget frees up, give the rest back: the first of them due when the budget is
        there (Telegram's limits count per bot, so no other instance should send it sooner), so that
        nobody leases it again and again meanwhile. Returns how many rows were given back."""
        for index, row in enumerate(rows):
            try:
                if not await self._send(row, deadline=deadline):
                    return 0
            except TooLate as late:
                self.stats["given_back"] += len(rows) - index
                when = clock.now() + timedelta(seconds=late.wait)
                async with self.sessions.begin() as session:
                    await outbox.retry_later(session, row.id or 0, self.owner, when, "waiting for budget", count_attempt=False)
                    await outbox.release(session, [r.id or 0 for r in rows[index + 1:]], self.owner)
                return len(rows) - index
        return 0

    async def _pause_if_flooded(self, until: float | None) -> None:
        """Honour a 429 seen by any chat before sending more."""
        delay = self.paused_until - asyncio.get_running_loop().time()
        if until is not None and self.paused_until > until:
            raise TooLate(delay)
        if delay > 0:
            await asyncio.sleep(delay)

    async def _send(self, row: Outbox, as_plain: bool = False, deadline: datetime | None = None) -> bool:
        """Deliver one row and record the outcome; False when the chat must wait."""
        try:
            return await self._deliver(row, as_plain, deadline)
        except TooLate:
            raise
        except TelegramRetryAfter as exc:
            self.stats["429"] += 1
            self.on_flood()
            self.paused_until = asyncio.get_running_loop().time() + exc.retry_after
            return await self._later(row, exc.retry_after, "429", count=False)
        except TelegramMigrateToChat as exc:
            old_chat = getattr(exc.method, "chat_id", row.chat_id)
            return await self._migrate(row, int(old_chat) if isinstance(old_chat, int) else row.chat_id, exc.migrate_to_chat_id)
        except TelegramForbiddenError:
            await self._unreachable(row)
            return True
        except TelegramBadRequest as exc:
            return await self._bad_request(row, exc, as_plain, deadline)
        except (TimeoutError, TelegramServerError, TelegramNetworkError) as exc:
            return await self._later(row, backoff(row.attempts + 1), type(exc).__name__)
        except Exception as exc:  # a bug must not wedge the chat's queue: back off, then give up
            log.exception("outbox row %s: unexpected error", row.id, extra=row_ids(row))
            return await self._later(row, backoff(row.attempts + 1), type(exc).__name__)

    async def _budget(self, chat_id: int, priority: int = OutboxPriority.NORMAL, until: float | None = None) -> None:
        """Wait until both the chat and the bot may send again; TooLate if that is after `until`."""
        await self._pause_if_flooded(until)
        await self.limiters.acquire(chat_id, until, priority)

    async def _deliver(self, row: Outbox, as_plain: bool, deadline: datetime | None) -> bool:
        """Plan the row (after waiting for budget, so a card sees what queued meanwhile), then send each step."""
        until = None
        if deadline is not None:  # a plan once started is finished: its later steps wait as long as they must
            until = asyncio.get_running_loop().time() + (deadline - clock.now()).total_seconds()
        await self._budget(row.chat_id, row.priority, until)
        planner = self.planners.get(row.method)
        plan = await planner(row, self.owner) if planner else Plan([Step(method_for(row), self._message_id_of(row))])
        try:
            for index, step in enumerate(plan.steps):
                chat_id = getattr(step.method, "chat_id", row.chat_id)
                if index > 0 or chat_id != row.chat_id:
                    await self._budget(chat_id, row.priority)
                await self._call(step, as_plain)
        except BaseException:
            await self._release(plan.absorbed)
            raise
        self._delivered.extend([row, *plan.absorbed])
        return True

    def _message_id_of(self, row: Outbox) -> Callable[[Any], Awaitable[None]] | None:
        """For rows of a purpose in record_message_id: keep the sent message's id on the row (recorded
        with the delivery)."""
        if row.purpose not in self.record_message_id:
            return None

        async def keep(result: Any) -> None:
            row.message_id = getattr(result, "message_id", None)
        return keep

    async def _call(self, step: Step, as_plain: bool) -> None:
        """One Bot API call; an edit that changes nothing counts as done."""
        method = plain(step.method) if as_plain else step.method
        token = budget_paid.set(True)
        instead: Step | None = None
        try:
            result = await self.bot(method, request_timeout=int(self.limits.request_timeout))
        except TelegramBadRequest as exc:
            if "message is not modified" not in exc.message.lower():
                if step.recover is None:
                    raise
                instead = await step.recover(exc)
                if instead is None:
                    return
            result = None
        finally:
            budget_paid.reset(token)
        if instead is not None:
            await self._budget(getattr(instead.method, "chat_id", 0))
            await self._call(instead, as_plain)
            return
        if step.after is not None:
            await step.after(result)

    async def _release(self, rows: list[Outbox]) -> None:
        """Give absorbed rows back at once when their batch failed."""
        for row in rows:
            async with self.sessions.begin() as session:
                await outbox.retry_later(session, row.id or 0, self.owner, clock.now(), "batch failed", count_attempt=False)

    async def _finish(self, row: Outbox, status: OutboxStatus, error: str | None = None) -> None:
        """Record a final outcome."""
        self.stats[status.value] += 1
        async with self.sessions.begin() as session:
            await outbox.finish(session, row.id or 0, self.owner, status, clock.now(), error)

    async def _later(self, row: Outbox, seconds: float, error: str, count: bool = True) -> bool:
        """Put a row back for a later try (or give up after too many)."""
        if count and row.attempts + 1 >= self.limits.max_attempts:
            log.error("outbox row %s failed for good after %s attempts: %s", row.id, row.attempts + 1, error, extra=row_ids(row))
            await self._finish(row, OutboxStatus.FAILED, error)
            return True
        self.stats["retry"] += 1
        when = clock.now() + timedelta(seconds=seconds)
        async with self.sessions.begin() as session:
            await outbox.retry_later(session, row.id or 0, self.owner, when, error, count_attempt=count)
        return False

    async def _migrate(self, row: Outbox, old_chat_id: int, new_chat_id: int) -> bool:
        """A group became a supergroup: move pending rows, routes, staff and cards over, then retry
        (counted, so a call that keeps pointing at the old group cannot loop forever)."""
        log.warning("chat %s migrated to %s", old_chat_id, new_chat_id)
        async with self.sessions.begin() as session:
            await districts.migrate_chat(session, old_chat_id, new_chat_id)
            await outbox.retarget_chat(session, old_chat_id, new_chat_id)
        return await self._later(row, 0, "migrated")

    async def _unreachable(self, row: Outbox) -> None:
        """The person blocked the bot or is gone: flag them (their cards say so); the request goes on."""
        log.warning("chat %s unreachable (blocked or deactivated); outbox row %s dropped", row.chat_id, row.id, extra=row_ids(row))
        async with self.sessions.begin() as session:
            await residents.mark_unreachable(session, row.chat_id)
            await outbox.finish(session, row.id or 0, self.owner, OutboxStatus.FAILED, clock.now(), "forbidden")
        self.stats["forbidden"] += 1
        if self.on_unreachable is not None:
            await self.on_unreachable(row.chat_id)
        hook = self.on_forbidden.get(row.purpose)
        if hook is not None:
            await hook(row)

    async def _bad_request(self, row: Outbox, exc: TelegramBadRequest, as_plain: bool, deadline: datetime | None) -> bool:
        """An entity error is resent as plain text; the rest fail for good."""
        message = exc.message.lower()
        if "can't parse entities" in message and not as_plain:
            log.warning("outbox row %s: entity error, resending as plain text", row.id)
            return await self._send(row, as_plain=True, deadline=deadline)
        log.error("outbox row %s rejected: %s", row.id, exc.message, extra=row_ids(row))
        await self._finish(row, OutboxStatus.FAILED, exc.message[:200])
        return True
