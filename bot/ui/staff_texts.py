"""Texts of the staff side (cards, reminders, details for the claimer) and the resident's status messages."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.utils.i18n import gettext as _

from bot.ui import checkin_texts, texts
from bot.core.config import FlagConfig
from bot.ui.i18n import N_, ngettext
from bot.domain.items import Item
from bot.domain.phones import format_phone, mask_contacts
from db.models import Request, RequestKind, RequestStatus, Resident, Staff

FAIL_REASONS = {
    "stock": N_("Not available anywhere"),
    "unreachable": N_("Could not reach the resident"),
    "area": N_("Outside our area"),
    "other": N_("Other reason"),
}
#: Why a request is referred to another district's station (Transfer). "other" asks for a typed reason.
REFERRAL_REASONS = {
    "area": N_("Lives in their area"),
    "service": N_("Needs a service we don't have"),
    "busy": N_("We are overloaded"),
    "other": N_("Other: type it"),
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
    if request.status == RequestStatus.DONE and request.kind == RequestKind.WELLBEING:
        return _("✅ Closed by {name}: the resident was reached").format(name=name)
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
    configured: Sequence[FlagConfig] = (), who: str | None = None,
) -> str:
    """The full staff card: the summary, its status, and hints (configured: the deployment's flags;
    who: the person's name as a check-in card shows it)."""
    lines = [texts.staff_card(request, items, resident, district, when, configured, who), *extra, "",
             status_line(request, claimer)]
    if resident.unreachable:
        lines.append(_("⚠️ The resident has blocked the bot: call them instead of writing."))
    if claimer is not None and request.status in ("claimed", "on_the_way"):
        if request.details_undelivered == "blocked":
            lines.append(
                _("⚠️ The phone and address were not delivered to {name}: the bot is blocked. {name}: open the bot "
                  "and press Start (or Restart) to receive them.").format(name=mention(claimer))
            )
        elif request.details_undelivered is not None:
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


def worker_details(
    request: Request, items: Sequence[Item], resident: Resident, district: str, configured: Sequence[FlagConfig] = ()
) -> str:
    """Everything the claimer needs, sent privately: phone and address included."""
    data = {
        "items": [(i.name, i.quantity) for i in items],
        "medicine": request.medicine,
        "photos": request.photo_file_ids or ([request.photo_file_id] if request.photo_file_id else []),
        "feeling": request.details if request.kind == RequestKind.PSYCH else None,
        "call_time": request.call_time,
        "voices": request.voice_file_ids,
        "answers": request.answers,
    }
    lines = [
        _("<b>You took request {number}</b> · {kind}").format(number=texts.number(request.id or 0), kind=texts.kind_label(request.kind)),
        _("Resident: {name}").format(name=texts.q(resident.name, 100)),
        _("Phone: {value}").format(value=format_phone(resident.phone) if resident.phone else "—"),
        _("Address: {address}").format(address=texts.q(request.address or resident.address, 300)),
        _("District: {district}").format(district=texts.q(district, 100)),
        _("Situation: {flags}").format(flags=texts.flags_line(resident, configured)),
        *texts.draft_details(data),
        *texts.edit_lines(request),
    ]
    if request.kind == RequestKind.SUPPLIES and request.details:
        lines.append(_("As written: {text}").format(text=texts.q(request.details)))
    if request.kind == RequestKind.WELLBEING:
        lines.append(checkin_texts.reason(request))
    if resident.contact_name or resident.contact_phone:
        contact = " ".join(filter(None, [texts.q(resident.contact_name, 100),
                                         format_phone(resident.contact_phone) if resident.contact_phone else None]))
        lines.append(_("Contact (relative): {contact}").format(contact=contact))
    return "\n".join(lines)


def follow_up(request: Request, text: str | None, voice: str | None, photo: str | None) -> str:
    """What the resident wrote again to a request, for its claimer (privately)."""
    lines = [_("✉️ The resident of request {number} wrote again:").format(number=texts.number(request.id or 0))]
    if text:
        lines.append(f"«{texts.q(text)}»")
    if voice:
        lines.append(_("🎤 A voice message (below)."))
    if photo:
        lines.append(_("📷 A photo (below)."))
    return "\n".join(lines)


FOLLOW_UPS_SHOWN = 3


def follow_up_lines(wrote: Sequence[tuple[str, dict]], claimer: Staff | None) -> list[str]:
    """The card's note that the resident wrote again: (when, event data) oldest first.

    While the request waits for a claim the card shows the latest few (the claimer gets all of them
    privately); once claimed it only says to whom they went.
    """
    if not wrote:
        return []
    if claimer is not None and claimer.has_private_chat:
        return [_("✉️ The resident wrote again ({when}); sent to {name} privately.").format(
            when=wrote[-1][0], name=mention(claimer))]
    lines = []
    for when, data in wrote[-FOLLOW_UPS_SHOWN:]:
        parts = [f"«{texts.q(mask_contacts(data['text']), 300)}»"] if data.get("text") else []
        if data.get("voice"):
            parts.append(_("🎤 voice message"))
        if data.get("photo"):
            parts.append(_("📷 photo"))
        lines.append(_("✉️ The resident wrote again ({when}): {what}").format(when=when, what=" ".join(parts)))
    return lines


def corrected(request: Request, text: str) -> str:
    """To the claimer, privately: the resident edited a message of their request after sending it."""
    return _("✏️ The resident of request {number} corrected their message:\n{text}").format(
        number=texts.number(request.id or 0), text=texts.q(text))


def referral_reason(code: str | None, note: str | None) -> str | None:
    """A referral's reason as staff read it: the typed words, or the chosen reason's label (escaped)."""
    if note:
        return texts.q(note, 300)
    if code in REFERRAL_REASONS and code != "other":
        return _(REFERRAL_REASONS[code])
    return None


def referrals(history: Sequence[tuple[str, str, str, str | None]]) -> list[str]:
    """Where a transferred request came from, and why: (district, worker, when, reason or None) per referral."""
    lines = []
    for district, name, when, reason in history:
        fields = {"district": texts.q(district, 100), "name": texts.q(name, 100), "when": when}
        if reason:
            lines.append(_("↪️ Referred from {district} by {name}, {when}: {reason}").format(reason=reason, **fields))
        else:
            lines.append(_("↪️ Referred from {district} by {name}, {when}").format(**fields))
    return lines


def released_left(name: str) -> str:
    """On the card of a request put back in the queue because its worker left the staff chat."""
    return _("↩️ Back in the queue: {name} left this chat.").format(name=texts.q(name, 100))


def you_left(released: Sequence[Request]) -> str:
    """Told privately to someone who left a staff group while holding requests."""
    return ngettext(
        "You left the staff group, so request {numbers} went back to the queue there. If you are still "
        "handling it, join the group again, send /join and tell your team.",
        "You left the staff group, so requests {numbers} went back to the queue there. If you are still "
        "handling them, join the group again, send /join and tell your team.",
        len(released),
    ).format(numbers=", ".join(texts.number(r.id or 0) for r in released))


def member_left(name: str, released: Sequence[Request], coordinator: Staff | None) -> str:
    """Told to the staff chat when someone who held requests (or coordinated it) left."""
    lines = []
    if released:
        numbers = ", ".join(texts.number(r.id or 0) for r in released)
        lines.append(ngettext(
            "👋 {name} left this chat. Their request {numbers} is back in the queue: who can take it?",
            "👋 {name} left this chat. Their requests {numbers} are back in the queue: who can take them?",
            len(released),
        ).format(name=texts.q(name, 100), numbers=numbers))
    else:
        lines.append(_("👋 {name} left this chat.").format(name=texts.q(name, 100)))
    if coordinator is not None:
        lines.append(_("{name} now coordinates this chat (nobody from ADMINS has joined it).").format(name=mention(coordinator)))
    return "\n".join(lines)


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


def transferred(request: Request, district: str, reason: str | None = None) -> str:
    """Told to the resident when another station takes over. Of the reasons only "area" and "service"
    are told, as they explain the move; "we are overloaded" and typed words stay among the staff."""
    fields = {"number": texts.number(request.id or 0), "district": texts.q(district, 100)}
    if reason == "area":
        return _("Request {number} has been passed to the social work station of {district}, which serves your "
                 "address. They will contact you.").format(**fields)
    if reason == "service":
        return _("Request {number} has been passed to the social work station of {district}, which can offer the "
                 "help you need. They will contact you.").format(**fields)
    return _("Request {number} has been passed to the social work station of {district}. They will contact you.").format(**fields)


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


def digest_line(
    request: Request, items: Sequence[Item], resident: Resident | None, district: str, status: str,
    configured: Sequence[FlagConfig] = (), who: str | None = None,
) -> str:
    """One request in a digest: number, kind, district, who (check-in escalations), a short summary,
    flags and status."""
    urgent = "🔴 " if request.urgency == "urgent" else ""
    if items:
        summary = ", ".join(texts.format_items(items))
    elif request.kind == RequestKind.WELLBEING:  # details holds the check-in's reason key
        summary = checkin_texts.reason(request)
    else:
        summary = mask_contacts(request.medicine or request.details or "", resident.address if resident else None)
    flags = texts.flags_line(resident, configured) if resident else "—"
    head = f"{urgent}<b>{texts.number(request.id or 0)}</b> · {texts.kind_label(request.kind)} · {texts.q(district, 60)}"
    danger = "\n" + _("⚠️ The resident may be in danger: call them first.") if request.danger else ""
    named = "\n" + _("Who: {name}").format(name=texts.q(who, 100)) if who else ""
    return f"{head}{danger}{named}\n{texts.q(summary, 160)}\n{flags}\n{status}"


def topic_unreachable() -> str:
    """The first line of a card that could not be posted in its district's forum topic."""
    return _("⚠️ This district's forum topic could not be reached (it may have been deleted), so this card is in the main thread.")


def card_undeliverable(request: Request, district: str) -> str:
    """Told in the main staff chat when a request's card could not be posted in its station's chat."""
    urgent = "🔴 " if request.urgency == "urgent" else ""
    head = _("⚠️ Request {number} could not be posted in its station's chat: the bot was removed from it. "
             "Add the bot to that chat again and its open requests will be posted there.").format(
        number=texts.number(request.id or 0))
    return f"{head}\n{urgent}<b>{texts.number(request.id or 0)}</b> · {texts.kind_label(request.kind)} · {texts.q(district, 60)}"


def details_removed(request_id: int, retention_days: int | None) -> str:
    """What a claimer's private details message becomes once the resident's data is gone."""
    if retention_days is None:
        return _("The resident erased their personal data; the details of request {number} were removed.").format(
            number=texts.number(request_id))
    return ngettext(
        "The details of request {number} were removed: it closed more than {days} day ago.",
        "The details of request {number} were removed: it closed more than {days} days ago.",
        retention_days,
    ).format(number=texts.number(request_id), days=retention_days)
