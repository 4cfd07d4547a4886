"""Texts people read, rendered in the current locale; every piece of user text is HTML-escaped."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n.context import get_i18n

from bot.core.config import FlagConfig
from bot.core.languages import LOCALES
from bot.ui.i18n import N_, ngettext
from bot.domain import flags as flag_rules
from bot.domain.draft import Draft
from bot.domain.items import Item, format_items
from bot.domain.locale import format_datetime_for
from bot.domain.phones import mask_contacts
from bot.services.requests import photos_of  # noqa: F401  (the draft summary counts them; intake reads them)
from db.models import Request, RequestKind, RequestStatus, Resident, Urgency

KIND_LABELS = {
    RequestKind.SUPPLIES: N_("Food and supplies"),
    RequestKind.MEDICINE: N_("Medicine"),
    RequestKind.PSYCH: N_("Psychological support"),
    RequestKind.WELLBEING: N_("Wellbeing check-in"),
}
STATUS_LABELS = {
    RequestStatus.NEW: N_("waiting for a social worker"),
    RequestStatus.CLAIMED: N_("accepted by a social worker"),
    RequestStatus.ON_THE_WAY: N_("on the way"),
    RequestStatus.DONE: N_("done"),
    RequestStatus.RECEIVED: N_("received"),
    RequestStatus.FAILED: N_("could not be fulfilled"),
    RequestStatus.CANCELLED: N_("cancelled"),
}
FLAG_LABELS = {
    "lives_alone": N_("Lives alone"),
    "over_65": N_("Over 65"),
    "disability": N_("Has a disability"),
    "chronic_illness": N_("Chronic illness"),
    "low_income": N_("Low income, subsistence allowance"),
    "children": N_("Family with children"),
    "veteran": N_("Veteran"),
    "pregnancy": N_("Pregnant"),
}
EMERGENCY_LABELS = {
    "ambulance": N_("Ambulance"),
    "police": N_("Police"),
    "fire": N_("Fire service"),
    "crisis_line": N_("Crisis line (24 hours)"),
    "hotline": N_("Social help hotline"),
    "emergency": N_("Emergency"),
}
CALL_TIMES = {
    "morning": N_("Morning"),
    "afternoon": N_("Afternoon"),
    "evening": N_("Evening"),
    "any": N_("Any time"),
}

MAX_SHOWN = 900  # characters of one free-text field shown in a summary or card


def q(text: str | None, limit: int = MAX_SHOWN) -> str:
    """Escape user text for HTML, shortened for display (the full text stays stored)."""
    text = (text or "").strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text, quote=False)


def number(request_id: int) -> str:
    """The short number a resident sees."""
    return f"№{request_id}"


def kind_label(kind: str) -> str:
    """A request kind in the current locale."""
    return _(KIND_LABELS[RequestKind(kind)])


def flag_label(code: str, configured: Sequence[FlagConfig] = ()) -> str:
    """A flag's name in the current language: its configured name, the bot's translation of a built-in
    code, the configured English name, or the code itself (HTML-escaped)."""
    names = next((f.names for f in configured if f.code == code), {})
    locale = get_i18n().current_locale
    if names.get(locale):
        return escape(names[locale], quote=False)
    if code in FLAG_LABELS:
        return _(FLAG_LABELS[code])
    return escape(names.get("en") or code, quote=False)


def flags_line(resident: Resident, configured: Sequence[FlagConfig] = ()) -> str:
    """The resident's vulnerability flags, comma-separated in the configured order ("—" if none)."""
    return ", ".join(flag_label(code, configured) for code in flag_rules.codes_of(resident, configured)) or "—"


def emergency_numbers(numbers: Mapping[str, str]) -> str:
    """The deployment's emergency numbers, one a line."""
    lines = [_("Emergency numbers:")]
    for key, phone in numbers.items():
        label = _(EMERGENCY_LABELS[key]) if key in EMERGENCY_LABELS else escape(key)
        lines.append(f"☎️ {label}: <b>{escape(phone)}</b>")
    return "\n".join(lines)


