"""Texts of the volunteers' side: the /volunteer sign-up, the coordinators' application card and list,
the delivery card (never the flat, the phone or anything about health), the volunteer's private copy,
and what the resident and the worker are told."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.utils.i18n import gettext as _

from bot.domain.items import Item
from bot.domain.phones import format_phone
from bot.domain.street import street_only
from bot.services.volunteers import Roster
from bot.ui import staff_texts, texts
from bot.ui.i18n import N_, ngettext
from db.models import Delivery, DeliveryStatus, Request, RequestKind, Resident, Staff, Volunteer, VolunteerStatus

SKILL_LABELS = {
    "deliver": N_("🛒 Deliver supplies"),
    "medicine": N_("💊 Collect medicine"),
    "calls": N_("📞 Phone calls"),
}
AVAILABILITY = {
    "weekdays": N_("Weekdays"),
    "evenings": N_("Evenings"),
    "weekends": N_("Weekends"),
    "any": N_("Any time"),
}
FAIL_REASONS = {
    "not_home": N_("Nobody at home"),
    "no_stock": N_("Could not get the items"),
    "cannot_go": N_("I can't go after all"),
    "other": N_("Other reason"),
}
#: Why a delivery was taken back from a volunteer.
RETURN_REASONS = {
    "volunteer_suspended": N_("the volunteer was suspended"),
    "volunteer_removed": N_("the volunteer was removed"),
    "withdrawn": N_("the request was closed, released or transferred"),
    "volunteer_erased": N_("the volunteer deleted their data"),
    "volunteer_unreachable": N_("the bot cannot write to the volunteer privately"),
}
REFUSALS = {
    "not_volunteer": N_("Only approved volunteers can take deliveries. Send /volunteer to the bot to sign up."),
    "not_approved": N_("Your volunteer account is not active."),
    "not_their_district": N_("This delivery is outside your districts or what you signed up for."),
    "taken": N_("Another volunteer has already taken this delivery."),
    "gone": N_("This no longer exists."),
    "not_yours": N_("This is not yours to change."),
    "wrong_state": N_("This cannot be done any more."),
    "not_this_message": N_("This button does not belong to this message."),
    "no_volunteers": N_("This district has no volunteers' chat and no approved volunteer who can do this."),
    "not_deliverable": N_("Only supplies and medicine can be handed to volunteers."),
    "already_handed": N_("This delivery is already with the volunteers."),
    "wrong_chat": N_("This request belongs to another station's chat."),
}
STATUS_NAMES = {
    VolunteerStatus.PENDING: N_("waiting for approval"),
    VolunteerStatus.APPROVED: N_("approved"),
    VolunteerStatus.SUSPENDED: N_("suspended"),
    VolunteerStatus.DECLINED: N_("declined"),
    VolunteerStatus.REMOVED: N_("removed"),
}

NAME_PROMPT = N_("🙋 Thank you for wanting to help! What is your name? You can press the button below to use your "
                 "Telegram name.")
PHONE_PROMPT = N_("Your phone number, so that the workers can reach you: press «📱 Share my phone number» below.")
PHONE_NOT_OWN = N_("Please share your own number with the button «📱 Share my phone number».")
DISTRICTS_PROMPT = N_("Which districts can you cover? Tap every one that applies, then «Next step ▶️».")
SKILLS_PROMPT = N_("What can you do? Tap everything that applies, then «Next step ▶️».")
AVAILABILITY_PROMPT = N_("When are you usually available? Choose below or type it (for example «weekdays after 18:00»).")
RULES = N_(
    "<b>The volunteers' rules</b>\n"
    "• When you take a delivery you see the resident's first name, phone and full address, only to deliver it.\n"
    "• Do not keep them: do not save the number, do not write the address down, do not pass them on. "
    "After the delivery the bot removes them from your chat.\n"
    "• You never see anything about the resident's health or situation; do not ask.\n"
    "• The social worker stays responsible; if anything is wrong, press «Can't deliver».\n\n"
    "Do you agree?"
)
SIGNED_UP = N_("✅ Thank you! A coordinator will look at your application; I will tell you here.")
NO_CONSENT = N_("All right, nothing was saved. You can sign up later with /volunteer.")
PENDING = N_("Your application is waiting for a coordinator.")
ALREADY = N_("You are already an approved volunteer.")
BARRED = N_("Your volunteer account is suspended or removed; please talk to the coordinator.")
PICK_ONE = N_("Please choose at least one.")


def who(volunteer: Volunteer | None) -> str:
    """A volunteer's name as messages show it (escaped), a neutral label once they erased their data, "?"
    when unknown."""
    if volunteer is None:
        return "?"
    return texts.q(volunteer.name, 100) if volunteer.name else _("a volunteer (data deleted)")


def erased_label() -> str:
    """What replaces the name of a volunteer who erased their data in messages already sent."""
    return _("a volunteer (data deleted)")


def application_erased(volunteer_id: int) -> str:
    """The application card once the volunteer erased their data (no name, no phone, no buttons)."""
    return _("🙋 Volunteer application #{id}: the volunteer deleted their data.").format(id=volunteer_id)


def skill_list(skills: Sequence[str]) -> str:
    """What a volunteer can do, in words."""
    return ", ".join(_(SKILL_LABELS[s]) for s in skills if s in SKILL_LABELS) or "—"


def availability_label(value: str) -> str:
    """A choice of AVAILABILITY, or the typed words (escaped)."""
    return _(AVAILABILITY[value]) if value in AVAILABILITY else texts.q(value, 200)


def application_card(volunteer: Volunteer, districts: str, decided_by: Staff | None = None) -> str:
    """The coordinators' card of an application (with its outcome once decided)."""
    lines = [
        _("🙋 <b>Volunteer application</b> #{id}").format(id=volunteer.id),
        _("Name: {name}").format(name=texts.q(volunteer.name, 100)),
        _("Phone: {value}").format(value=format_phone(volunteer.phone)),
        _("Districts: {districts}").format(districts=districts),
        _("Can do: {skills}").format(skills=skill_list(volunteer.skills)),
        _("Available: {when}").format(when=availability_label(volunteer.availability)),
    ]
    if volunteer.status == VolunteerStatus.PENDING:
        lines.append(_("Waiting for a coordinator."))
    else:
        lines.append(_("Status: {status} ({name})").format(
            status=_(STATUS_NAMES[VolunteerStatus(volunteer.status)]),
            name=staff_texts.mention(decided_by) if decided_by else "?"))
    return "\n".join(lines)


