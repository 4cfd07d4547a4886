"""Community register: validate rows, enrol residents with invite codes, write invites, bind on /start CODE."""

from __future__ import annotations

import csv
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.domain.locale import guess_locale
from bot.domain.phones import format_phone, normalize_phone
from bot.services import checkins
from bot.domain import flags as flag_rules
from bot.domain.register_file import ALIASES, RawRow
from bot.services.residents import ADDRESS_MAX, NAME_MAX, is_registered
from bot.domain.schedule import fmt, parse_time
from db.models import Resident
from db.repo import checkins as checkins_repo
from db.repo import districts
from db.repo import residents as repo

log = logging.getLogger(__name__)

SOURCE_REGISTRY = "registry"
CODE_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
YES = {"yes", "y", "1", "true", "x", "+", "✓", "√", "是", "有", "да", "так", "д", "т"}
NO = {"", "no", "n", "0", "false", "-", "否", "无", "不是", "нет", "ні", "н"}
LANGUAGE_NAMES = {
    "中文": "zh", "汉语": "zh", "普通话": "zh", "chinese": "zh",
    "русский": "ru", "російська": "ru", "russian": "ru",
    "українська": "uk", "украинский": "uk", "ukrainian": "uk", "ua": "uk",
}
CHUNK = 500


@dataclass
class Entry:
    """A valid register row, ready to be stored."""

    line: int
    name: str
    phone: str
    address: str
    district_code: str
    locale: str
    times: list[str]
    flags: dict[str, bool]  # every flag the row decides: code -> set or not
    contact_name: str | None
    contact_phone: str | None
    times_given: bool = True  # whether the row has a check-in time column at all


@dataclass
class Rejected:
    """A row that was not imported, and why."""

    line: int
    reason: str


@dataclass
class Note:
    """Something an import did, or could not do, for one imported row (e.g. its new check-in times)."""

    line: int
    text: str


@dataclass
class Imported:
    """What an import did: everyone enrolled or updated (in file order), the rejections and notes."""

    people: list[Resident] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


# ------------------------------------------------------------------ validating rows


def district_lookup(settings: Settings) -> dict[str, str]:
    """Each district's code and names (any language, case-insensitive) -> its code."""
    lookup: dict[str, str] = {}
    for d in settings.districts:
        for key in (d.code, d.name, *d.names.values()):
            lookup.setdefault(key.strip().casefold(), d.code)
    return lookup


def parse_times(raw: str) -> list[str] | None:
    """'09:00;18:00', '9点、18点', '9.00 18.30' -> ['09:00', '18:00'] (sorted, unique, HH:MM); None when
    any part is not a time the bot itself reads (bot.domain.schedule.parse_time)."""
    parts = [p for p in re.split(r"[;,；，、/\s]+", raw) if p]
    times = set()
    for part in parts:
        parsed = parse_time(part)
        if parsed is None:
            return None
        times.add(fmt(parsed))
    return sorted(times)


def flag_columns(settings: Settings) -> dict[str, tuple[str, ...]]:
    """The yes/no column of each configured flag that is not built in: its code and its names."""
    return {f.code: (f.code, *f.names.values()) for f in settings.vulnerability_flags if f.code not in ALIASES}


def flag_table(settings: Settings) -> dict[str, str]:
    """How a register's flags column may write each configured flag -> its code."""
    return flag_rules.lookup(settings.vulnerability_flags, ALIASES)


def parse_flag(raw: str) -> bool | None:
    """yes/no in any of our languages; None when it is neither."""
    value = raw.strip().casefold()
    return True if value in YES else False if value in NO else None


def parse_language(raw: str, default: str) -> str | None:
    """A supported locale from a code or a language name; the default when empty."""
    value = raw.strip().casefold()
    if not value:
        return default
    return LANGUAGE_NAMES.get(value) or guess_locale(value)


