"""Reading typed answers: why a text cannot be taken, and when the last text answer came."""

from __future__ import annotations

from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.ui.flow import Ctx
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




async def remember_answer(ctx: Ctx, message: Message) -> None:
    """Note which text step was just answered and when (Telegram's message.date, Unix seconds).

    A text that comes within JOIN_WINDOW seconds of it at a question that takes no text is the
    rest of this answer (handlers.fallback joins it).
    """
    step = await ctx.state.get_state()
    await ctx.state.update_data(answered=[step, int(message.date.timestamp())])


async def answered_within(ctx: Ctx, message: Message, step: str) -> bool:
    """Whether the last text answer was at step, at most JOIN_WINDOW seconds before this message."""
    answered = (await ctx.data()).get("answered")
    if not answered or answered[0] != step:
        return False
    return 0 <= int(message.date.timestamp()) - int(answered[1]) <= ctx.settings.join_window
