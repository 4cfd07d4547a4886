"""Texts of the staff side (cards, reminders, details for the claimer) and the resident's status messages."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.utils.i18n import gettext as _

from bot import texts
from bot.i18n import N_, ngettext
from bot.services.items import Item
from bot.services.phones import format_phone
from db.models import Request, RequestKind, RequestStatus, Resident, Staff

FAIL_REASONS = {
    "stock": N_("Not available anywhere"),
    "unreachable": N_("Could not reach the resident"),
    "area": N_("Outside our area"),
    "other": N_("Other reason"),
}
REFUSALS = {
    "not_staff": N_("Only registered staff can do this. Send /join in the staff group first."),
    "wrong_chat": N_("This request belongs to another station's chat."),
    "gone": N_("This request no longer exists."),
    "taken": N_("Already taken by {name}."),
    "not_yours": N_("This request is handled by {name}; only they or a coordinator can change it."),
    "wrong_state": N_("This cannot be done in the request's current state."),
    "not_this_message": N_("This button does not belong to this message."),
}


def mention(member: Staff) -> str:
    """A clickable mention of a staff member."""
    return f'<a href="tg://user?id={member.tg_user_id}">{escape(member.name, quote=False)}</a>'


def refusal(reason: str, holder: str | None) -> str:
    """Short answer to a refused button press (plain text: shown as an alert)."""
    return _(REFUSALS[reason]).format(name=holder or "?")


def status_line(request: Request, claimer: Staff | None) -> str:
    """Where the request stands, on its card."""
    name = mention(claimer) if claimer else "?"
    if request.status == RequestStatus.NEW:
        return _("🆕 Waiting for a social worker")
    if request.status == RequestStatus.CLAIMED:
        return _("✋ Taken by {name}").format(name=name)
    if request.status == RequestStatus.ON_THE_WAY:
        return _("🚚 On the way ({name})").format(name=name)
    if request.status == RequestStatus.DONE:
        return _("✅ Done by {name}; waiting for the resident to confirm").format(name=name)
    if request.status == RequestStatus.RECEIVED:
        return _("✅ Done by {name}; the resident confirmed receipt").format(name=name)
    if request.status == RequestStatus.FAILED:
        reason = _(FAIL_REASONS.get(request.fail_reason or "other", FAIL_REASONS["other"]))
        return _("❌ Could not be fulfilled ({name}): {reason}").format(name=name, reason=reason)
    return _("🚫 Cancelled by the resident")


def card(
    request: Request, items: Sequence[Item], resident: Resident, district: str, when: str,
    claimer: Staff | None, on_duty: Sequence[Staff], extra: Sequence[str] = (),
) -> str:
    """The full staff card: the summary, its status, and hints."""
    lines = [texts.staff_card(request, items, resident, district, when), *extra, "", status_line(request, claimer)]
    if resident.unreachable:
        lines.append(_("⚠️ The resident has blocked the bot: call them instead of writing."))
    if claimer is not None and not claimer.has_private_chat and request.status in ("claimed", "on_the_way"):
        lines.append(
            _("⚠️ {name}: open a private chat with this bot and press Start to receive the resident's phone and address.")
            .format(name=mention(claimer))
        )
    if request.status == RequestStatus.NEW and on_duty:
        lines.append(_("On duty: {names}").format(names=", ".join(mention(m) for m in on_duty)))
    return "\n".join(lines)


def transferred_card(request: Request, target: str) -> str:
    """What stays in the old chat after a referral."""
    return _("➡️ Request {number} was transferred to {district}.").format(
        number=texts.number(request.id or 0), district=texts.q(target, 100)
    )


def worker_details(request: Request, items: Sequence[Item], resident: Resident, district: str) -> str:
    """Everything the claimer needs, sent privately: phone and address included."""
    data = {
        "items": [(i.name, i.quantity) for i in items],
        "medicine": request.medicine,
        "photo": request.photo_file_id,
        "feeling": request.details if request.kind == RequestKind.PSYCH else None,
        "call_time": request.call_time,
        "voice": request.voice_file_ids,
    }
    lines = [
        _("<b>You took request {number}</b> · {kind}").format(number=texts.number(request.id or 0), kind=texts.kind_label(request.kind)),
        _("Resident: {name}").format(name=texts.q(resident.name, 100)),
        _("Phone: {value}").format(value=format_phone(resident.phone) if resident.phone else "—"),
        _("Address: {address}").format(address=texts.q(request.address or resident.address, 300)),
        _("District: {district}").format(district=texts.q(district, 100)),
        _("Situation: {flags}").format(flags=texts.flags_line(resident.model_dump())),
        *texts.draft_details(data),
    ]
    if request.kind == RequestKind.SUPPLIES and request.details:
        lines.append(_("As written: {text}").format(text=texts.q(request.details)))
    if request.kind == RequestKind.WELLBEING:
        from bot import checkin_texts

        lines.append(_(checkin_texts.REASONS.get(request.details or "missed", checkin_texts.REASONS["missed"])))
    if resident.contact_name or resident.contact_phone:
        contact = " ".join(filter(None, [texts.q(resident.contact_name, 100),
                                         format_phone(resident.contact_phone) if resident.contact_phone else None]))
        lines.append(_("Contact (relative): {contact}").format(contact=contact))
    return "\n".join(lines)


def referrals(history: Sequence[tuple[str, str, str]]) -> list[str]:
    """Where a transferred request came from: (district, worker, when) per referral."""
    return [_("↪️ Referred from {district} by {name}, {when}").format(district=texts.q(district, 100),
                                                                  name=texts.q(name, 100), when=when)
            for district, name, when in history]


def accepted(request: Request, worker: str) -> str:
    """Told to the resident when a worker claims the request."""
    return _("✅ Your request {number} has been accepted. Social worker {name} is handling it.").format(
        number=texts.number(request.id or 0), name=texts.q(worker, 100)
    )


def on_the_way(request: Request) -> str:
    """Told to the resident when help is on its way."""
    return _("🚚 Help for request {number} is on the way.").format(number=texts.number(request.id or 0))


def done(request: Request) -> str:
    """Told to the resident when the worker marks the request done."""
    return _(
        "✅ Request {number} is done. Did you receive everything? Please press a button; "
        "you can also rate the help from 1 to 5 stars."
    ).format(number=texts.number(request.id or 0))


def failed(request: Request) -> str:
    """Told to the resident when the request cannot be fulfilled."""
    reason = _(FAIL_REASONS.get(request.fail_reason or "other", FAIL_REASONS["other"]))
    return _("We are sorry: request {number} could not be fulfilled ({reason}). You can file a new one from the menu.").format(
        number=texts.number(request.id or 0), reason=reason
    )


def transferred(request: Request, district: str) -> str:
    """Told to the resident when another station takes over."""
    return _("Request {number} has been passed to the social work station of {district}. They will contact you.").format(
        number=texts.number(request.id or 0), district=texts.q(district, 100)
    )


def reminder(request: Request, minutes: int, on_duty: Sequence[Staff]) -> str:
    """An unclaimed request, reminded in the staff chat."""
    urgent = "🔴 " if request.urgency == "urgent" else ""
    text = ngettext(
        "⏰ {urgent}Request {number} has been waiting for {n} minute. Who can take it?",
        "⏰ {urgent}Request {number} has been waiting for {n} minutes. Who can take it?",
        minutes,
    ).format(urgent=urgent, number=texts.number(request.id or 0), n=minutes)
    return text + ("\n" + ", ".join(mention(m) for m in on_duty) if on_duty else "")


def escalation(request: Request, minutes: int, coordinators: Sequence[Staff]) -> str:
    """An unclaimed request, escalated to the coordinators."""
    text = ngettext(
        "🚨 Request {number} is still unclaimed after {n} minute. Coordinators, please assign it.",
        "🚨 Request {number} is still unclaimed after {n} minutes. Coordinators, please assign it.",
        minutes,
    ).format(number=texts.number(request.id or 0), n=minutes)
    return text + ("\n" + ", ".join(mention(m) for m in coordinators) if coordinators else "")


def nudge(request: Request, hours: int, claimer: Staff | None) -> str:
    """A claimed request that is taking long."""
    who = mention(claimer) + ": " if claimer else ""
    return who + ngettext(
        "⏳ Request {number} was taken {n} hour ago and is not done yet. Is everything all right?",
        "⏳ Request {number} was taken {n} hours ago and is not done yet. Is everything all right?",
        hours,
    ).format(number=texts.number(request.id or 0), n=hours)


def not_received(request: Request) -> str:
    """The resident says the help did not arrive."""
    return _("⚠️ The resident says request {number} was NOT received. It is open again.").format(
        number=texts.number(request.id or 0)
    )


def digest_line(request: Request, items: Sequence[Item], resident: Resident | None, district: str, status: str) -> str:
    """One request in a digest: number, kind, district, a short summary, flags and status."""
    urgent = "🔴 " if request.urgency == "urgent" else ""
    if items:
        summary = ", ".join(texts.format_items(items))
    else:
        summary = request.medicine or request.details or ""
    flags = texts.flags_line(resident.model_dump()) if resident else "—"
    head = f"{urgent}<b>{texts.number(request.id or 0)}</b> · {texts.kind_label(request.kind)} · {texts.q(district, 60)}"
    danger = "\n" + _("⚠️ The resident may be in danger: call them first.") if request.danger else ""
    return f"{head}{danger}\n{texts.q(summary, 160)}\n{flags}\n{status}"