def check_row(row: RawRow, settings: Settings, lookup: dict[str, str], table: dict[str, str] | None = None) -> Entry | Rejected:
    """Validate one row; the first problem found is the reason it is rejected."""
    cells = row.cells
    name, address = cells.get("name", ""), cells.get("address", "")
    if not name:
        return Rejected(row.line, "missing name")
    if len(name) > NAME_MAX:
        return Rejected(row.line, f"name longer than {NAME_MAX} characters")
    if not cells.get("phone"):
        return Rejected(row.line, "missing phone")
    phone = normalize_phone(cells["phone"], settings.phone_region)
    if phone is None:
        return Rejected(row.line, f"invalid phone {cells['phone']!r}")
    if not address:
        return Rejected(row.line, "missing address")
    if len(address) > ADDRESS_MAX:
        return Rejected(row.line, f"address longer than {ADDRESS_MAX} characters")
    if not cells.get("district"):
        return Rejected(row.line, "missing district")
    code = lookup.get(cells["district"].strip().casefold())
    if code is None:
        return Rejected(row.line, f"unknown district {cells['district']!r}")
    locale = parse_language(cells.get("language", ""), settings.default_locale)
    if locale is None:
        return Rejected(row.line, f"unknown language {cells['language']!r} (use zh, ru or uk)")
    times = parse_times(cells.get("checkin_time", ""))
    if times is None:
        return Rejected(row.line, f"bad check-in time {cells['checkin_time']!r} (use HH:MM, e.g. 09:00;18:00)")
    flags = check_flags(row, settings, table if table is not None else flag_table(settings))
    if isinstance(flags, Rejected):
        return flags
    contact_phone = None
    if cells.get("contact_phone"):
        contact_phone = normalize_phone(cells["contact_phone"], settings.phone_region)
        if contact_phone is None:
            return Rejected(row.line, f"invalid contact phone {cells['contact_phone']!r}")
    contact_name = cells.get("contact_name", "")[:NAME_MAX] or None
    return Entry(row.line, name, phone, address, code, locale, times, flags, contact_name, contact_phone,
                 times_given="checkin_time" in cells)


def check_flags(row: RawRow, settings: Settings, table: dict[str, str]) -> dict[str, bool] | Rejected:
    """The flags a row sets: yes/no columns and the flags column; every configured flag is decided
    (not named means not set), as are the four original ones."""
    cells = row.cells
    decided = dict.fromkeys([*flag_rules.COLUMN_FLAGS, *(f.code for f in settings.vulnerability_flags)], False)
    for code in decided:
        value = parse_flag(cells.get(code, ""))
        if value is None:
            return Rejected(row.line, f"bad {code} value {cells[code]!r} (use yes or no)")
        decided[code] = value
    listed, unknown = flag_rules.parse_cell(cells.get("flags", ""), table)
    if unknown:
        known = ", ".join(f.code for f in settings.vulnerability_flags)
        return Rejected(row.line, f"unknown flag {unknown[0]!r} (use one of: {known}, or their names)")
    for code in listed:
        decided[code] = True
    return decided


def check_rows(rows: Sequence[RawRow], settings: Settings) -> tuple[list[Entry], list[Rejected]]:
    """Split rows into valid entries and rejections; a phone seen on an earlier row is a rejection."""
    lookup, table = district_lookup(settings), flag_table(settings)
    entries: list[Entry] = []
    rejected: list[Rejected] = []
    first_line: dict[str, int] = {}
    for row in rows:
        result = check_row(row, settings, lookup, table)
        if isinstance(result, Entry) and result.phone in first_line:
            result = Rejected(row.line, f"same phone as line {first_line[result.phone]}")
        if isinstance(result, Rejected):
            rejected.append(result)
        else:
            first_line[result.phone] = row.line
            entries.append(result)
    return entries, rejected


# ------------------------------------------------------------------ storing


def new_code() -> str:
    """A random invite code: 16 characters of [A-Za-z0-9_-] (96 bits), fit for a t.me deep link."""
    return secrets.token_urlsafe(12)


