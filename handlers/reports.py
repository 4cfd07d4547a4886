"""The coordinators' figures in the staff group: /report (text and chart)."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.services import reports
from bot.ui import charts, report_texts
from bot.ui.notify import Notifier
from handlers.staff import StaffChat, member_or_refuse

router = Router(name="reports")
router.message.filter(StaffChat())
log = logging.getLogger(__name__)

#: Outbox purpose of a report someone asked for (a normal row: urgent cards still go first).
REPORT_REPLY = "report_reply"


def thread_of(message: Message) -> int | None:
    """The forum topic the command was sent in."""
    return message.message_thread_id if message.is_topic_message else None


@router.message(Command("report"))
async def report(message: Message, command: CommandObject, session: AsyncSession, settings: Settings, i18n: I18n) -> None:
    """/report [today|week|month|DATE DATE] [district]: the figures and a chart, into this chat."""
    member = await member_or_refuse(message, session)
    if member is None:
        return
    args = await reports.parse(session, settings, command.args or "")
    if args.error is not None or args.period is None:
        await message.reply(_("Use: /report today, /report week, /report month or /report 2026-11-01 2026-11-30, "
                              "optionally followed by a district code (at most 366 days)."))
        return
    chosen = await reports.scope(session, settings, member, message.chat.id, args.district)
    if isinstance(chosen, reports.ScopeRefusal):
        await message.reply(_("You can see the figures of your own district only."))
        return
    figures = await reports.build(session, settings, chosen, args.period)
    locale = i18n.current_locale
    png = await asyncio.to_thread(charts.render_png, figures, locale)
    notify = Notifier(session, i18n, settings)
    thread = thread_of(message)
    notify.messages(message.chat.id, report_texts.render(figures, settings, locale), REPORT_REPLY, thread)
    notify.upload(message.chat.id, "sendPhoto", "report.png", png, REPORT_REPLY,
                  caption=report_texts.title(figures, settings, locale), thread_id=thread)
    log.info("report for chat %s by staff %s: %s days, %s districts", message.chat.id, member.id,
             args.period.days, len(chosen.districts))
