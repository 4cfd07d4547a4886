"""/needs as the chat reads it: the purchase list with amounts in the chat's language (units with their
plural forms), the unread quantities with their requests, the medicines; the delivery round (addresses)
as a separate text for one worker privately. Every resident's word is escaped."""

from __future__ import annotations

from fractions import Fraction

from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal

from bot.core.config import Settings
from bot.domain.quantities import Line
from bot.services.needs import Needs
from bot.ui import texts
from bot.ui.i18n import N_, ngettext
from bot.ui.report_texts import district_title, num, split_messages

#: Units written after the number without a plural (abbreviations and Chinese measure words).
PLAIN_UNITS = {
    "jin": N_("{n} jin"), "liang": N_("{n} liang"), "kg": N_("{n} kg"), "g": N_("{n} g"), "mg": N_("{n} mg"),
    "l": N_("{n} l"), "ml": N_("{n} ml"), "pcs": N_("{n} pcs"),
}
#: Containers, which take plural forms.
COUNTED_UNITS = ("pack", "bag", "bottle", "box", "can", "loaf")
#: The order units are listed in within a line.
UNIT_ORDER = ("kg", "jin", "liang", "g", "l", "ml", "pcs", "pack", "bag", "bottle", "box", "can", "loaf", "mg")


def amount(value: Fraction, unit: str, locale: str) -> str:
    """"3斤", "1,5 кг", "2 пачки": a summed amount in the chat's language."""
    shown = num(int(value), locale) if value.denominator == 1 else format_decimal(round(float(value), 2), locale=locale)
    if unit in PLAIN_UNITS:
        return _(PLAIN_UNITS[unit]).format(n=shown)
    if unit in COUNTED_UNITS:
        # a fraction takes the form of "a few" (ru/uk: 1,5 пачки), i.e. that of 2
        count = int(value) if value.denominator == 1 else 2
        return counted(unit, count).format(n=shown)
    return f"{shown}{texts.q(unit, 8)}"  # another Chinese measure word (条, 根…)


def counted(unit: str, count: int) -> str:
    """The plural form of a container for a count ("{n} пачки")."""
    if unit == "pack":
        return ngettext("{n} pack", "{n} packs", count)
    if unit == "bag":
        return ngettext("{n} bag", "{n} bags", count)
    if unit == "bottle":
        return ngettext("{n} bottle", "{n} bottles", count)
    if unit == "box":
        return ngettext("{n} box", "{n} boxes", count)
    if unit == "can":
        return ngettext("{n} can", "{n} cans", count)
    return ngettext("{n} loaf", "{n} loaves", count)


def line_text(line: Line, locale: str) -> str:
    """"青菜 — 3斤 · 2 requests"."""
    parts = [amount(line.amounts[u], u, locale) for u in sorted(line.amounts, key=lambda u: (
        UNIT_ORDER.index(u) if u in UNIT_ORDER else len(UNIT_ORDER), u))]
    if line.without_amount:
        parts.append(ngettext("{n} without an amount", "{n} without amounts", line.without_amount).format(
            n=num(line.without_amount, locale)))
    requests = ngettext("{n} request", "{n} requests", len(line.requests)).format(n=num(len(line.requests), locale))
    return f"• {texts.q(line.name, 100)} — {' + '.join(parts)} · {requests}"


def where(needs: Needs, settings: Settings, locale: str) -> str:
    """The districts the list covers."""
    if needs.scope.everything and len(needs.scope.districts) != 1:
        return _("all districts")
    return ", ".join(district_title(settings, d.code, d.name, locale) for d in needs.scope.districts)


def render(needs: Needs, settings: Settings, locale: str, round_sent: bool | None) -> list[str]:
    """The list for the group, split at Telegram's limit. round_sent: the delivery round went privately
    (True), could not (False: no private chat), or there is none (None)."""
    lines = [_("<b>Needs of open requests</b> · {where}").format(where=where(needs, settings, locale))]
    if not needs.lines and not needs.unread and not needs.medicines:
        lines.append(_("No open supplies or medicine requests."))
        return split_messages(lines)
    if needs.lines:
        lines += ["", _("<b>To buy and pack</b>") + (" " + _("(斤 and 克 in kg)") if needs.to_kg else "")]
        lines += [line_text(line, locale) for line in needs.lines]
    if needs.unread:
        lines += ["", _("<b>Quantity not read</b> (check the request)")]
        lines += [f"• {texts.number(u.request_id)} {texts.q(u.name, 100)} — {texts.q(u.quantity, 60)}" for u in needs.unread]
    if needs.medicines:
        lines += ["", _("<b>Medicines</b>")]
        for medicine in needs.medicines:
            who = ngettext("{n} resident", "{n} residents", len(medicine.residents)).format(n=num(len(medicine.residents), locale))
            numbers = ", ".join(texts.number(r) for r in medicine.requests[:20]) + ("…" if len(medicine.requests) > 20 else "")
            dose = f" {texts.q(medicine.dose, 20)}" if medicine.dose else ""
            lines.append(f"• {texts.q(medicine.name, 100)}{dose} — {who} ({numbers})")
    if needs.truncated:
        lines += ["", _("⚠️ Too many open requests: the list shows the first of them only.")]
    if round_sent is True:
        lines += ["", _("The delivery round (addresses) was sent to you privately.")]
    elif round_sent is False:
        lines += ["", _("To get the delivery round with the addresses, open a private chat with me and press Start.")]
    return split_messages(lines)


def delivery_round(needs: Needs, settings: Settings, locale: str) -> list[str]:
    """The delivery round, by address, for one worker privately (addresses stay out of the group)."""
    lines = [_("<b>Delivery round</b> · {where}").format(where=where(needs, settings, locale))]
    for stop in needs.stops:
        address = texts.q(stop.address, 200) if stop.address else _("(no address)")
        lines += ["", f"<b>{address}</b>"]
        for request_id, items, medicine in stop.requests:
            what = ", ".join(f"{texts.q(name, 60)} {texts.q(quantity, 30)}".strip() for name, quantity in items)
            if medicine:
                what = "💊 " + texts.q(medicine, 200)
            lines.append(f"{texts.number(request_id)}: {what}")
    return split_messages(lines)
