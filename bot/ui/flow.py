"""Moving through a wizard: go to a step (remembering the way back), go back, ask again."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import User
from aiogram.utils.i18n import I18n
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.ui.notify import Notifier
from db.models import Resident


@dataclass
class Ctx:
    """Everything a prompt needs to ask its question."""

    bot: Bot
    chat_id: int
    user: User
    state: FSMContext
    session: AsyncSession
    settings: Settings
    i18n: I18n
    resident: Resident | None

    def notifier(self) -> Notifier:
        """Queues messages in this update's transaction."""
        return Notifier(self.session, self.i18n, self.settings)

    async def data(self) -> dict[str, Any]:
        """The conversation's stored data."""
        return await self.state.get_data()


#: Each wizard state's question, by state name; filled by bot.ui.prompts when it is imported.
PROMPTS: dict[str, Callable[[Ctx], Awaitable[None]]] = {}


async def ask(ctx: Ctx, step: str | None = None) -> None:
    """Ask the question of a step (default: the current one)."""
    step = step or await ctx.state.get_state()
    if step in PROMPTS:
        await PROMPTS[step](ctx)


async def go(ctx: Ctx, target: State, **data: Any) -> None:
    """Move to a step, remembering where we came from, and ask its question."""
    current = await ctx.state.get_state()
    history = list((await ctx.state.get_data()).get("history", []))
    if current and current != target.state:
        history.append(current)
    await ctx.state.update_data(history=history, **data)
    await ctx.state.set_state(target)
    await ask(ctx, target.state)


async def back(ctx: Ctx) -> bool:
    """Return to the previous step; False when there is none."""
    history = list((await ctx.state.get_data()).get("history", []))
    if not history:
        return False
    previous = history.pop()
    await ctx.state.update_data(history=history)
    await ctx.state.set_state(previous)
    await ask(ctx, previous)
    return True
