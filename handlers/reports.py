"""The coordinators' figures in the staff group: /report (text and chart), /needs (the purchase list), /export
(a workbook, privately)."""

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
from bot.domain.periods import parse_date
from bot.services import exports, reports
from bot.services import needs as needs_service
from bot.ui import charts, export_book, needs_texts, report_texts
from bot.ui.notify import Notifier
from db.models import Staff
from handlers.filters import Coordinator, MemberHere, StaffChat

#: Staff of this chat only; anyone else falls through to handlers/staff.py, whose `strangers` router gives
#: the refusal (these commands are among its MEMBER_COMMANDS).
router = Router(name="reports")
router.message.filter(StaffChat(), MemberHere())
log = logging.getLogger(__name__)

#: Outbox purpose of a report someone asked for (a normal row: urgent cards still go first).
REPORT_REPLY = "report_reply"
#: Outbox purpose of the delivery round sent privately to whoever asked for /needs.
NEEDS_ROUND = "needs_round"


def thread_of(message: Message) -> int | None:
    """The forum topic the command was sent in."""
    return message.message_thread_id if message.is_topic_message else None


@router.message(Command("report"))
async def report(
    message: Message, command: CommandObject, session: AsyncSession, settings: Settings, i18n: I18n,
    member: Staff, notifier: Notifier,
) -> None:
    """/report [today|week|month|DATE DATE] [district]: the figures and a chart, into this chat."""
    args = await reports.parse(session, settings, command.args or "")
    if args.error is not None or args.period is None or args.personal:
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
    notify = notifier
    thread = thread_of(message)
    notify.messages(message.chat.id, report_texts.render(figures, settings, locale), REPORT_REPLY, thread)
    notify.upload(message.chat.id, "sendPhoto", "report.png", png, REPORT_REPLY,
                  caption=report_texts.title(figures, settings, locale), thread_id=thread)
    log.info("report for chat %s by staff %s: %s days, %s districts", message.chat.id, member.id,
             args.period.days, len(chosen.districts))


#: /needs flags: masses in kilograms; "all" (the default) said out loud.
TO_KG = frozenset({"kg", "公斤", "кг"})
ALL = frozenset({"all", "全部", "все", "усі"})


@router.message(Command("needs"))
async def needs(
    message: Message, command: CommandObject, session: AsyncSession, settings: Settings, i18n: I18n,
    member: Staff, notifier: Notifier,
) -> None:
    """/needs [district|all] [kg]: the open supplies and medicine as a purchase list, in this chat; the
    delivery round with addresses privately to the sender."""
    args = await reports.parse(session, settings, command.args or "", TO_KG | ALL)
    if args.error is not None or args.personal or (command.args and named_period(command.args)):
        await message.reply(_("Use: /needs, /needs followed by a district code, and «kg» to count 斤 and 克 in kilograms."))
        return
    chosen = await reports.scope(session, settings, member, message.chat.id, args.district)
    if isinstance(chosen, reports.ScopeRefusal):
        await message.reply(_("You can see the figures of your own district only."))
        return
    found = await needs_service.build(session, chosen, bool(args.flags & TO_KG))
    locale = i18n.current_locale
    notify = notifier
    round_sent = None
    if found.stops:
        round_sent = member.has_private_chat
        if member.has_private_chat:
            notify.messages(member.tg_user_id, needs_texts.delivery_round(found, settings, locale), NEEDS_ROUND)
    notify.messages(message.chat.id, needs_texts.render(found, settings, locale, round_sent), REPORT_REPLY, thread_of(message))


def named_period(text: str) -> bool:
    """Whether the arguments name a period (which /needs, a list of what is open now, does not take)."""
    return any(word.lower() in reports.PERIOD_WORDS or parse_date(word) for word in text.split())


#: Outbox purpose of an export file (sent privately to the coordinator who asked).
EXPORT = "export"


@router.message(Command("export"), Coordinator())
async def export(
    message: Message, command: CommandObject, session: AsyncSession, settings: Settings, i18n: I18n,
    member: Staff, notifier: Notifier,
) -> None:
    """/export [today|week|month|DATE DATE] [district] [personal], coordinators only: the workbook goes to
    the coordinator privately, never into the group; personal data only when asked for."""
    args = await reports.parse(session, settings, command.args or "", default="week")
    if args.error is not None or args.period is None:
        await message.reply(_("Use: /export week, /export month or /export 2026-11-01 2026-11-30, optionally a "
                              "district code, and «personal» to include names, phones and addresses."))
        return
    if not member.has_private_chat:
        await message.reply(_("The file is sent privately: open a private chat with me, press Start, then send "
                              "/export here again."))
        return
    chosen = await reports.scope(session, settings, member, message.chat.id, args.district)
    if isinstance(chosen, reports.ScopeRefusal):
        await message.reply(_("You can see the figures of your own district only."))
        return
    found = await exports.collect(session, settings, chosen, args.period, args.personal, args.district)
    locale = i18n.current_locale
    data = await asyncio.to_thread(export_book.workbook, found, settings, locale)
    exports.record(session, found, source="bot", staff_id=member.id, tg_user_id=member.tg_user_id)
    caption = report_texts.title(found.report, settings, locale)
    if found.personal:
        caption += "\n" + export_book.warning()
    notifier.upload(member.tg_user_id, "sendDocument", export_book.filename(found), data, EXPORT,
                                             caption=caption)
    await message.reply(_("The export was sent to you privately."))
    log.info("export by staff %s: %s days, %s districts, personal=%s, %s requests", member.id, args.period.days,
             len(chosen.districts), found.personal, len(found.requests))