def emergency(numbers: Mapping[str, str], marked: bool = True) -> str:
    """Shown at once to someone who may be in danger; `marked`: an urgent request stands for them."""
    lines = [
        _("🆘 <b>If you are in danger or might hurt yourself, call now. You are not alone.</b>"),
        emergency_numbers(numbers),
    ]
    if marked:
        lines.append(_("We have marked your request as urgent. A social worker will contact you as soon as possible."))
    return "\n".join(lines)


def illness(numbers: Mapping[str, str]) -> str:
    """Shown to someone who said they feel ill (the check-in's «I feel ill»)."""
    return "\n".join([
        _("🩺 We are sorry you feel ill. <b>If it is urgent, call an ambulance now.</b>"),
        emergency_numbers(numbers),
        _("A social worker has been told and will call you."),
    ])


#: The language picker's question; asked in every language of LOCALES at once, each from its catalogue.
CHOOSE_LANGUAGE = N_("Choose your language")


def language_question() -> str:
    """«请选择语言 · Выберите язык · Оберіть мову»: the question in each of the bot's languages."""
    i18n = get_i18n()
    return " · ".join(i18n.gettext(CHOOSE_LANGUAGE, locale=locale) for locale in LOCALES)


def safety_question() -> str:
    """Asked when a message may mean the person is in danger, but not surely."""
    return _("We want to be sure you are all right. <b>Are you safe right now?</b>")


ITEMS_SHOWN = 1500  # characters of item lines in one message, well inside Telegram's 4096 UTF-16 units


def item_lines(items: Sequence[Item]) -> str:
    """Numbered item lines, cut with "…and N more" so the message always fits (all items stay stored)."""
    lines: list[str] = []
    used = 0
    formatted = format_items(items)
    for i, line in enumerate(formatted, start=1):
        text = f"{i}. {q(line, 120)}"
        if used + len(text.encode("utf-16-le")) // 2 > ITEMS_SHOWN:
            rest = len(formatted) - i + 1
            lines.append(ngettext("…and {n} more item", "…and {n} more items", rest).format(n=rest))
            break
        lines.append(text)
        used += len(text.encode("utf-16-le")) // 2 + 1
    return "\n".join(lines)


def items_count(n: int) -> str:
    """'3 items' with the right plural form."""
    return ngettext("{n} item", "{n} items", n).format(n=n)


#: How a wizard step's answer (Draft.answers, then Request.answers: step key -> value) reads in the
#: resident's summary, on the staff card and in the claimer's details; each step (bot/ui/wizard)
#: adds its own line when it is declared.
ANSWER_LINES: dict[str, Callable[[str], str | None]] = {}


def answer_lines(answers: Mapping[str, str]) -> list[str]:
    """The lines of the steps' own answers, in the order they were given."""
    lines = (ANSWER_LINES[key](value) for key, value in answers.items() if key in ANSWER_LINES)
    return [line for line in lines if line]


def draft_details(data: Mapping[str, Any]) -> list[str]:
    """The kind-specific lines of a draft or request summary (data: a Draft's fields, or a request's as
    its card shows them)."""
    lines: list[str] = []
    items = [Item(name, qty) for name, qty in data.get("items", [])]
    if items:
        lines.append(f"<b>{items_count(len(items))}:</b>\n{item_lines(items)}")
    if data.get("medicine"):
        lines.append(_("<b>Medicine and dose:</b> {text}").format(text=q(data["medicine"])))
    photos = len(data.get("photos", []))
    if photos == 1:
        lines.append(_("📷 Photo attached"))
    elif photos > 1:
        lines.append(ngettext("📷 {n} photo attached", "📷 {n} photos attached", photos).format(n=photos))
    if data.get("feeling"):
        lines.append(_("<b>How you feel:</b> {text}").format(text=q(data["feeling"])))
    if data.get("call_time"):
        lines.append(_("<b>Good time to call:</b> {text}").format(text=call_time_label(data["call_time"])))
    voices = len(data.get("voices", []))
    if voices:
        lines.append(ngettext("🎤 {n} voice message", "🎤 {n} voice messages", voices).format(n=voices))
    return lines + answer_lines(data.get("answers", {}))