def decided(volunteer: Volunteer, chats: Sequence[str], here: Sequence[str]) -> str:
    """What the volunteer is told of a coordinator's decision (chats: their districts that have a volunteers'
    chat, here: the others, whose deliveries come to the private chat; both as names)."""
    if volunteer.status == VolunteerStatus.APPROVED:
        parts = [_("✅ You are an approved volunteer.")]
        if chats:
            parts.append(_("Deliveries in {districts} are offered in the volunteers' chat there (a coordinator adds "
                           "you to it).").format(districts=", ".join(chats)))
        if here:
            parts.append(_("Deliveries in {districts} are offered to you here.").format(districts=", ".join(here)))
        parts.append(_("One tap on «🙋 I'll take it» takes a delivery."))
        return " ".join(parts)
    if volunteer.status == VolunteerStatus.DECLINED:
        return _("Thank you for offering to help. A coordinator has declined your application this time.")
    if volunteer.status == VolunteerStatus.SUSPENDED:
        return _("Your volunteer account is suspended; your deliveries in progress went back to the social workers.")
    return _("You are no longer a volunteer; your deliveries in progress went back to the social workers.")


def window(request: Request) -> str:
    """The time window of a delivery."""
    return _("today, as soon as possible") if request.urgency == "urgent" else _("within 1–2 days")


