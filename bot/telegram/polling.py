"""Long polling that confirms an update only after it was handled, with chats handled side by side.

aiogram's own polling either handles updates one at a time (handle_as_tasks=False) or confirms them
before they are handled (True), so a crash can lose them. This dispatcher takes a batch from
getUpdates, handles each chat's updates in order while different chats run concurrently (up to a
limit), and asks for the next batch, which confirms this one, only when every update of it is done.

A stop (SIGTERM/SIGINT, or stop_polling) cancels the polling task. A long poll waiting for updates just
ends; a batch being handled is not cancelled: it gets `shutdown_timeout` seconds to finish, is then
confirmed to Telegram, and only then does polling end. Cancelling it mid-way rolled its transaction
back after its messages and callback answers had gone out, so it ran a second time after the restart.

An update that failed and could not even be kept for a retry (the database unreachable) is not
confirmed: the next batch starts at it, so Telegram sends it again (those after it that went through
are skipped by their update ids).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from contextlib import suppress
from typing import Any

from aiogram import Bot, Dispatcher, loggers
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

from bot.telegram.middlewares import UpdateNotKept
from bot.telegram.startup import REPORT_EVERY, one_line

DEFAULT_BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)


def lane_of(update: Update) -> int:
    """Updates of one chat (or one user, for callbacks) share a lane and keep their order."""
    event = update.event
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    if chat is not None:
        return int(chat.id)
    user = getattr(event, "from_user", None)
    return int(user.id) if user is not None else -update.update_id


class BatchDispatcher(Dispatcher):
    """A Dispatcher whose polling handles a batch per chat lane before confirming it."""

    def __init__(self, *, concurrency: int = 1, shutdown_timeout: float = 25.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.concurrency = max(1, concurrency)
        #: seconds a batch being handled may take to finish once polling is asked to stop
        self.shutdown_timeout = shutdown_timeout

    async def _polling(  # type: ignore[override]
        self,
        bot: Bot,
        polling_timeout: int = 30,
        handle_as_tasks: bool = False,
        backoff_config: BackoffConfig = DEFAULT_BACKOFF,
        allowed_updates: list[str] | None = None,
        tasks_concurrency_limit: int | None = None,
        **kwargs: Any,
    ) -> None:
        """Fetch, handle, confirm; network errors back off and retry."""
        backoff = Backoff(config=backoff_config)
        request = GetUpdates(timeout=polling_timeout, allowed_updates=allowed_updates)
        timeout = int(bot.session.timeout + polling_timeout) if bot.session.timeout else None
        limit = asyncio.Semaphore(self.concurrency)
        loop, reported = asyncio.get_running_loop(), None
        while True:
            try:
                updates = await bot(request, request_timeout=timeout)
            except Exception as exc:  # noqa: BLE001 - Telegram unreachable: wait and retry, say so once a minute
                if reported is None or loop.time() - reported >= REPORT_EVERY:
                    loggers.dispatcher.error("Failed to fetch updates (%s: %s); retrying", type(exc).__name__, one_line(exc))
                    reported = loop.time()
                await backoff.asleep()
                continue
            if reported is not None:
                loggers.dispatcher.info("Fetching updates again")
                reported = None
            backoff.reset()
            if not updates:
                continue
            lanes: OrderedDict[int, list[Update]] = OrderedDict()
            for update in updates:
                lanes.setdefault(lane_of(update), []).append(update)
            batch = asyncio.ensure_future(
                asyncio.gather(*(self._lane(bot, lane, limit, kwargs) for lane in lanes.values()))
            )
            try:
                stopped = await asyncio.shield(batch)
            except asyncio.CancelledError:
                await self._finish(bot, batch, updates[-1].update_id + 1)
                raise
            unkept = [update_id for update_id in stopped if update_id is not None]
            if unkept:  # fetched again from the first update that was not kept, after a pause
                request.offset = min(unkept)
                loggers.dispatcher.error("update %s was not kept; it is fetched again", request.offset)
                await backoff.asleep()
                continue
            request.offset = updates[-1].update_id + 1

    async def _finish(self, bot: Bot, batch: asyncio.Future[Any], offset: int) -> None:
        """Polling is stopping mid-batch: let the batch finish (bounded), then confirm it to Telegram
        (up to the first update that could not be kept, which Telegram then sends again)."""
        loggers.dispatcher.info("Stopping: finishing the updates in flight (up to %ss)", self.shutdown_timeout)
        done, _ = await asyncio.wait({batch}, timeout=self.shutdown_timeout)
        if not done:
            loggers.dispatcher.warning("Updates in flight did not finish in %ss; cancelled", self.shutdown_timeout)
            batch.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await batch
            return
        with suppress(Exception):
            unkept = [update_id for update_id in batch.result() if update_id is not None]
            offset = min(unkept, default=offset)
        with suppress(Exception):  # a failure here only means Telegram sends the batch again (then skipped)
            await bot(GetUpdates(offset=offset, limit=1, timeout=0), request_timeout=5)

    async def _lane(
        self, bot: Bot, updates: list[Update], limit: asyncio.Semaphore, kwargs: dict[str, Any]
    ) -> int | None:
        """One chat's updates, in order; the id of one that failed without being kept (the lane stops there)."""
        async with limit:
            for update in updates:
                try:
                    response = await self.feed_update(bot, update, **kwargs)
                    if isinstance(response, TelegramMethod):
                        await self.silent_call_request(bot=bot, result=response)
                except UpdateNotKept:
                    return update.update_id
                except Exception:  # noqa: BLE001 - kept for a retry by the ledger
                    loggers.event.exception("update %s failed", update.update_id)
        return None
