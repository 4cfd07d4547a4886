"""Builds what handlers are given: the wizard context for resident handlers, the Notifier for all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.ui.flow import Ctx
from bot.ui.notify import Notifier


class CtxMiddleware(BaseMiddleware):
    """Puts a Ctx (bot, chat, user, state, session, settings, i18n, resident) into handler data."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Assemble the context when the event comes from a user in a chat."""
        chat, user = data.get("event_chat"), data.get("event_from_user")
        if chat is not None and user is not None and "state" in data:
            data["ctx"] = Ctx(
                bot=data["bot"], chat_id=chat.id, user=user, state=data["state"], session=data["session"],
                settings=data["settings"], i18n=data["i18n"], resident=data.get("resident"),
            )
        return await handler(event, data)


class NotifierMiddleware(BaseMiddleware):
    """Puts `notifier` (a Notifier queueing in the update's transaction) into handler data, so a handler
    hands a service's decisions on with `await notifier.tell(result.told)`."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """A Notifier for this update's session (none outside a transaction)."""
        if "session" in data:
            data["notifier"] = Notifier(data["session"], data["i18n"], data["settings"])
        return await handler(event, data)
