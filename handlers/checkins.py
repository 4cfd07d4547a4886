"""The resident's side of the daily check-ins: answering, and /checkin to change the plan."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from bot.ui import checkin_texts, texts
from bot.ui import keyboards as kb
from bot.ui.flow import Wizard
from bot.ui.notify import Notifier
from bot.ui.screens import asked
from bot.ui.keyboards import CheckinAction, PlanAction
from bot.domain import answers
from bot.services import checkins, residents
from bot.services.checkins import Reason
from db.models import CheckinAnswer, RequestKind, Resident
from db.repo import checkins as checkins_repo
from bot.ui.wizard.request import talk as talk_steps
from handlers.intake import start_wizard
from handlers.start import begin_registration

router = Router(name="checkins")

def told() -> str:
    """What a resident who asked for help is told (again, as a toast, on a double tap)."""
    return _("A social worker has been told and will contact you as soon as possible.")


ANSWERS = {CheckinAction.FINE: CheckinAnswer.FINE, CheckinAction.NOT_WELL: CheckinAnswer.NOT_WELL, CheckinAction.HELP: CheckinAnswer.HELP}


async def drop_buttons(query: CallbackQuery) -> None:
    """The question was answered: its buttons go away."""
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)


def typed_options() -> list[tuple[str, str]]:
    """The check-in's buttons as (action, label)."""
    return [(CheckinAction.FINE.value, _("😊 I'm fine")), (CheckinAction.NOT_WELL.value, _("😐 Not so well")),
            (CheckinAction.HELP.value, _("🆘 I need help"))]


async def typed_answer(
    text: str, wizard: Wizard, resident: Resident, session: AsyncSession, settings: Settings, notifier: Notifier,
) -> bool:
    """A typed answer («好», «да», «Not so well») to a check-in delivered today and not answered; False if none."""
    checkin = await checkins.awaiting_answer(session, resident)
    if checkin is None:
        return False
    action = answers.choose(text, typed_options(), yes=CheckinAction.FINE.value)
    if action is None:
        return False
    value = ANSWERS[CheckinAction(action)]
    result = await checkins.answer(session, settings, resident, checkin.id or 0, value)
    await notifier.tell(result.told)
    if result.checkin is None:
        return False
    if value == CheckinAnswer.FINE:
        await wizard.say(_("Thank you! We are glad. Have a good day. 🌷"))
    elif value == CheckinAnswer.NOT_WELL:
        await wizard.say(_("We are sorry to hear that. What is wrong?"), reply_markup=kb.what_is_wrong(checkin.id or 0))
    else:
        raised = await checkins.ask_for_help(session, settings, resident, result.checkin, Reason.HELP)
        await notifier.tell(raised.told)
        await wizard.say(told() + "\n\n" + texts.emergency_numbers(settings.emergency_numbers))
    return True


@router.callback_query(kb.CheckinCb.filter(F.a != CheckinAction.WHAT))
async def answered(
    query: CallbackQuery, callback_data: kb.CheckinCb, wizard: Wizard, resident: Resident | None,
    session: AsyncSession, settings: Settings, notifier: Notifier,
) -> None:
    """I'm fine / not so well / I need help."""
    if resident is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    value = ANSWERS[callback_data.a]
    result = await checkins.answer(session, settings, resident, callback_data.c, value)
    await notifier.tell(result.told)
    if result.checkin is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    replies = {
        CheckinAnswer.FINE: _("Thank you! We are glad. Have a good day. 🌷"),
        CheckinAnswer.NOT_WELL: _("We are sorry to hear that. What is wrong?"),
        CheckinAnswer.HELP: told(),
    }
    if result.repeat:  # a double tap: the reply is already in the chat; say it again only as a toast
        await query.answer(replies[value])
        await drop_buttons(query)
        return
    await query.answer()
    await drop_buttons(query)
    if value == CheckinAnswer.FINE:
        await wizard.say(replies[value])
    elif value == CheckinAnswer.NOT_WELL:
        await wizard.say(replies[value], reply_markup=kb.what_is_wrong(callback_data.c))
    else:
        raised = await checkins.ask_for_help(session, settings, resident, result.checkin, Reason.HELP)
        await notifier.tell(raised.told)
        await wizard.say(replies[value] + "\n\n" + texts.emergency_numbers(settings.emergency_numbers))


