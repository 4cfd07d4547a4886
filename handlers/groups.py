"""The bot was added to a group: it says the group's chat id and how to make the group a station, so
no third-party id bot is needed."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import JOIN_TRANSITION, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from db.repo import staff as staff_repo

router = Router(name="groups")
router.my_chat_member.filter(F.chat.type.in_({"group", "supergroup"}))


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=JOIN_TRANSITION))
async def added_to_group(event: ChatMemberUpdated, session: AsyncSession, settings: Settings, i18n: I18n) -> None:
    """From Telegram's my_chat_member update (the bot went from left/kicked to member/admin): post the
    group's chat id and the two ways to route requests here, in the group's language."""
    chat_id = event.chat.id
    locale = await staff_repo.chat_locale(session, chat_id) or settings.staff_locale
    with i18n.use_locale(locale):
        text = _(
            "👋 Hello! This group's chat id is <code>{chat_id}</code>.\n\n"
            "• To make it the main staff group, set <code>STAFF_CHAT_ID={chat_id}</code> in the bot's .env "
            "and restart the bot.\n"
            "• To send one district's requests here, a coordinator sends <code>/route CODE</code> in this group.\n\n"
            "Make the bot an admin of the group so that it can read commands; then everyone on the team sends /join here once."
        ).format(chat_id=chat_id)
        text += "\n\n" + _("• To make it a district's volunteers' chat instead, a coordinator sends "
                           "<code>/volunteerchat CODE</code> here.")
    await event.bot.send_message(chat_id, text, message_thread_id=None)  # type: ignore[union-attr]
