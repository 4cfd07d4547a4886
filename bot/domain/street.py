"""The street and building of an address without the flat: what a volunteer's delivery card may show
before someone has taken the delivery (the full address then goes privately to that volunteer only)."""

from __future__ import annotations

import re

#: Where the flat (or the unit and room) begins: Russian and Ukrainian «кв.», «квартира», «кімн.»,
#: English «apt», «flat», «room», «#»; Chinese 单元 (a stairwell), 室, 号房, 户.
_FLAT = re.compile(
    r"[,;\s]*(?:\b(?:кв|квартира|кварт|кімн|комн|ком|apt|apartment|flat|room|unit)\b\.?|#|№\s*кв)"
    r"|[,;\s]*\d+\s*(?:单元|室|号房|户)",
    re.IGNORECASE,
)
#: Chinese building words: everything after the building (栋, 幢, 号楼, 座) is inside it.
_BUILDING_ZH = re.compile(r"^(.*?\d+\s*(?:栋|幢|号楼|座))")
#: A number: the first one is taken as the building's, anything after the next separator as the flat's.
_NUMBER = re.compile(r"^(.*?\d+[^\s,;]*)")


def street_only(address: str | None) -> str:
    """The address up to the building: «вул. Європейська, 5, кв. 7» → «вул. Європейська, 5»,
    «下洋田社区 3栋 2单元 501» → «下洋田社区 3栋», «Lenina 5 34» → «Lenina 5». Without any number the
    whole text is kept (a street or a landmark); "" for no address."""
    text = " ".join((address or "").split())
    if not text:
        return ""
    building = _BUILDING_ZH.match(text)
    if building:
        return building.group(1).strip(" ,;")
    flat = _FLAT.search(text)
    if flat and flat.start() > 0:
        return text[:flat.start()].strip(" ,;")
    number = _NUMBER.match(text)
    return (number.group(1) if number else text).strip(" ,;")