@router.callback_query(kb.CheckinCb.filter(F.a == CheckinAction.WHAT))
async def what_is_wrong(
    query: CallbackQuery, callback_data: kb.CheckinCb, wizard: Wizard, resident: Resident | None,
    session: AsyncSession, settings: Settings, notifier: Notifier,
) -> None:
    """Open the matching request, already filled in where it can be."""
    checkin = await checkins_repo.by_id(session, callback_data.c)
    if resident is None or checkin is None or checkin.resident_id != resident.id:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    choice = callback_data.v
    # A double tap: what the first press did (the emergency numbers, or the request's first question)
    # is already in the chat. The conversation remembers it; its updates run one at a time.
    done = f"{checkin.id}:{choice}"
    if (await wizard.data()).get("checkin_choice") == done:
        if choice == "health":
            await query.answer(told())
        else:
            await query.answer()
        await drop_buttons(query)
        return
    await query.answer()
    await drop_buttons(query)
    if choice == "health":
        raised = await checkins.ask_for_help(session, settings, resident, checkin, Reason.HEALTH)
        await notifier.tell(raised.told)
        await wizard.say(texts.illness(settings.emergency_numbers))
    elif choice == "supplies":
        await start_wizard(wizard, resident, query.from_user, RequestKind.SUPPLIES)
    elif choice == "medicine":
        await start_wizard(wizard, resident, query.from_user, RequestKind.MEDICINE)
    else:
        feeling = _("Not so well (answer to the daily check-in)")
        await start_wizard(wizard, resident, query.from_user, RequestKind.PSYCH, talk_steps.CALL_TIME, feeling=feeling)
    await wizard.state.update_data(checkin_choice=done)


async def offer_answered(
    start: bool, wizard: Wizard, resident: Resident, session: AsyncSession, settings: Settings,
) -> None:
    """The offer answered by a typed yes (start the daily check-ins) or no."""
    if not start:
        await wizard.say(_("All right. You can start them any time with /checkin."))
        return
    plan = await checkins_repo.plan_of(session, resident.id or 0)
    await checkins.enrol(session, settings, resident, plan.times if plan else None)
    await show_plan(wizard, resident, session, settings)


async def show_plan(wizard: Wizard, resident: Resident, session: AsyncSession, settings: Settings) -> None:
    """The plan and what can be changed."""
    plan = await checkins_repo.plan_of(session, resident.id or 0)
    active = plan is not None and plan.active
    today = clock.now().astimezone(checkins.tz_of(resident, settings)).date()
    paused = bool(plan and plan.paused_until and plan.paused_until > today)
    await wizard.say(checkin_texts.plan_text(plan, resident.locale, paused), reply_markup=kb.plan_menu(active, paused))


@router.message(Command("checkin"))
async def checkin_command(
    message: Message, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings,
) -> None:
    """See and change the daily check-in."""
    if not residents.is_registered(resident):
        await begin_registration(wizard, message.from_user)
        return
    assert resident is not None
    await show_plan(wizard, resident, session, settings)


@router.callback_query(kb.PlanCb.filter())
async def plan_change(
    query: CallbackQuery, callback_data: kb.PlanCb, wizard: Wizard, resident: Resident | None,
    session: AsyncSession, settings: Settings,
) -> None:
    """Start, change times, pause, resume, stop, quiet hours."""
    if not residents.is_registered(resident):
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    assert resident is not None
    await query.answer()
    action, value = callback_data.a, callback_data.value
    plan = await checkins_repo.plan_of(session, resident.id or 0)
    if action in (PlanAction.START, PlanAction.DECLINE) and (await wizard.data()).get("asked"):
        await asked(wizard.state, None)  # the offer is answered (a typed answer is no longer expected)
    if action is PlanAction.DECLINE:
        await wizard.say(_("All right. You can start them any time with /checkin."))
        return
    if plan is None and action is not PlanAction.START:
        await show_plan(wizard, resident, session, settings)
        return
    if action is PlanAction.START or plan is None:
        await checkins.enrol(session, settings, resident, plan.times if plan else None)
    elif action is PlanAction.TIMES and value != "save":
        await wizard.state.update_data(plan_times=list(plan.times))
        await wizard.say(_("Tap the times you want, then «✅ Save»."), reply_markup=kb.plan_times(plan.times))
        return
    elif action is PlanAction.TOGGLE:
        chosen = set((await wizard.data()).get("plan_times", plan.times)) ^ {value}
        await wizard.state.update_data(plan_times=sorted(chosen))
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=kb.plan_times(chosen))
        return
    elif action is PlanAction.TIMES:
        chosen = (await wizard.data()).get("plan_times") or plan.times
        await checkins.change(session, settings, resident, plan, times=chosen)
    elif action is PlanAction.PAUSE:
        await wizard.say(_("For how long?"), reply_markup=kb.plan_pause())
        return
    elif action is PlanAction.PAUSE_DAYS and value.isdigit():
        until = checkins.pause_until(plan, resident, settings, int(value))
        await checkins.change(session, settings, resident, plan, paused_until=until)
    elif action is PlanAction.RESUME:
        await checkins.change(session, settings, resident, plan, paused_until=None)
    elif action is PlanAction.STOP:
        await checkins.change(session, settings, resident, plan, active=False)
    elif action is PlanAction.QUIET:
        await wizard.say(_("When should we not disturb you?"), reply_markup=kb.plan_quiet())
        return
    elif action is PlanAction.QUIET_SET and value in kb.QUIET_PRESETS:
        start, end = value.split("-")
        await checkins.change(session, settings, resident, plan, quiet=(start, end))
    await show_plan(wizard, resident, session, settings)
