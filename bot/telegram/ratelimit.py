"""One budget for everything the bot sends: replies made by handlers wait on the same per-chat and
global limiters as the outbox sender, so a direct reply and a queued message never burst a chat.

A handler runs inside its update's transaction, which on SQLite holds the database's only write lock:
waiting there for a staff group's budget (one message every 3 s) stalled every other update, the
outbox sender and the ticks. So a reply made inside an update goes out at once only when the budget
is free this moment. When the chat's own budget is short, the reply becomes an outbox row of that
same transaction, which the sender delivers when the budget allows; when only the bot-wide budget is
(it frees up within moments, and the outbox may hold a long queue of check-ins), the reply is sent
right after the update commits. Either way the handler gets a stand-in result at once (handlers do
not use what a send returns), and a chat's later replies in the update follow the same way, in order;
a chat with queued replies queues its next ones behind them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, methods
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods.base import TelegramMethod, TelegramType
from aiogram.types import Chat, Message, MessageId
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.telegram.delivery import Budget, Limiters, budget_paid
from bot.domain.priority import outbox_priority
from bot.telegram.storage import current_session
from db.models import OutboxPriority
from db.repo import outbox


COUNTED = (
    methods.SendMessage, methods.SendPhoto, methods.SendVoice, methods.SendDocument, methods.CopyMessage,
    methods.ForwardMessage, methods.EditMessageText, methods.EditMessageReplyMarkup, methods.EditMessageCaption,
)

#: Outbox purpose of a handler's reply that had to wait for its chat's budget.
QUEUED_REPLY = "reply"
#: session.info keys: how each chat's replies go in this update; the calls held until the commit.
HELD, QUEUED, AFTER_COMMIT = "held_replies", "queued", "after_commit"


class SharedBudget(BaseRequestMiddleware):
    """Waits for the chat's and the bot's budget before any message-sending call; inside an update's
    transaction it never waits, but queues the call in the outbox when the budget is not free."""

    def __init__(self, limiters: Limiters) -> None:
        self.limiters = limiters
        #: Chats this process queued replies for; their next direct reply first checks the outbox.
        self.queued_chats: set[int] = set()

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Any:
        """Acquire (or queue, or hold until the commit), then call."""
        chat_id = getattr(method, "chat_id", None)
        if not isinstance(method, COUNTED) or not isinstance(chat_id, int):
            return await make_request(bot, method)
        if budget_paid.get():  # the outbox sender took the slot
            await self.limiters.leaving()
            return await make_request(bot, method)
        session = current_session.get()
        if session is None:  # not inside an update (a tick, after the commit, the CLI): waiting holds nothing
            # A handler answers a person who is talking to the bot now: the highest class.
            await self.limiters.acquire(chat_id, priority=OutboxPriority.INTERACTIVE)
            await self.limiters.leaving()
            return await make_request(bot, method)
        held: dict[int, str] = session.info.setdefault(HELD, {})
        way = held.get(chat_id)
        if way is None:
            if await self._behind_queued(session, chat_id):
                way = QUEUED
            else:
                budget = await self.limiters.acquire_now(chat_id)
                if budget is Budget.TAKEN:
                    await self.limiters.leaving()
                    return await make_request(bot, method)
                way = QUEUED if budget is Budget.CHAT else AFTER_COMMIT
        payload = queueable(bot, method) if way == QUEUED else None
        if payload is not None:
            outbox.enqueue(session, chat_id, method.__api_method__, payload, purpose=QUEUED_REPLY,
                           priority=outbox_priority(QUEUED_REPLY))
            self.queued_chats.add(chat_id)
        else:  # the bot-wide budget frees up within moments (or a file upload): send right after the commit
            way = AFTER_COMMIT
            session.info.setdefault(AFTER_COMMIT, []).append(method)
        held[chat_id] = way  # the chat's later replies in this update follow the same way, in order
        return stand_in(method, chat_id)

    async def _behind_queued(self, session: AsyncSession, chat_id: int) -> bool:
        """Whether a reply to this chat must queue behind replies this process queued for it earlier."""
        if chat_id not in self.queued_chats:
            return False
        if await outbox.pending_in_chat(session, chat_id):
            return True
        self.queued_chats.discard(chat_id)
        return False


def after_commit(session: AsyncSession) -> list[TelegramMethod[Any]]:
    """The calls a handler made that wait for the bot-wide budget: the update sends them once it has
    committed (bot.telegram.middlewares.UpdateLedger), and never when it failed."""
    return list(session.info.pop(AFTER_COMMIT, []))


def queueable(bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any] | None:
    """The call as an outbox payload (the bot's defaults filled in, as aiogram would send it), or None
    when it uploads a file. A reply no longer depends on the replied-to message still existing."""
    files: dict[str, Any] = {}
    payload = bot.session.prepare_value(method.model_dump(warnings=False), bot=bot, files=files, _dumps_json=False)
    if files:
        return None
    return without_reply_dependency(payload)


def without_reply_dependency(payload: dict[str, Any]) -> dict[str, Any]:
    """A send payload that is delivered even when the message it replies to was deleted meanwhile
    (Telegram: 400 'message to be replied not found' otherwise)."""
    reply = payload.get("reply_parameters")
    if isinstance(reply, dict):
        payload["reply_parameters"] = {**reply, "allow_sending_without_reply": True}
    elif payload.get("reply_to_message_id"):
        payload["allow_sending_without_reply"] = True
    return payload


def stand_in(method: TelegramMethod[Any], chat_id: int) -> Any:
    """What the handler gets back for a queued call: a message without a real id, or True for an edit."""
    if isinstance(method, methods.CopyMessage):
        return MessageId(message_id=0)
    if isinstance(method, (methods.EditMessageText, methods.EditMessageReplyMarkup, methods.EditMessageCaption)):
        return True
    chat = Chat(id=chat_id, type="private" if chat_id > 0 else "supergroup")
    return Message(message_id=0, date=datetime.now(UTC), chat=chat)
