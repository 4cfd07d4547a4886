"""Vulnerability flags: which a resident has, and reading them from a register cell (pure rules).

Codes are stable: the four original flags keep their boolean columns on Resident (lives_alone,
over_65, disability, chronic_illness; check-in offers and older data use them), every other code is
in Resident.other_flags. The configured list (VULNERABILITY_FLAGS) decides which are offered and in
what order; codes a resident holds that the list no longer names are kept and still shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from bot.core.config import FlagConfig
from db.models import Resident

COLUMN_FLAGS = ("lives_alone", "over_65", "disability", "chronic_illness")
_SPLIT_RE = re.compile(r"[;,，、；/|\n]+")


def codes_of(resident: Resident, configured: Sequence[FlagConfig] = ()) -> list[str]:
    """The resident's flag codes, configured ones first in the configured order, then any others."""
    held = [code for code in COLUMN_FLAGS if getattr(resident, code)] + list(resident.other_flags or [])
    order = {flag.code: i for i, flag in enumerate(configured)}
    return sorted(dict.fromkeys(held), key=lambda code: order.get(code, len(order)))


def fields_for(codes: Iterable[str], resident: Resident, decided: Iterable[str]) -> dict[str, object]:
    """Resident fields that set exactly `codes` among the `decided` ones; other held codes are kept.

    decided: every code the caller asked about (the buttons shown, the register's columns), so a code
    it did not ask about (one removed from the configuration since) is not dropped.
    """
    chosen, asked = set(codes), set(decided) | set(COLUMN_FLAGS) & set(codes)
    fields: dict[str, object] = {code: code in chosen for code in COLUMN_FLAGS if code in asked}
    kept = [code for code in resident.other_flags or [] if code not in asked]
    fields["other_flags"] = kept + [code for code in dict.fromkeys(codes) if code not in COLUMN_FLAGS and code not in kept]
    return fields


def lookup(configured: Sequence[FlagConfig], aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Every way a register may write a configured flag (its code, its names, the register aliases of
    its code), casefolded -> the code."""
    table: dict[str, str] = {}
    for flag in configured:
        for key in (flag.code, *flag.names.values(), *aliases.get(flag.code, ())):
            table.setdefault(normalize(key), flag.code)
    return table


def normalize(text: str) -> str:
    """A flag name compared case-, space- and underscore-insensitively."""
    return re.sub(r"[\s_\-]+", " ", text.replace("’", "'").strip().casefold())


def parse_cell(raw: str, table: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """'低保、独居' or 'low_income; over 65' -> (codes in order, the parts that are no known flag)."""
    codes: list[str] = []
    unknown: list[str] = []
    for part in _SPLIT_RE.split(raw):
        if not part.strip():
            continue
        code = table.get(normalize(part))
        if code is None:
            unknown.append(part.strip())
        elif code not in codes:
            codes.append(code)
    return codes, unknown
