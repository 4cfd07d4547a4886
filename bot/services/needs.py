"""/needs: the open supplies and medicine requests of some districts as a packing and purchase list
(items by name and unit with their sums), the items whose quantity could not be read, the medicines by
name and dose with how many residents need them, and the delivery round by address."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.items import parse_items
from bot.domain.quantities import Line, Unread, add_up, dose_of, key, parse_quantity
from bot.services.reports import Scope
from db.repo import reports as repo

#: At most this many open items are read (the list says when there were more).
MAX_ITEMS = 20_000
#: At most this many open medicine requests are read.
MAX_MEDICINE = 5_000


@dataclass
class Medicine:
    """A medicine and dose, the residents who need it and their requests."""

    name: str
    dose: str
    residents: set[int] = field(default_factory=set)
    requests: list[int] = field(default_factory=list)


@dataclass
class Stop:
    """One address of the delivery round and what goes there: (request id, [(name, quantity)], medicine)."""

    address: str
    requests: list[tuple[int, list[tuple[str, str]], str]] = field(default_factory=list)


@dataclass
class Needs:
    """The list of one scope."""

    scope: Scope
    lines: list[Line]
    unread: list[Unread]
    medicines: list[Medicine]
    stops: list[Stop]
    to_kg: bool
    truncated: bool


def medicines_of(rows: list[tuple[int, int, str]]) -> list[Medicine]:
    """(request id, resident id, text) → medicines by name and dose, the most needed first. Pieces that are
    only an amount ("2 упаковки") belong to the medicine before them and are not medicines themselves."""
    found: dict[tuple[str, str], Medicine] = {}
    for request_id, resident_id, text in rows:
        for item in parse_items(text):
            whole = f"{item.name} {item.quantity}".strip()
            if parse_quantity(whole) is not None or not item.name.strip() or item.name.strip().isdigit():
                continue
            rest, dose = dose_of(whole)
            name = (parse_items(rest)[:1] or [item])[0].name if rest else item.name
            medicine = found.setdefault((key(name), dose), Medicine(name, dose))
            medicine.residents.add(resident_id)
            if request_id not in medicine.requests:
                medicine.requests.append(request_id)
    return sorted(found.values(), key=lambda m: (-len(m.residents), key(m.name), m.dose))


async def build(session: AsyncSession, chosen: Scope, to_kg: bool) -> Needs:
    """The needs of the chosen districts now."""
    ids = chosen.ids
    items = await repo.open_items(session, ids, MAX_ITEMS + 1)
    truncated = len(items) > MAX_ITEMS
    items = items[:MAX_ITEMS]
    lines, unread = add_up(((r, name, quantity) for r, _d, _a, name, quantity in items), to_kg)
    medicine_rows = await repo.open_medicine(session, ids, MAX_MEDICINE + 1)
    truncated = truncated or len(medicine_rows) > MAX_MEDICINE
    medicine_rows = medicine_rows[:MAX_MEDICINE]
    stops: dict[str, Stop] = {}
    for request_id, _district, address, name, quantity in items:
        stop = stops.setdefault((address or "").strip(), Stop((address or "").strip()))
        if not stop.requests or stop.requests[-1][0] != request_id:
            stop.requests.append((request_id, [], ""))
        stop.requests[-1][1].append((name, quantity))
    for request_id, _resident, address, text in medicine_rows:
        stop = stops.setdefault((address or "").strip(), Stop((address or "").strip()))
        stop.requests.append((request_id, [], text))
    ordered = sorted(stops.values(), key=lambda s: (not s.address, s.address))
    medicines = medicines_of([(r, p, text) for r, p, _a, text in medicine_rows])
    return Needs(chosen, lines, unread, medicines, ordered, to_kg, truncated)
