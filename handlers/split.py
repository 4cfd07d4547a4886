"""Long pastes that Telegram clients split into several messages (see bot.domain.split): refused once,
with the whole length and the step's limit; a further part is never taken as the answer."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.ui.i18n import ngettext
from bot.domain import split
from bot.ui.wizard import engine

router = Router(name="split")


def limit_at(state: str | None) -> int | None:
    """The characters a typed answer may have at this state (its step's `limit`); None: no limit here."""
    step = engine.step_at(state)
    return step.limit if step is not None else None


class SplitHead(Filter):
    """A text at a typed-text step long enough to be the first part of a client's split."""

    async def __call__(self, message: Message, state: FSMContext) -> bool:
        """True for a text of SPLIT_HEAD_MIN characters or more at a step with a limit."""
        return bool(message.text) and split.may_be_split(message.text or "") and (
            limit_at(await state.get_state())) is not None


class SplitTail(Filter):
    """A further part of a split whose earlier part was refused moments ago. Only the last part of a
    split is short, so after a short part the split is complete and the next text is a new message."""

    async def __call__(self, message: Message, state: FSMContext) -> bool:
        """True for a text sent within the part window of a refused long part that may continue."""
        held = (await state.get_data()).get("split")
        return bool(held) and held["open"] and split.continues(held["at"], int(message.date.timestamp()))


def refusal(length: int, parts: int, limit: int) -> str:
    """The one answer to a text over its limit, with its whole length."""
    if parts == 1:  # as any other text over its limit (handlers.common.reject_text)
        return _("That is too long ({length} characters). Please shorten it to {limit} characters or fewer.").format(
            length=length, limit=limit)
    head = ngettext(
        "Your message is {length} characters long (Telegram delivered it in {parts} part); the limit here is {limit}.",
        "Your message is {length} characters long (Telegram delivered it in {parts} parts); the limit here is {limit}.",
        parts,
    ).format(length=length, parts=parts, limit=limit)
    return head + "\n" + _("Nothing of it was kept. Please shorten it, most important first, and send it again.")


@router.message(F.text, SplitTail())
async def tail(message: Message, state: FSMContext, bot: Bot) -> None:
    """Counted with the parts before it; the refusal is corrected to the whole length."""
    held = dict((await state.get_data())["split"])
    held.update(at=int(message.date.timestamp()), length=held["length"] + split.utf16_len(message.text or ""),
                parts=held["parts"] + 1, open=split.may_be_split(message.text or ""))
    text = refusal(held["length"], held["parts"], held["limit"])
    try:
        await bot.edit_message_text(text, chat_id=message.chat.id, message_id=held["reply"])
    except TelegramBadRequest:  # the refusal is gone (deleted by the person): say it again
        held["reply"] = (await message.answer(text)).message_id
    await state.update_data(split=held)


@router.message(F.text, SplitHead())
async def head(message: Message, state: FSMContext) -> None:
    """Refused at once, stating the limit; remembered so that further parts join this answer."""
    limit = limit_at(await state.get_state())
    assert limit is not None
    length = split.utf16_len(message.text or "")
    sent = await message.answer(refusal(length, 1, limit))
    await state.update_data(split={"at": int(message.date.timestamp()), "length": length, "parts": 1,
                                       "limit": limit, "reply": sent.message_id, "open": True})