async def _fresh_codes(session: AsyncSession, count: int) -> list[str]:
    """count invite codes that no resident holds yet."""
    codes: set[str] = set()
    while len(codes) < count:
        batch = {new_code() for _ in range(count - len(codes))} - codes
        codes |= batch - await repo.taken_codes(session, batch)
    return list(codes)


def _apply(resident: Resident, entry: Entry, district_id: int | None) -> None:
    """Copy the register's fields onto a record; a bound person's own language choice is kept."""
    resident.name, resident.phone, resident.address = entry.name, entry.phone, entry.address
    resident.district_id = district_id
    if resident.tg_user_id is None:
        resident.locale = entry.locale
    chosen = [code for code, value in entry.flags.items() if value]
    for name, value in flag_rules.fields_for(chosen, resident, entry.flags).items():
        setattr(resident, name, value)
    resident.contact_name, resident.contact_phone = entry.contact_name, entry.contact_phone
    resident.imported_checkin_times = list(entry.times)


def _match(candidates: Sequence[Resident]) -> dict[str, Resident]:
    """Per phone, the record an import updates: a register record first, else the oldest."""
    chosen: dict[str, Resident] = {}
    for resident in candidates:  # oldest first
        if not resident.phone:
            continue
        held = chosen.get(resident.phone)
        if held is None or (resident.source == SOURCE_REGISTRY and held.source != SOURCE_REGISTRY):
            chosen[resident.phone] = resident
    return chosen


async def store(
    session: AsyncSession, entries: Sequence[Entry], rejected: Sequence[Rejected], settings: Settings | None = None
) -> Imported:
    """Create or update (matched on the normalized phone) a resident per entry; codes are kept.

    With settings, changed check-in times reach the plans of people already registered through the
    bot; each such row gets a note saying what was done, or why not.
    """
    result = Imported(rejected=list(rejected))
    district_ids = {d.code: d.id for d in await districts.all_districts(session)}
    for start in range(0, len(entries), CHUNK):
        chunk = entries[start:start + CHUNK]
        existing = _match(await repo.by_phones(session, [e.phone for e in chunk]))
        codes = await _fresh_codes(session, sum(1 for e in chunk if not getattr(existing.get(e.phone), "invite_code", None)))
        for entry in chunk:
            resident = existing.get(entry.phone)
            if resident is None:
                resident, result.created = Resident(locale=entry.locale, source=SOURCE_REGISTRY), result.created + 1
            else:
                result.updated += 1
            before = list(resident.imported_checkin_times or [])
            _apply(resident, entry, district_ids.get(entry.district_code))
            if settings is not None and entry.times_given and entry.times != before and is_registered(resident):
                result.notes.append(Note(entry.line, await _apply_times(session, settings, resident, entry.times)))
            resident.invite_code = resident.invite_code or codes.pop()
            session.add(resident)
            result.people.append(resident)
        await session.flush()
    log.info("register import: %s created, %s updated, %s rejected", result.created, result.updated, len(result.rejected))
    return result


async def _apply_times(session: AsyncSession, settings: Settings, resident: Resident, times: list[str]) -> str:
    """Changed register times for a registered person: their plan takes them, or the reason it did not."""
    plan = await checkins_repo.plan_of(session, resident.id or 0)
    if not times:
        return "check-in times removed from the register; the person's plan is unchanged (staff: /checkin №N off)"
    if plan is None or not plan.active:
        log.info("register import: resident %s has no active check-in plan, times not applied", resident.id)
        return (f"check-in times {', '.join(times)} not applied: this person has no daily check-ins "
                "(declined or stopped); staff can start them with /checkin №N on")
    old = list(plan.times)
    await checkins.change(session, settings, resident, plan, times=times)
    log.info("register import: resident %s check-in times changed", resident.id)
    return f"check-in times now {', '.join(plan.times)} (were {', '.join(old)})"


# ------------------------------------------------------------------ invites


