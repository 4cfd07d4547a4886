"""The resident's side of the daily check-ins: answering, and /checkin to change the plan."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.ui import checkin_texts, texts

from bot.core import clock
from bot.ui import keyboards as kb
from bot.ui.flow import Ctx
from bot.ui.keyboards import CheckinAction, PlanAction
from bot.domain import answers
from bot.services import checkins, residents
from bot.services.checkins import Reason
from db.models import CheckinAnswer, RequestKind
from db.repo import checkins as checkins_repo
from bot.ui.wizard.request import talk as talk_steps
from handlers.intake import start_wizard
from handlers.start import asked, begin_registration

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


async def typed_answer(ctx: Ctx, text: str) -> bool:
    """A typed answer («好», «да», «Not so well») to a check-in delivered today and not answered; False if none."""
    assert ctx.resident is not None
    checkin = await checkins.awaiting_answer(ctx.session, ctx.resident)
    if checkin is None:
        return False
    action = answers.choose(text, typed_options(), yes=CheckinAction.FINE.value)
    if action is None:
        return False
    value = ANSWERS[CheckinAction(action)]
    result = await checkins.answer(ctx.session, ctx.settings, ctx.resident, checkin.id or 0, value)
    await ctx.notifier().tell(result.told)
    if result.checkin is None:
        return False
    if value == CheckinAnswer.FINE:
        await ctx.bot.send_message(ctx.chat_id, _("Thank you! We are glad. Have a good day. 🌷"))
    elif value == CheckinAnswer.NOT_WELL:
        await ctx.bot.send_message(ctx.chat_id, _("We are sorry to hear that. What is wrong?"),
                                   reply_markup=kb.what_is_wrong(checkin.id or 0))
    else:
        raised = await checkins.ask_for_help(ctx.session, ctx.settings, ctx.resident, result.checkin, Reason.HELP)
        await ctx.notifier().tell(raised.told)
        await ctx.bot.send_message(ctx.chat_id, told() + "\n\n" + texts.emergency_numbers(ctx.settings.emergency_numbers))
    return True


@router.callback_query(kb.CheckinCb.filter(F.a != CheckinAction.WHAT))
async def answered(query: CallbackQuery, callback_data: kb.CheckinCb, ctx: Ctx) -> None:
    """I'm fine / not so well / I need help."""
    if ctx.resident is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    value = ANSWERS[callback_data.a]
    result = await checkins.answer(ctx.session, ctx.settings, ctx.resident, callback_data.c, value)
    await ctx.notifier().tell(result.told)
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
        await ctx.bot.send_message(ctx.chat_id, replies[value])
    elif value == CheckinAnswer.NOT_WELL:
        await ctx.bot.send_message(ctx.chat_id, replies[value], reply_markup=kb.what_is_wrong(callback_data.c))
    else:
        raised = await checkins.ask_for_help(ctx.session, ctx.settings, ctx.resident, result.checkin, Reason.HELP)
        await ctx.notifier().tell(raised.told)
        await ctx.bot.send_message(ctx.chat_id, replies[value] + "\n\n" + texts.emergency_numbers(ctx.settings.emergency_numbers))


@router.callback_query(kb.CheckinCb.filter(F.a == CheckinAction.WHAT))
async def what_is_wrong(query: CallbackQuery, callback_data: kb.CheckinCb, ctx: Ctx) -> None:
    """Open the matching request, already filled in where it can be."""
    checkin = await checkins_repo.by_id(ctx.session, callback_data.c)
    if ctx.resident is None or checkin is None or checkin.resident_id != ctx.resident.id:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    choice = callback_data.v
    # A double tap: what the first press did (the emergency numbers, or the request's first question)
    # is already in the chat. The conversation remembers it; its updates run one at a time.
    done = f"{checkin.id}:{choice}"
    if (await ctx.data()).get("checkin_choice") == done:
        if choice == "health":
            await query.answer(told())
        else:
            await query.answer()
        await drop_buttons(query)
        return
    await query.answer()
    await drop_buttons(query)
    if choice == "health":
        raised = await checkins.ask_for_help(ctx.session, ctx.settings, ctx.resident, checkin, Reason.HEALTH)
        await ctx.notifier().tell(raised.told)
        await ctx.bot.send_message(ctx.chat_id, texts.illness(ctx.settings.emergency_numbers))
    elif choice == "supplies":
        await start_wizard(ctx, RequestKind.SUPPLIES)
    elif choice == "medicine":
        await start_wizard(ctx, RequestKind.MEDICINE)
    else:
        feeling = _("Not so well (answer to the daily check-in)")
        await start_wizard(ctx, RequestKind.PSYCH, talk_steps.CALL_TIME, feeling=feeling)
    await ctx.state.update_data(checkin_choice=done)


