"""Outer middlewares: one transaction per update (idempotent, failures kept) and the resident."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, Response
from aiogram.methods.base import TelegramMethod, TelegramType
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.logs import ids
from bot.telegram.ratelimit import after_commit
from bot.telegram.storage import current_session
from db.repo import fsm, outbox, residents, updates

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

RETRY_DELAYS = (timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5))


class UpdateLedger(BaseMiddleware):
    """Runs each update in one transaction with its update_id; a repeat changes nothing."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_commit: Callable[[], None],
        on_failure: Callable[[Update, dict[str, Any]], Awaitable[None]],
        observe: Callable[[float], None] | None = None,
        at_once: int | None = None,
    ) -> None:
        self.sessions = sessions
        self.on_commit = on_commit
        self.on_failure = on_failure
        self.observe = observe
        #: Updates handled at the same time. Polling's lanes never exceed it; a webhook gets as many
        #: requests at once as Telegram opens connections (40 by default), and beyond the connection
        #: pool each would open and close a connection of its own.
        self.slots = asyncio.Semaphore(at_once) if at_once else None

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Time the update (doorstep_update_seconds) around its handling, once it has a slot."""
        assert isinstance(event, Update)
        if self.slots is None:
            return await self.timed(handler, event, data)
        async with self.slots:
            return await self.timed(handler, event, data)

    async def timed(self, handler: Handler, event: Update, data: dict[str, Any]) -> Any:
        """Handle, observing how long it took."""
        started = time.perf_counter()
        try:
            return await self.handle(handler, event, data)
        finally:
            if self.observe is not None:
                self.observe(time.perf_counter() - started)

    async def handle(self, handler: Handler, event: Update, data: dict[str, Any]) -> Any:
        """Skip seen updates; commit effects with the update id; keep a failed update for retry.

        On every failure (the handler's, a Bot API call's, even BEGIN or the claim itself: "database is
        locked", a refused connection) the transaction is rolled back, the connection goes back to the
        pool and the update is recorded for a retry; UpdateNotKept when even that record failed."""
        chat, user = data.get("event_chat"), data.get("event_from_user")
        conversation = (chat.id, user.id) if chat is not None and user is not None else None
        async with self.sessions() as session:
            try:
                claimed = await updates.claim(session, event.update_id, conversation)
            except Exception:
                await self.fail(session, event, data)
                raise
            if not claimed:
                if data.get("retrying"):  # handled meanwhile (e.g. Telegram redelivered it to the webhook)
                    await updates.forget_failure(session, event.update_id)
                    await session.commit()
                    log.info("update %s was handled meanwhile; its retry is dropped", event.update_id,
                             extra=ids(update_id=event.update_id))
                else:
                    log.info("update %s already handled, skipped", event.update_id, extra=ids(update_id=event.update_id))
                return None
            token = current_session.set(session)
            data["session"] = session
            try:
                result = await handler(event, data)
                if data.get("retrying"):
                    await updates.forget_failure(session, event.update_id)
                await fsm.flush(session)  # the conversation's new state, in the same transaction
                queued = outbox.queued(session)
                replies = after_commit(session)
                await session.commit()
            except Exception:
                await self.fail(session, event, data)
                raise
            finally:
                current_session.reset(token)
                # What runs after this (aiogram's error event and its middlewares) must not reach the
                # finished session: a query through it silently begins a transaction nobody ends, which
                # on SQLite held the write lock and stalled every other update.
                data.pop("session", None)
        if queued:  # wake the sender only when there is something to send
            self.on_commit()
        await send_replies(data["bot"], replies, event.update_id)
        return result

    async def fail(self, session: AsyncSession, event: Update, data: dict[str, Any]) -> None:
        """Roll back, release the connection, and keep the update for a retry (UpdateNotKept if that fails)."""
        try:
            await session.rollback()
        except Exception:  # a broken connection: closing the session discards it
            log.warning("rollback of update %s failed", event.update_id, exc_info=True,
                        extra=ids(update_id=event.update_id))
        await session.close()  # the connection is back in the pool before the failure is recorded
        data.pop("resident", None)  # expired by the rollback: error handlers must not touch it
        data.pop("session", None)
        try:
            await self.on_failure(event, data)
        except Exception as exc:
            raise UpdateNotKept(event.update_id) from exc


class UpdateNotKept(Exception):
    """An update failed and could not even be recorded for a retry (the database is unreachable): whoever
    fed it must not confirm it to Telegram, so it comes again."""

    def __init__(self, update_id: int) -> None:
        super().__init__(f"update {update_id} failed and was not kept for a retry")
        self.update_id = update_id


async def send_replies(bot: Bot, replies: list[Any], update_id: int) -> None:
    """Replies held until the update committed (they waited for the bot-wide budget, bot.telegram.ratelimit):
    sent now, holding no transaction; one that fails is logged (what must not be lost is in the outbox)."""
    for method in replies:
        try:
            await bot(method)
        except Exception as exc:  # noqa: BLE001 - the update itself is done and committed
            log.warning("reply of update %s failed after commit: %s", update_id, type(exc).__name__,
                        extra=ids(update_id=update_id))


#: aiogram validates every response as Response[<return type>]; pydantic caches those generic classes in
#: a WeakValueDictionary, so each garbage collection dropped them and the next call rebuilt the schema
#: (about 4% of the bot's CPU under load). Holding them here builds each one once per process.
_RESPONSE_MODELS: dict[type, Any] = {}


class KeepResponseModels(BaseRequestMiddleware):
    """Builds the response model of each Bot API method once per process (see _RESPONSE_MODELS)."""

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Any:
        """Hold Response[<return type>] before the call validates with it."""
        if type(method) not in _RESPONSE_MODELS:
            _RESPONSE_MODELS[type(method)] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)


class ExpiredAnswers(BaseRequestMiddleware):
    """Answering a button press too late (a retried update) is not a failure of the update."""

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Any:
        """Swallow 'query is too old' for answerCallbackQuery; every other outcome is unchanged."""
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as exc:
            if not isinstance(method, AnswerCallbackQuery) or "query is too old" not in exc.message:
                raise
            log.info("callback query %s expired before it was answered", method.callback_query_id)
            return True


class ResidentLoader(BaseMiddleware):
    """Puts the sender's resident record (or None) into the handler data."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Load the resident of a private chat's user."""
        user: User | None = data.get("event_from_user")
        session: AsyncSession = data["session"]
        data["resident"] = await residents.sender(session, user.id) if user else None
        return await handler(event, data)


def retry_time(attempts: int) -> Any:
    """When a failed update is tried again, by how often it failed."""
    return clock.now() + RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
