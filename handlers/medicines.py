"""Medicine that never runs out: «My medicines» under «My details», the reminder's «order it» (a filled-in
medicine request at the wizard's summary) and «not now»; /meds in the staff group (who runs out soon, or
record one for a resident)."""

from __future__ import annotations

import re
from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.domain.meds import MedLine, parse_line
from bot.domain.names import card_name
from bot.services import medicines, residents, staff_queries
from bot.ui import flow, medicine_texts, texts
from bot.ui import keyboards as kb
from bot.ui.flow import Wizard
from bot.ui.keyboards import MedAction
from bot.ui.states import Meds
from bot.ui.wizard.request.confirm import CONFIRM
from db.models import RequestKind, Resident, Staff
from db.repo import medicines as medicines_repo
from handlers.intake import start_wizard
from handlers.filters import MemberHere, StaffChat

router = Router(name="medicines")
#: /meds: staff of this chat only (anyone else gets the refusal of handlers/staff.py, MEMBER_COMMANDS)
staff_router = Router(name="medicines_staff")
staff_router.message.filter(StaffChat(), MemberHere())


async def show_medicines(bot: Bot, session: AsyncSession, resident: Resident, locale: str) -> None:
    """«My medicines»: the list, add, stop."""
    mine = await medicines_repo.of_resident(session, resident.id or 0)
    assert resident.chat_id is not None
    await bot.send_message(resident.chat_id, medicine_texts.my_medicines(mine, locale),
                           reply_markup=kb.my_medicines([(m.id or 0, m.name) for m in mine]))


async def ask_line(wizard: Wizard) -> None:
    """How to write a medicine."""
    await wizard.say(medicine_texts.ask_line())


async def ask_keep(wizard: Wizard) -> None:
    """«Do not interrupt?» again (something else was sent instead of a press)."""
    await wizard.say(medicine_texts.ask_do_not_interrupt(str((await wizard.data()).get("med_line") or "")),
                     reply_markup=kb.do_not_interrupt())


flow.PROMPTS[Meds.line.state] = ask_line
flow.PROMPTS[Meds.keep.state] = ask_keep


@router.callback_query(kb.MedCb.filter(F.a == MedAction.ORDER))
async def order(query: CallbackQuery, callback_data: kb.MedCb, wizard: Wizard, session: AsyncSession,
                settings: Settings, resident: Resident | None = None) -> None:
    """«Order it»: a medicine request filled in (name, dose, quantity for the next period, the home
    address) goes to the wizard's summary; the reminder counts as answered, and comes again tomorrow
    unless the request is sent."""
    medicine = await medicines.order_opened(session, settings, resident, callback_data.m) if resident else None
    if medicine is None or not residents.is_registered(resident):
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    assert resident is not None
    # one request per reminder, however often «Order it» is pressed: a double tap only answers the press
    key = medicines.order_key(medicine)
    if (await wizard.data()).get("med_ordered") == key:
        await query.answer()
        return
    await query.answer()
    filed = await medicines.ordered(session, medicine)
    if filed is not None:  # sent already (an old reminder pressed again)
        await wizard.say(_("You have already ordered it: request {number}.").format(number=texts.number(filed.id or 0)))
        return
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    await start_wizard(wizard, resident, query.from_user, RequestKind.MEDICINE, CONFIRM,
                       medicine=medicine_texts.order(medicine), draft_key=key, address=resident.address,
                       answers={medicines.REFILL: str(medicine.id)})
    await wizard.state.update_data(med_ordered=key)


@router.callback_query(kb.MedCb.filter(F.a == MedAction.NOT_NOW))
async def not_now(query: CallbackQuery, callback_data: kb.MedCb, session: AsyncSession, settings: Settings,
                  resident: Resident | None = None) -> None:
    """«Not now»: answered (no escalation); asked again tomorrow while it has not run out."""
    medicine = await medicines.not_now(session, settings, resident, callback_data.m) if resident else None
    if medicine is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await query.answer(_("All right. We will ask again tomorrow."), show_alert=True)
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)


@router.callback_query(kb.MedCb.filter(F.a == MedAction.LIST))
async def listed(query: CallbackQuery, session: AsyncSession, bot: Bot, i18n: I18n, resident: Resident | None = None) -> None:
    """«My medicines» from «My details»."""
    await query.answer()
    if residents.is_registered(resident):
        assert resident is not None
        await show_medicines(bot, session, resident, i18n.current_locale)


