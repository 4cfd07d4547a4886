"""Small answers shared by several handlers."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.flow import Ctx
from bot.services.residents import Problem, check_text


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