def invite_link(bot_username: str, code: str) -> str:
    """The t.me deep link that opens the bot with /start CODE."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def default_invite_path(source: Path, when: datetime, settings: Settings) -> Path:
    """invites-YYYYMMDD.csv next to the register file (date in the deployment's timezone)."""
    return source.with_name(f"invites-{when.astimezone(settings.tz):%Y%m%d}.csv")


def write_invites(path: Path, people: Sequence[Resident], settings: Settings, bot_username: str,
                  district_codes: dict[int, str]) -> None:
    """A CSV (UTF-8 with BOM, so spreadsheet programs show Chinese right) staff can print or read out."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "phone", "district", "language", "invite_link", "code"])
        for person in people:
            conf = settings.district(district_codes.get(person.district_id or 0, ""))
            writer.writerow([
                person.name, format_phone(person.phone or ""), conf.title(person.locale) if conf else "",
                person.locale, invite_link(bot_username, person.invite_code or ""), person.invite_code,
            ])


# ------------------------------------------------------------------ binding


class Binding(StrEnum):
    """What opening an invite link did."""

    BOUND = "bound"  # the account now belongs to the record (or already did)
    UNKNOWN = "unknown"  # no such code
    TAKEN = "taken"  # the code belongs to someone with another Telegram account
    OTHER_RECORD = "other_record"  # this account is already a registered resident


def valid_code(text: str | None) -> str | None:
    """The invite code in /start's argument, or None when it cannot be one."""
    value = (text or "").strip()
    return value if CODE_RE.fullmatch(value) else None


async def bind(session: AsyncSession, code: str | None, tg_user_id: int, chat_id: int,
               current: Resident | None) -> tuple[Binding, Resident | None]:
    """Tie a Telegram account to the record an invite code was issued to; never merges two people."""
    target = await repo.by_invite_code(session, code) if code else None
    if target is None:
        log.info("invite: unknown code from user %s", tg_user_id)
        return Binding.UNKNOWN, None
    if target.tg_user_id is not None and target.tg_user_id != tg_user_id:
        log.warning("invite: code of resident %s opened by another account %s", target.id, tg_user_id)
        return Binding.TAKEN, None
    if current is not None and current.id != target.id:
        if is_registered(current):
            log.warning("invite: user %s (resident %s) opened the code of resident %s", tg_user_id, current.id, target.id)
            return Binding.OTHER_RECORD, None
        _unbind(session, current)
        await session.flush()
    if target.tg_user_id is None:
        target.tg_user_id, target.chat_id, target.unreachable = tg_user_id, chat_id, False
        session.add(target)
        await session.flush()
        log.info("invite: resident %s bound to user %s", target.id, tg_user_id)
    return Binding.BOUND, target


def _unbind(session: AsyncSession, resident: Resident) -> None:
    """Free an unfinished registration's account; a bot-made record also drops its half-typed details."""
    log.info("invite: unfinished resident %s released by user %s", resident.id, resident.tg_user_id)
    resident.tg_user_id = resident.chat_id = resident.consent_at = None
    if resident.source != SOURCE_REGISTRY:
        resident.name = resident.phone = resident.address = None
    session.add(resident)


def release(session: AsyncSession, resident: Resident) -> None:
    """An invited person refused consent: unbind their account, the register record stays for staff."""
    if resident.source == SOURCE_REGISTRY and resident.consent_at is None and resident.tg_user_id is not None:
        log.info("invite: resident %s refused consent, account %s released", resident.id, resident.tg_user_id)
        resident.tg_user_id = resident.chat_id = None
        session.add(resident)


def ready_from_register(resident: Resident | None) -> bool:
    """Whether consent completes the registration: a register record with every detail."""
    return (
        resident is not None and resident.source == SOURCE_REGISTRY
        and all((resident.name, resident.phone, resident.address, resident.district_id))
    )


def invited_name(resident: Resident | None) -> str | None:
    """The name to greet an invited person with before they consent, else None."""
    if resident is None or resident.source != SOURCE_REGISTRY or resident.consent_at is not None:
        return None
    return resident.name or None
