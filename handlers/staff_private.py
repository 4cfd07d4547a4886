"""A staff member's private chat with the bot: where the claimer receives residents' details."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart, Filter
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.ui import texts
from bot.ui.flow import Wizard
from bot.ui.notify import Notifier
from bot.services import staff
from db.models import Resident
from handlers.start import start

router = Router(name="staff_private")
router.message.filter(F.chat.type == "private")


@router.message(CommandStart())
async def staff_start(
    message: Message, wizard: Wizard, session: AsyncSession, notifier: Notifier, i18n: I18n,
    resident: Resident | None = None, command: CommandObject | None = None,
) -> None:
    """Staff open the private chat: from now on details of their requests come here."""
    opened = await staff.open_private_chat(session, message.chat.id)
    if opened is None:
        await start(message, wizard, resident, session, i18n, command)
        return
    await notifier.tell(opened.told)
    await message.answer(
        _("Hello, {name}. The phone, address and details of the requests you take will come here.")
        .format(name=texts.q(opened.member.name, 100))
    )


class OwesDetails(Filter):
    """A staff member (who is not also a resident) whose details have not reached them yet. Residents'
    messages skip the query: they are the bot's busiest path."""

    async def __call__(self, message: Message, session: AsyncSession, resident: Resident | None = None) -> bool:
        """Whether the sender is owed details."""
        if resident is not None or message.from_user is None:
            return False
        return await staff.owes_details(session, message.from_user.id)


@router.message(OwesDetails())
async def staff_back(message: Message, session: AsyncSession, notifier: Notifier) -> None:
    """Any message from a worker who could not be reached (they blocked the bot, then came back): the
    details they missed are sent now."""
    opened = await staff.open_private_chat(session, message.chat.id)
    assert opened is not None
    await notifier.tell(opened.told)
    await message.answer(
        _("Hello, {name}. Here are the phone, address and details of the requests you took that did not reach you.")
        .format(name=texts.q(opened.member.name, 100))
    )
