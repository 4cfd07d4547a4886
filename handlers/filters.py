"""The staff chats' router filters, shared by every staff feature (handlers/staff.py, reports.py, notices.py,
volunteers.py, medicines.py): `StaffChat` (a configured staff chat; gives `staff_chat`), `MemberHere`
(registered staff of that chat, as themselves; gives `member`) and `Coordinator` (the member coordinates)."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.services import staff
from db.models import Staff, StaffRole
from db.repo import districts


class StaffChat(Filter):
    """Only the configured staff chats; every other group is ignored. Gives `staff_chat`: the chat's
    current id (a card still in a group that became a supergroup is pressed there)."""

    async def __call__(self, event: Any, session: AsyncSession, settings: Settings) -> bool | dict[str, Any]:
        """Whether the event happened in a staff chat."""
        message = event.message if isinstance(event, CallbackQuery) else event
        if not isinstance(message, Message) or message.chat.type not in ("group", "supergroup"):
            return False
        chat_id = await districts.resolve_chat(session, message.chat.id)
        if chat_id not in await districts.staff_chat_ids(session, settings.staff_chat_id):
            return False
        return {"staff_chat": chat_id}


def anonymous(message: Message) -> bool:
    """Sent on behalf of a chat (an anonymous group admin, a linked channel), not by a person."""
    return message.sender_chat is not None


class MemberHere(Filter):
    """The sender (or presser) is registered staff of this staff chat, as themselves (never an anonymous
    admin: nobody could tell who it is). Gives `member`."""

    async def __call__(self, event: Any, session: AsyncSession, staff_chat: int) -> bool | dict[str, Any]:
        """The member, or False (the `strangers` router answers)."""
        if isinstance(event, Message) and (anonymous(event) or event.from_user is None):
            return False
        member = await staff.authorize(session, event.from_user.id, staff_chat)
        return {"member": member} if isinstance(member, Staff) else False


class Coordinator(Filter):
    """The member coordinates this chat."""

    async def __call__(self, event: Any, member: Staff) -> bool:
        """Whether the member is a coordinator."""
        return member.role == StaffRole.COORDINATOR
