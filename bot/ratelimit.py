"""One budget for everything the bot sends: replies made by handlers wait on the same per-chat and
global limiters as the outbox sender, so a direct reply and a queued message never burst a chat."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from aiogram import Bot, methods
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods.base import TelegramMethod, TelegramType

from bot.delivery import Limiters
from db.models import OutboxPriority

#: Set by the outbox sender, which has already waited for the budget of its call.
budget_paid: ContextVar[bool] = ContextVar("budget_paid", default=False)

COUNTED = (
    methods.SendMessage, methods.SendPhoto, methods.SendVoice, methods.SendDocument, methods.CopyMessage,
    methods.ForwardMessage, methods.EditMessageText, methods.EditMessageReplyMarkup, methods.EditMessageCaption,
)


class SharedBudget(BaseRequestMiddleware):
    """Waits for the chat's and the bot's budget before any message-sending call a handler makes."""

    def __init__(self, limiters: Limiters) -> None:
        self.limiters = limiters

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Any:
        """Acquire, then call."""
        chat_id = getattr(method, "chat_id", None)
        if isinstance(method, COUNTED) and isinstance(chat_id, int) and not budget_paid.get():
            # A handler answers a person who is talking to the bot now: the highest class.
            await self.limiters.acquire(chat_id, priority=OutboxPriority.INTERACTIVE)
        return await make_request(bot, method)