def call_time_label(value: str) -> str:
    """A call time chosen by button, or typed."""
    return _(CALL_TIMES[value]) if value in CALL_TIMES else q(value, 200)


def urgency_label(urgency: str) -> str:
    """Urgent or normal, in words."""
    return _("🔴 Urgent") if urgency == Urgency.URGENT else _("Normal")


def summary(draft: Draft) -> str:
    """The draft shown back to the resident before they confirm."""
    lines = [_("<b>Please check your request</b>"), _("Type: {kind}").format(kind=kind_label(draft.kind))]
    lines += draft_details(draft.model_dump())
    lines.append(_("Urgency: {urgency}").format(urgency=urgency_label(draft.urgency)))
    lines.append(_("Address: {address}").format(address=q(draft.address, 300)))
    lines.append(_("Is everything right? Press «Send the request»."))
    return "\n".join(lines)


def confirmation(request: Request) -> str:
    """Sent when a request is stored."""
    return _(
        "✅ Your request {number} ({kind}) has been registered.\n"
        "A social worker will take it soon and we will tell you at every step.\n"
        "You can follow it under «📋 My requests»."
    ).format(number=number(request.id or 0), kind=kind_label(request.kind))


def status_label(status: str) -> str:
    """A request status in words."""
    return _(STATUS_LABELS[RequestStatus(status)])


def request_line(request: Request, locale: str, tz: str) -> str:
    """One line of 'My requests'."""
    when = format_datetime_for(request.created_at, locale, tz)
    urgent = " 🔴" if request.urgency == Urgency.URGENT else ""
    return f"<b>{number(request.id or 0)}</b> {kind_label(request.kind)}{urgent} — {status_label(request.status)}\n    {when}"


def my_requests(requests: Sequence[Request], locale: str, tz: str) -> str:
    """The resident's request list."""
    if not requests:
        return _("You have no requests yet. Choose what you need from the menu below.")
    head = ngettext("You have {n} request:", "Your {n} latest requests:", len(requests)).format(n=len(requests))
    return "\n".join([head, *(request_line(r, locale, tz) for r in requests)])


def edit_lines(request: Request) -> list[str]:
    """The resident's corrections after sending (from edited messages), oldest first."""
    return [_("✏️ Corrected by the resident: {text}").format(text=q(text, 500)) for text in request.edits]


def staff_card(
    request: Request, items: Sequence[Item], resident: Resident, district: str, when: str,
    configured: Sequence[FlagConfig] = (), who: str | None = None,
) -> str:
    """The card social workers see: no phone, no exact address. who: the person as the check-in card
    names them (CHECKINS__CARD_NAME), None for no name line."""
    urgent = "🔴 " + _("URGENT") + " " if request.urgency == Urgency.URGENT else ""
    def shown(value: str | None) -> str | None:  # free text: no phone number or address in the group
        return mask_contacts(value, resident.address) if value else value

    data = {
        "items": [(i.name, i.quantity) for i in items],
        "medicine": shown(request.medicine),
        "photos": request.photo_file_ids or ([request.photo_file_id] if request.photo_file_id else []),
        "feeling": shown(request.details) if request.kind == RequestKind.PSYCH else None,
        "call_time": shown(request.call_time),
        "voices": request.voice_file_ids,
        "answers": request.answers,
    }
    flags = flags_line(resident, configured)
    lines = [
        f"{urgent}<b>{number(request.id or 0)}</b> · {kind_label(request.kind)}",
        _("District: {district}").format(district=q(district, 100)),
        *([_("Who: {name}").format(name=q(who, 100))] if who else []),
        _("Resident: {flags}").format(flags=flags),
        *draft_details(data),
        *[mask_contacts(line, resident.address) for line in edit_lines(request)],
        _("Filed: {when}").format(when=when),
    ]
    if request.danger:
        lines.insert(1, _("⚠️ The resident may be in danger: call them first."))
    return "\n".join(lines)


def fmt_when(at: datetime, locale: str, tz: str) -> str:
    """A stored time in a person's language and timezone."""
    return format_datetime_for(at, locale, tz)