def delivery_card(delivery: Delivery, request: Request, items: Sequence[Item], district: str,
                  volunteer: Volunteer | None) -> str:
    """The card in the volunteers' chat (or a volunteer's private chat): what, where (street and
    building only) and when. Never the flat, the phone, the name, the health flags, the danger marker,
    the resident's situation or their own words."""
    lines = [_("📦 <b>Delivery</b> {number} · {kind}").format(number=texts.number(request.id or 0),
                                                              kind=texts.kind_label(request.kind))]
    if request.kind == RequestKind.MEDICINE:
        lines.append(_("<b>Medicine and dose:</b> {text}").format(text=texts.q(request.medicine, 300)))
    elif items:
        lines.append(f"<b>{texts.items_count(len(items))}:</b>\n{texts.item_lines(items)}")
    lines += [
        _("District: {district}").format(district=texts.q(district, 100)),
        _("Street: {street}").format(street=texts.q(street_only(request.address), 200) or "—"),
        _("When: {window}").format(window=window(request)),
    ]
    if delivery.status == DeliveryStatus.OFFERED:
        lines.append(_("Who can take it?"))
    elif delivery.status in (DeliveryStatus.TAKEN, DeliveryStatus.PICKED_UP, DeliveryStatus.DELIVERED):
        lines.append(_("✋ Taken by {name}").format(name=who(volunteer)))
    else:
        lines.append(_("Closed."))
    return "\n".join(lines)


def first_name(name: str | None) -> str:
    """The first word of a name (escaped)."""
    return texts.q((name or "").split()[0] if (name or "").split() else "—", 50)


def private_copy(delivery: Delivery, request: Request, items: Sequence[Item], resident: Resident) -> str:
    """The taker's private copy: the full address, the resident's first name and phone, what to bring."""
    lines = [
        _("📦 <b>You are delivering {number}</b> · {kind}").format(number=texts.number(request.id or 0),
                                                                 kind=texts.kind_label(request.kind)),
        _("Address: {address}").format(address=texts.q(request.address or resident.address, 300)),
        _("Resident: {name}").format(name=first_name(resident.name)),
        _("Phone: {value}").format(value=format_phone(resident.phone) if resident.phone else "—"),
        _("When: {window}").format(window=window(request)),
    ]
    if request.kind == RequestKind.MEDICINE:
        lines.append(_("<b>Medicine and dose:</b> {text}").format(text=texts.q(request.medicine, 300)))
    elif items:
        lines.append(f"<b>{texts.items_count(len(items))}:</b>\n{texts.item_lines(items)}")
    lines += texts.answer_lines(request.answers)
    lines.append(_("Please do not keep the address or the phone. Press the buttons below as you go."))
    return "\n".join(lines)


def private_copy_closed(request: Request, status: str) -> str:
    """The taker's private copy once the delivery ended: no address or phone any more."""
    number = texts.number(request.id or 0)
    if status == DeliveryStatus.DELIVERED:
        return _("✅ Delivery {number}: delivered. Thank you! The address and phone were removed.").format(number=number)
    return _("↩️ Delivery {number} went back to the social worker. The address and phone were removed.").format(
        number=number)


def photo_offer() -> str:
    """After «Delivered»: the optional photo."""
    return _("If you like, send a photo of the delivered order now (optional).")


def resident_told(request: Request, volunteer: Volunteer) -> str:
    """The resident hears who is bringing the order."""
    return _("🙋 A volunteer, {name}, is bringing your order {number}. Your social worker is still in charge of it.").format(
        name=who(volunteer), number=texts.number(request.id or 0))


def back_to_worker(request: Request, volunteer: Volunteer | None, status: str, reason: str | None) -> str:
    """The worker hears that a delivery came back to them."""
    name = who(volunteer)
    if status == DeliveryStatus.FAILED:
        why = _(FAIL_REASONS.get(reason or "other", FAIL_REASONS["other"]))
        return _("↩️ Request {number}: volunteer {name} could not deliver ({reason}). The delivery is yours again.").format(
            number=texts.number(request.id or 0), name=name, reason=why)
    if reason == "unreachable":
        return _("↩️ Request {number}: no volunteer could be reached privately. The delivery is yours again.").format(
            number=texts.number(request.id or 0))
    why = _(RETURN_REASONS.get(reason or "", RETURN_REASONS["volunteer_removed"]))
    return _("↩️ Request {number}: the delivery was taken back from volunteer {name} ({reason}). It is yours again.").format(
        number=texts.number(request.id or 0), name=name, reason=why)


def stalled(request: Request, hours: int, worker: Staff | None) -> str:
    """The worker's nudge: a handed-over delivery did not move on."""
    return ngettext(
        "⏰ {name}: the delivery of request {number} handed to volunteers has not moved on for {n} hour.",
        "⏰ {name}: the delivery of request {number} handed to volunteers has not moved on for {n} hours.", hours,
    ).format(name=staff_texts.mention(worker) if worker else "?", number=texts.number(request.id or 0), n=hours)


