"""Texts of the regular medicines: the reminder, the filled-in order, «My medicines», and /meds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from bot.ui import texts
from bot.ui.i18n import ngettext
from db.models import Medicine, Resident


def day(value: date, locale: str, ends_sentence: bool = False) -> str:
    """A date in the reader's language (1 Dec 2026, 2026年12月1日, 5 груд. 2026 р.). `ends_sentence`: the text puts
    its own full stop after the date, so an abbreviation's dot at its end is dropped («… 2026 р.», not «р..»)."""
    shown = format_date(value, "medium", locale=locale)
    return shown.removesuffix(".") if ends_sentence else shown


def what(medicine: Medicine) -> str:
    """The medicine and its dose, escaped."""
    return texts.q(f"{medicine.name} {medicine.dose}".strip(), 300)


def reminder(resident: Resident, medicine: Medicine, days_left: int, locale: str) -> str:
    """The reminder that a medicine runs out soon, with the question whether to order it."""
    name = texts.q(resident.name, 100)
    if days_left <= 0:
        text = _("💊 {name}, your {medicine} runs out today.").format(name=name, medicine=what(medicine))
    else:
        text = ngettext(
            "💊 {name}, your {medicine} runs out in {n} day, on {date}.",
            "💊 {name}, your {medicine} runs out in {n} days, on {date}.", days_left,
        ).format(name=name, medicine=what(medicine), n=days_left,
                  date=day(medicine.runs_out_on, locale, ends_sentence=True))
    lines = [text, _("Shall we order more? One tap, and you check the request before it is sent.")]
    if medicine.do_not_interrupt:
        lines.append(_("This treatment must not be interrupted: if you do not answer, a social worker will call you."))
    return "\n".join(lines)


def order(medicine: Medicine) -> str:
    """The medicine request's text, filled in: name, dose, and the quantity for the next period (as typed
    by the resident: the request's free text, not escaped here)."""
    return ngettext("{medicine}: enough for {n} day", "{medicine}: enough for {n} days", medicine.days_supply).format(
        medicine=f"{medicine.name} {medicine.dose}".strip(), n=medicine.days_supply)


def line(medicine: Medicine, locale: str) -> str:
    """One medicine in «My medicines»."""
    marker = " 🧠" if medicine.do_not_interrupt else ""
    return _("• {medicine}{marker}: until {date}").format(medicine=what(medicine), marker=marker,
                                                           date=day(medicine.runs_out_on, locale))


def my_medicines(medicines: Sequence[Medicine], locale: str) -> str:
    """«My medicines»: what is recorded, and how to add one."""
    if not medicines:
        head = _("<b>My medicines</b>\nNothing recorded yet. Record a medicine you take regularly, and we "
                 "will remind you a few days before it runs out.")
        return head
    lines = [_("<b>My medicines</b>"), *(line(m, locale) for m in medicines),
             _("🧠: psychiatric treatment, do not interrupt")]
    return "\n".join(lines)


def ask_line() -> str:
    """How to write a medicine."""
    return _("Write the medicine, the dose and how many days your current supply lasts (or the date it runs "
             "out), separated by «;».\nFor example: <i>Metformin; 500 mg twice a day; 10</i>")


def ask_do_not_interrupt(medicine: str) -> str:
    """Whether the medicine is treatment that must not be interrupted."""
    return _("{medicine}\nIs it psychiatric treatment that must not be interrupted? Then a social worker is "
             "told if you do not answer its reminder.").format(medicine=texts.q(medicine, 300))


def staff_usage() -> str:
    """/meds help."""
    return _("Use: /meds (who runs out in the next 7 days), or /meds №N name; dose; days or date[; !] to record "
             "a regular medicine for the resident of request №N («!»: psychiatric treatment, do not interrupt).")


def recorded_for(number: int, medicine: Medicine, locale: str) -> str:
    """A worker recorded a medicine."""
    marker = " 🧠" if medicine.do_not_interrupt else ""
    return _("💊 Recorded for the resident of request {number}: {medicine}{marker}, runs out on {date}.").format(
        number=texts.number(number), medicine=what(medicine), marker=marker,
        date=day(medicine.runs_out_on, locale, ends_sentence=True))


def running_out(rows: Sequence[tuple[Medicine, str, int]], locale: str) -> str:
    """/meds: who runs out in the next 7 days (rows: medicine, who, days left), «do not interrupt» first."""
    if not rows:
        return _("Nobody's medicine runs out in the next 7 days.")
    lines = [ngettext("<b>💊 {n} medicine runs out in the next 7 days</b>",
                      "<b>💊 {n} medicines run out in the next 7 days</b>", len(rows)).format(n=len(rows))]
    for medicine, who, days_left in rows:
        marker = "🧠 " if medicine.do_not_interrupt else ""
        left = _("today") if days_left <= 0 else ngettext("in {n} day", "in {n} days", days_left).format(n=days_left)
        lines.append(f"{marker}{texts.q(who, 100)} · {what(medicine)} · {day(medicine.runs_out_on, locale)} ({left})")
    return "\n".join(lines)
