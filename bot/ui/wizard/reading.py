"""Reading typed answers: why a text cannot be taken, and when the last text answer came."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.services.residents import Problem, check_text


async def reject_text(message: Message, text: str | None, limit: int) -> bool:
    """Tell the person who sent `message` why its text cannot be taken (empty, too long); True when rejected."""
    problem = check_text(text, limit)
    if problem is Problem.EMPTY:
        await message.answer(_("The message is empty. Please write your answer."))
    elif problem is Problem.TOO_LONG:
        length = len((text or "").strip())
        await message.answer(
            _("That is too long ({length} characters). Please shorten it to {limit} characters or fewer.")
            .format(length=length, limit=limit),
        )
    return problem is not None


async def remember_answer(state: FSMContext, message: Message) -> None:
    """Note which text step was just answered and when (Telegram's message.date, Unix seconds).

    A text that comes within JOIN_WINDOW seconds of it at a question that takes no text is the
    rest of this answer (handlers.fallback joins it).
    """
    step = await state.get_state()
    await state.update_data(answered=[step, int(message.date.timestamp())])


async def answered_within(state: FSMContext, message: Message, step: str, window: int) -> bool:
    """Whether the last text answer was at step, at most `window` seconds (JOIN_WINDOW) before this message."""
    answered = (await state.get_data()).get("answered")
    if not answered or answered[0] != step:
        return False
    return 0 <= int(message.date.timestamp()) - int(answered[1]) <= window
