"""Texts of the daily check-ins, for residents and staff."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.utils.i18n import gettext as _

from bot.ui import texts
from bot.ui.i18n import N_
from db.models import Checkin, CheckinPlan, Request, Resident

ANSWERS = {
    "fine": N_("I'm fine"),
    "not_well": N_("not so well"),
    "help": N_("needs help"),
    "missed": N_("no answer"),
    "pending": N_("no answer yet"),
}
REASONS = {
    "missed": N_("No answer to the daily check-in, not even after a reminder."),
    "unreachable": N_("The daily check-in could not be delivered: the resident blocked the bot or the account is gone."),
    "help": N_("The resident pressed «I need help» in the daily check-in."),
    "health": N_("The resident says they feel ill."),
    "medicine": N_("No answer to the reminder that a medicine marked «do not interrupt» (psychiatric treatment) runs out soon."),
}


def question(resident: Resident, reminder: bool) -> str:
    """The daily question (or its reminder)."""
    name = texts.q(resident.name, 100)
    if reminder:
        return _("{name}, we have not heard from you yet today. Are you OK? Please press a button.").format(name=name)
    return _("☀️ Good day, {name}! Are you OK today?").format(name=name)


def answer_label(value: str) -> str:
    """An answer in words."""
    return _(ANSWERS.get(value, ANSWERS["pending"]))


def reason(request: Request) -> str:
    """Why a wellbeing request was raised, in words (request.details holds the reason's key)."""
    return _(REASONS.get(request.details or "missed", REASONS["missed"]))


def wellbeing_lines(request: Request, last: Checkin | None, open_requests: Sequence[Request], locale: str, tz: str) -> list[str]:
    """Extra lines of a check-in escalation card: why, the last answer, open requests, a late answer."""
    lines = [reason(request)]
    if last is not None and last.answered_at is not None:
        lines.append(_("Last answer: {answer}, {when}").format(
            answer=answer_label(last.answer), when=texts.fmt_when(last.answered_at, locale, tz)))
    else:
        lines.append(_("Last answer: none yet"))
    if open_requests:
        listed = ", ".join(f"{texts.number(r.id or 0)} {texts.kind_label(r.kind)}" for r in open_requests)
        lines.append(_("Open requests: {list}").format(list=listed))
    if request.late_answer and request.late_answer_at:
        lines.append(_("💬 The resident answered at {when}: {answer}").format(
            when=texts.fmt_when(request.late_answer_at, locale, tz), answer=answer_label(request.late_answer)))
    return lines


def plan_text(plan: CheckinPlan | None, locale: str, paused: bool = True) -> str:
    """The resident's plan in words (paused: whether its pause is still running)."""
    if plan is None or not plan.active:
        return _("You have no daily check-ins. With them we ask you every day whether you are OK, "
                 "and a social worker is told if you do not answer.")
    lines = [_("<b>Daily check-in</b> at {times}").format(times=", ".join(plan.times))]
    if plan.quiet_start != plan.quiet_end:
        lines.append(_("Quiet hours: {start}–{end}").format(start=plan.quiet_start, end=plan.quiet_end))
    if plan.paused_until is not None and paused:
        from babel.dates import format_date

        lines.append(_("Paused until {date}").format(date=format_date(plan.paused_until, "medium", locale=locale)))
    return "\n".join(lines)
