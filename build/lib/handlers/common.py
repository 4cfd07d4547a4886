"""Small answers shared by several handlers."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot import texts
from bot.flow import Ctx
from bot.services.residents import Problem, check_text
from bot.services.safety import detect_danger
from db.models import Urgency


async def reject_text(ctx: Ctx, text: str | None, limit: int) -> bool:
    """Tell the person why the text cannot be taken (empty, too long); True when rejected."""
    problem = check_text(text, limit)
    if problem is Problem.EMPTY:
        await ctx.bot.send_message(ctx.chat_id, _("The message is empty. Please write your answer."))
    elif problem is Problem.TOO_LONG:
        length = len((text or "").strip())
        await ctx.bot.send_message(
            ctx.chat_id,
            _("That is too long ({length} characters). Please shorten it to {limit} characters or fewer.")
            .format(length=length, limit=limit),
        )
    return problem is not None


async def check_danger(ctx: Ctx, text: str) -> bool:
    """If the text says the person is in danger: emergency numbers now, request marked urgent."""
    kind = detect_danger(text)
    if kind is None:
        return False
    await ctx.state.update_data(danger=str(kind), urgency=Urgency.URGENT.value)
    await ctx.bot.send_message(ctx.chat_id, texts.emergency(ctx.settings.emergency_numbers))
    return True
