"""Builds what handlers are given besides aiogram's own arguments: the Notifier for every update, and
for a user's update in a chat the Wizard that moves its conversation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.ui.flow import Wizard
from bot.ui.notify import Notifier


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


class WizardMiddleware(BaseMiddleware):
    """Puts `wizard` (a Wizard bound to the update's chat and FSM state) into handler data when the
    update comes from a user in a chat; registered after NotifierMiddleware, whose notifier the
    wizard's steps may be given."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """The wizard of this conversation."""
        chat, user = data.get("event_chat"), data.get("event_from_user")
        if chat is not None and user is not None and "state" in data:
            data["wizard"] = Wizard(data["bot"], chat.id, data["state"], data)
        return await handler(event, data)
