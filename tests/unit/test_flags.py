"""Unit tests for bot.domain.flags: which flags a resident holds, setting them, reading a register cell."""

from __future__ import annotations

from bot.core.config import DEFAULT_FLAG_CODES, FlagConfig
import pytest

from bot.domain import flags
from bot.domain.register_file import ALIASES
from db.models import Resident

CONFIGURED = [FlagConfig(code=code) for code in DEFAULT_FLAG_CODES]


def resident(**fields: object) -> Resident:
    return Resident(locale="zh", **fields)


def test_codes_of_in_configured_order_unknown_codes_last() -> None:
    """Column flags and other_flags together; codes the list no longer names come last, not lost."""
    person = resident(over_65=True, lives_alone=True, other_flags=["dialysis", "low_income"])
    assert flags.codes_of(person, CONFIGURED) == ["lives_alone", "over_65", "low_income", "dialysis"]
    assert flags.codes_of(resident()) == []


def test_fields_for_sets_exactly_the_decided_codes_and_keeps_the_rest() -> None:
    """Only the codes asked about change; an undecided held code (removed from the list) stays."""
    person = resident(lives_alone=True, disability=True, other_flags=["dialysis", "veteran"])
    decided = ["lives_alone", "over_65", "veteran", "low_income"]
    fields = flags.fields_for(["over_65", "low_income"], person, decided)
    assert fields == {"lives_alone": False, "over_65": True, "other_flags": ["dialysis", "low_income"]}


def test_parse_cell_by_code_and_name_in_each_language() -> None:
    """«低保、独居», «малоимущие; Старше 65», «Сім'я з дітьми», codes; unknown parts are returned."""
    table = flags.lookup([*CONFIGURED, FlagConfig(code="dialysis", names={"zh": "透析"})], ALIASES)
    assert flags.parse_cell("低保、独居", table) == (["low_income", "lives_alone"], [])
    assert flags.parse_cell("малоимущие; Старше 65", table) == (["low_income", "over_65"], [])
    assert flags.parse_cell("Сім’я з дітьми / veteran / Pregnancy", table) == (["children", "veteran", "pregnancy"], [])
    assert flags.parse_cell("透析,特困,低保", table) == (["dialysis", "low_income"], [])
    assert flags.parse_cell("有钱人；独居", table) == (["lives_alone"], ["有钱人"])
    assert flags.parse_cell("", table) == ([], [])


@pytest.mark.parametrize(
    ("text", "normalized"),
    [("Lives_Alone", "lives alone"), ("  over-65 ", "over 65"), ("сім’я з дітьми", "сім'я з дітьми"), ("低保", "低保")],
)
def test_normalize(text: str, normalized: str) -> None:
    """Case, spaces, underscores, dashes and the typographic apostrophe do not matter."""
    assert flags.normalize(text) == normalized


def test_lookup_knows_codes_names_and_aliases_first_flag_wins() -> None:
    """Every spelling of a configured flag points at its code; a name two flags share keeps the first."""
    configured = [FlagConfig(code="diabetes", names={"ru": "Диабет", "zh": "糖尿病"}),
                  FlagConfig(code="sugar", names={"ru": "диабет"})]
    table = flags.lookup(configured, {"diabetes": ["сахарный диабет"]})
    assert table == {"diabetes": "diabetes", "диабет": "diabetes", "糖尿病": "diabetes",
                     "сахарный диабет": "diabetes", "sugar": "sugar"}