async def offer_checkins(ctx: Ctx) -> None:
    """The question offered at the end of registration: ask us to check on you daily?"""
    await ctx.bot.send_message(
        ctx.chat_id,
        _("Would you like us to ask you every day whether you are OK? If you do not answer, a social worker is told."),
        reply_markup=kb.enrol_offer(ctx.settings.checkins.default_time),
    )


async def offer_answered(ctx: Ctx, start: bool) -> None:
    """The offer answered by a typed yes (start the daily check-ins) or no."""
    assert ctx.resident is not None
    if not start:
        await ctx.bot.send_message(ctx.chat_id, _("All right. You can start them any time with /checkin."))
        return
    plan = await checkins_repo.plan_of(ctx.session, ctx.resident.id or 0)
    await checkins.enrol(ctx.session, ctx.settings, ctx.resident, plan.times if plan else None)
    await show_plan(ctx)


async def show_plan(ctx: Ctx) -> None:
    """The plan and what can be changed."""
    assert ctx.resident is not None
    plan = await checkins_repo.plan_of(ctx.session, ctx.resident.id or 0)
    active = plan is not None and plan.active
    today = clock.now().astimezone(checkins.tz_of(ctx.resident, ctx.settings)).date()
    paused = bool(plan and plan.paused_until and plan.paused_until > today)
    await ctx.bot.send_message(ctx.chat_id, checkin_texts.plan_text(plan, ctx.resident.locale, paused),
                               reply_markup=kb.plan_menu(active, paused))


@router.message(Command("checkin"))
async def checkin_command(message: Message, ctx: Ctx) -> None:
    """See and change the daily check-in."""
    if not residents.is_registered(ctx.resident):
        await begin_registration(ctx)
        return
    await show_plan(ctx)


@router.callback_query(kb.PlanCb.filter())
async def plan_change(query: CallbackQuery, callback_data: kb.PlanCb, ctx: Ctx) -> None:
    """Start, change times, pause, resume, stop, quiet hours."""
    if not residents.is_registered(ctx.resident):
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    assert ctx.resident is not None
    await query.answer()
    action, value = callback_data.a, callback_data.value
    plan = await checkins_repo.plan_of(ctx.session, ctx.resident.id or 0)
    if action in (PlanAction.START, PlanAction.DECLINE) and (await ctx.data()).get("asked"):
        await asked(ctx, None)  # the offer is answered (a typed answer is no longer expected)
    if action is PlanAction.DECLINE:
        await ctx.bot.send_message(ctx.chat_id, _("All right. You can start them any time with /checkin."))
        return
    if plan is None and action is not PlanAction.START:
        await show_plan(ctx)
        return
    if action is PlanAction.START or plan is None:
        await checkins.enrol(ctx.session, ctx.settings, ctx.resident, plan.times if plan else None)
    elif action is PlanAction.TIMES and value != "save":
        await ctx.state.update_data(plan_times=list(plan.times))
        await ctx.bot.send_message(ctx.chat_id, _("Tap the times you want, then «✅ Save»."), reply_markup=kb.plan_times(plan.times))
        return
    elif action is PlanAction.TOGGLE:
        chosen = set((await ctx.data()).get("plan_times", plan.times)) ^ {value}
        await ctx.state.update_data(plan_times=sorted(chosen))
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=kb.plan_times(chosen))
        return
    elif action is PlanAction.TIMES:
        chosen = (await ctx.data()).get("plan_times") or plan.times
        await checkins.change(ctx.session, ctx.settings, ctx.resident, plan, times=chosen)
    elif action is PlanAction.PAUSE:
        await ctx.bot.send_message(ctx.chat_id, _("For how long?"), reply_markup=kb.plan_pause())
        return
    elif action is PlanAction.PAUSE_DAYS and value.isdigit():
        until = checkins.pause_until(plan, ctx.resident, ctx.settings, int(value))
        await checkins.change(ctx.session, ctx.settings, ctx.resident, plan, paused_until=until)
    elif action is PlanAction.RESUME:
        await checkins.change(ctx.session, ctx.settings, ctx.resident, plan, paused_until=None)
    elif action is PlanAction.STOP:
        await checkins.change(ctx.session, ctx.settings, ctx.resident, plan, active=False)
    elif action is PlanAction.QUIET:
        await ctx.bot.send_message(ctx.chat_id, _("When should we not disturb you?"), reply_markup=kb.plan_quiet())
        return
    elif action is PlanAction.QUIET_SET and value in kb.QUIET_PRESETS:
        start, end = value.split("-")
        await checkins.change(ctx.session, ctx.settings, ctx.resident, plan, quiet=(start, end))
    await show_plan(ctx)
