"""Texts of the follow-ups after support: the resident's question and replies, the lines on the cards,
and what the worker hears."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.ui import checkin_texts, staff_texts, texts
from bot.ui.i18n import ngettext
from db.models import CheckinAnswer, FollowUp, Request, Resident, Staff


def question(resident: Resident, worker: Staff | None) -> str:
    """«How are you now?», naming the worker the resident talked to."""
    name = texts.q(resident.name, 100)
    if worker is not None:
        return _("🌱 {name}, after your talk with our social worker {worker} we would like to know: how are you now?").format(
            name=name, worker=texts.q(worker.name, 100))
    return _("🌱 {name}, after your talk with our social worker we would like to know: how are you now?").format(name=name)


def not_well_reply(worker: Staff | None, mine: bool) -> str:
    """What a resident who is not so well hears: who will contact them (`mine`: the same worker has it)."""
    if worker is not None and mine:
        text = _("Thank you for telling us. {worker} will contact you soon.").format(worker=texts.q(worker.name, 100))
    else:
        text = _("Thank you for telling us. A social worker will contact you soon.")
    return text + "\n" + _("If you like, write here what is on your mind.")


def planned(request: Request, when: str) -> str:
    """The old card: when the follow-up is to be asked (or that there is none)."""
    days = request.follow_up_days or 0
    if not days:
        return _("🔔 No follow-up")
    return ngettext("🔔 Follow-up in {n} day: {when}", "🔔 Follow-up in {n} days: {when}", days).format(n=days, when=when)


def asked(followup: FollowUp, when: str, opened: int | None) -> str:
    """The old card: the follow-up was asked; the answer so far, and the request it opened."""
    line = _("🔔 Follow-up asked {when}: {answer}").format(when=when, answer=checkin_texts.answer_label(followup.answer))
    if opened:
        line += " → " + texts.number(opened)
    return line


def linked(old_id: int, followup: FollowUp | None) -> str:
    """The new card: which request it follows up, and what the resident answered."""
    answer = checkin_texts.answer_label(followup.answer if followup else CheckinAnswer.NOT_WELL)
    return _("↩️ Follow-up of request {number}: the resident answered «{answer}»").format(
        number=texts.number(old_id), answer=answer)


def heard(followup: FollowUp, request: Request, worker: Staff | None, grace_minutes: int, in_group: bool) -> str:
    """What the worker hears: the resident is fine, or has not answered (`in_group`: said in the
    station's chat, so the worker is mentioned)."""
    number = texts.number(request.id or 0)
    if followup.answer == CheckinAnswer.MISSED:
        hours = max(1, round(grace_minutes / 60))
        text = ngettext(
            "🔕 Follow-up of request {number}: the resident has not answered for {n} hour. Please call them.",
            "🔕 Follow-up of request {number}: the resident has not answered for {n} hours. Please call them.",
            hours,
        ).format(number=number, n=hours)
    elif followup.silence_told_at is not None:
        text = _("🔔 Follow-up of request {number}: the resident answered late: {answer}.").format(
            number=number, answer=checkin_texts.answer_label(followup.answer))
    else:
        text = _("🔔 Follow-up of request {number}: the resident says they are fine.").format(number=number)
    if in_group and worker is not None:
        return f"{staff_texts.mention(worker)}: {text}"
    return text