def card_lines(steps: Sequence[tuple[Delivery, Volunteer | None, str]]) -> list[str]:
    """Every volunteer step on the staff card: (delivery, its volunteer, a formatted time of the last step)."""
    lines = []
    for delivery, volunteer, when in steps:
        name = who(volunteer)
        if delivery.status == DeliveryStatus.OFFERED:
            lines.append(_("🙋 Handed to volunteers {when}; nobody has taken it yet").format(when=when))
        elif delivery.status == DeliveryStatus.TAKEN:
            lines.append(_("🙋 Volunteer {name} took the delivery {when}").format(name=name, when=when))
        elif delivery.status == DeliveryStatus.PICKED_UP:
            lines.append(_("🚚 Volunteer {name} picked it up {when}").format(name=name, when=when))
        elif delivery.status == DeliveryStatus.DELIVERED:
            line = _("✅ Volunteer {name} delivered it {when}").format(name=name, when=when)
            if delivery.photo_file_id:
                line += " " + _("(photo sent to the worker)")
            lines.append(line)
        elif delivery.status == DeliveryStatus.FAILED:
            why = _(FAIL_REASONS.get(delivery.reason or "other", FAIL_REASONS["other"]))
            lines.append(_("↩️ Volunteer {name} could not deliver {when}: {reason}").format(name=name, when=when, reason=why))
        elif delivery.reason == "unreachable":
            lines.append(_("↩️ Handed to volunteers; no volunteer could be reached privately {when}").format(when=when))
        else:
            why = _(RETURN_REASONS.get(delivery.reason or "", RETURN_REASONS["volunteer_removed"]))
            lines.append(_("↩️ Taken back from volunteer {name} {when}: {reason}").format(name=name, when=when, reason=why))
    return lines


def roster(listing: Roster, districts: dict[str, str]) -> str:
    """/volunteers: the totals, then one line per volunteer with their deliveries."""
    approved = listing.count(VolunteerStatus.APPROVED)
    lines = [
        ngettext("🙋 <b>{n} approved volunteer</b>", "🙋 <b>{n} approved volunteers</b>", approved).format(n=approved),
        ngettext("{n} active (a delivery in the last 7 days or now)", "{n} active (a delivery in the last 7 days or now)",
                 listing.active).format(n=listing.active),
        ngettext("{n} waiting for approval", "{n} waiting for approval",
                 listing.count(VolunteerStatus.PENDING)).format(n=listing.count(VolunteerStatus.PENDING)),
    ]
    if listing.count(VolunteerStatus.SUSPENDED):
        lines.append(ngettext("{n} suspended", "{n} suspended", listing.count(VolunteerStatus.SUSPENDED)).format(
            n=listing.count(VolunteerStatus.SUSPENDED)))
    lines.append("")
    for line in listing.lines:
        volunteer = line.volunteer
        where = ", ".join(texts.q(districts.get(code, code), 50) for code in volunteer.districts)
        lines.append(_("#{id} {name} · {status} · {districts}").format(
            id=volunteer.id, name=texts.q(volunteer.name, 100), status=_(STATUS_NAMES[VolunteerStatus(volunteer.status)]),
            districts=where))
        lines.append("   " + ngettext("{n} delivered", "{n} delivered", line.delivered).format(n=line.delivered)
                     + " · " + ngettext("{n} in progress", "{n} in progress", line.busy).format(n=line.busy)
                     + " · " + ngettext("{n} not delivered", "{n} not delivered", line.failed).format(n=line.failed))
    if not listing.lines:
        lines.append(_("Nobody has signed up yet: volunteers send /volunteer to the bot."))
    lines.append("")
    lines.append(_("Coordinators: /volunteers suspend N, /volunteers remove N, /volunteers restore N."))
    return "\n".join(lines)


def changed(volunteer: Volunteer) -> str:
    """The coordinator's confirmation of /volunteers suspend|remove|restore."""
    return _("Volunteer #{id} {name}: {status}.").format(
        id=volunteer.id, name=texts.q(volunteer.name, 100), status=_(STATUS_NAMES[VolunteerStatus(volunteer.status)]))


def refusal(reason: str) -> str:
    """A refused press or command (plain text: shown as an alert)."""
    return _(REFUSALS.get(reason, REFUSALS["wrong_state"]))