@router.callback_query(kb.MedCb.filter(F.a == MedAction.ADD))
async def add(query: CallbackQuery, wizard: Wizard, resident: Resident | None = None) -> None:
    """➕ Record a medicine: ask for the line."""
    await query.answer()
    if residents.is_registered(resident):
        await wizard.state.clear()
        await wizard.go(Meds.line)


def as_line(line: MedLine) -> str:
    """The medicine line as read (name; dose; days or ISO date), which parse_line reads back the same."""
    amount = str(line.days) if line.days is not None else line.runs_out_on.isoformat() if line.runs_out_on else ""
    return "; ".join(part for part in (line.name, line.dose, amount) if part)


@router.message(Meds.line, F.text, ~F.text.startswith("/"))
async def line_typed(message: Message, wizard: Wizard, settings: Settings, resident: Resident | None = None,
                     danger_handled: object = None) -> None:
    """The medicine line: read back with «do not interrupt?», or asked again with the example."""
    assert message.text is not None and resident is not None
    if danger_handled:
        return
    line = parse_line(message.text, medicines.today_of(resident, settings))
    if line is None:
        await wizard.say(_("I could not read the number of days or the date.") + "\n" + medicine_texts.ask_line())
        return
    # shown again as typed (cut to a length); recorded from the line as read, which a cut could break
    await wizard.state.update_data(med_line=message.text.strip()[:500], med_read=as_line(line))
    await wizard.state.set_state(Meds.keep)
    await wizard.say(medicine_texts.ask_do_not_interrupt(message.text.strip()), reply_markup=kb.do_not_interrupt())


@router.callback_query(kb.MedCb.filter(F.a == MedAction.KEEP))
async def keep(query: CallbackQuery, callback_data: kb.MedCb, wizard: Wizard, session: AsyncSession,
               settings: Settings, i18n: I18n, resident: Resident | None = None) -> None:
    """Yes or no to «do not interrupt»: recorded, and «My medicines» shown (a second tap: nothing more)."""
    data = await wizard.data()
    text = data.get("med_read") or data.get("med_line")
    line = parse_line(text or "", medicines.today_of(resident, settings)) if resident else None
    if line is None or await wizard.at() != Meds.keep.state:
        await query.answer(_("This button is no longer active."))
        return
    assert resident is not None
    await query.answer()
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    await medicines.record(session, settings, resident,
                           line.__class__(line.name, line.dose, line.days, line.runs_out_on, bool(callback_data.m)))
    await wizard.state.clear()
    await show_medicines(wizard.bot, session, resident, i18n.current_locale)


@router.callback_query(kb.MedCb.filter(F.a == MedAction.STOP))
async def stopped(query: CallbackQuery, callback_data: kb.MedCb, session: AsyncSession, bot: Bot, i18n: I18n,
                  resident: Resident | None = None) -> None:
    """🗑 No longer taken: no more reminders."""
    medicine = await medicines.stop(session, resident, callback_data.m) if resident else None
    if medicine is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    await query.answer()
    assert resident is not None
    await show_medicines(bot, session, resident, i18n.current_locale)


RECORD = re.compile(r"^[№#]?\s*(\d{1,10})\s+(.+)$", re.DOTALL)


@staff_router.message(Command("meds"))
async def meds(message: Message, command: CommandObject, session: AsyncSession, settings: Settings, i18n: I18n,
               member: Staff) -> None:
    """/meds: who runs out in the next 7 days in this chat's districts, «do not interrupt» first;
    /meds №N name; dose; days or date[; !]: record a regular medicine for the resident of request №N."""
    args = (command.args or "").strip()
    locale = i18n.current_locale
    if not args:
        soon = await medicines.running_out(session, settings, message.chat.id)
        rows = [(s.medicine, card_name(s.resident.name, settings.checkins.card_name) or "—", s.days_left) for s in soon]
        await message.reply(medicine_texts.running_out(rows, locale))
        return
    found = RECORD.match(args)
    number = int(found.group(1)) if found else 0
    resident = await staff_queries.resident_of_request(session, settings, number, message.chat.id) if found else None
    line = parse_line(found.group(2), medicines.today_of(resident, settings)) if found and resident else None
    if resident is None or line is None or not residents.is_registered(resident):
        await message.reply(medicine_texts.staff_usage())
        return
    medicine = await medicines.record(session, settings, resident, line, recorded_by=member.id)
    await message.reply(medicine_texts.recorded_for(number, medicine, locale))
