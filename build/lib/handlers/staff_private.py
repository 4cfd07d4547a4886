"""A staff member's private chat with the bot: where the claimer receives residents' details."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import texts
from bot.flow import Ctx
from bot.services import staff
from handlers.start import start

router = Router(name="staff_private")
router.message.filter(F.chat.type == "private")


@router.message(CommandStart())
async def staff_start(message: Message, ctx: Ctx, session: AsyncSession, command: CommandObject | None = None) -> None:
    """Staff open the private chat: from now on details of their requests come here."""
    member = await staff.open_private_chat(session, ctx.notifier(), message.chat.id)
    if member is None:
        await start(message, ctx, command)
        return
    await message.answer(
        _("Hello, {name}. The phone, address and details of the requests you take will come here.")
        .format(name=texts.q(member.name, 100))
    )
