"""The typed request draft (bot/domain/draft.py): unknown fields fail loudly, a stored draft comes back
equal, and a conversation stored before the draft was one model is read once, leniently."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from bot.domain.draft import DRAFT_KEY, Draft, draft_of
from db.models import RequestKind, Urgency


def supplies(**fields: object) -> Draft:
    """A supplies draft with the two required fields."""
    return Draft(kind=RequestKind.SUPPLIES, draft_key="k1", **fields)


def test_an_unknown_field_is_refused_when_made_changed_or_assigned() -> None:
    """extra="forbid" and validate_assignment: a misspelt key fails in the tests, not in production."""
    with pytest.raises(ValidationError):
        Draft(kind=RequestKind.SUPPLIES, draft_key="k1", raw_item="米")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        supplies().changed(feelings="sad")
    draft = supplies()
    with pytest.raises(ValidationError):
        draft.urgency = "soon"  # type: ignore[assignment]


@pytest.mark.parametrize("fields", [{}, {"kind": "supplies"}, {"draft_key": "k1"}, {"kind": "food", "draft_key": "k"},
                                    {"kind": "supplies", "draft_key": ""}, {"kind": "supplies", "draft_key": "x" * 33}])
def test_a_draft_needs_a_known_kind_and_a_draft_key(fields: dict[str, str]) -> None:
    """kind is one of RequestKind; draft_key 1–32 characters (Request.draft_key)."""
    with pytest.raises(ValidationError):
        Draft.model_validate(fields)


def test_changed_is_a_validated_copy() -> None:
    """changed() leaves the original as it was and converts values like a new draft."""
    draft = supplies(items=[("青菜", "2斤")])
    urgent = draft.changed(urgency="urgent", answers={"handover": "door"})
    assert (draft.urgency, urgent.urgency) == (Urgency.NORMAL, Urgency.URGENT)
    assert urgent.answers == {"handover": "door"} and draft.answers == {}
    assert urgent.items == [("青菜", "2斤")]


def test_a_stored_draft_is_json_and_comes_back_equal() -> None:
    """stored() is what the conversation data keeps (JSON through the storage); draft_of reads it back."""
    draft = supplies(items=[("米", "5公斤")], raw_items="米 5公斤", photos=["p1", "p2"], voices=["v1"],
                     urgency=Urgency.URGENT, address="3栋 501", danger="medical", sources={"17": "Intake:items"})
    data = json.loads(json.dumps({DRAFT_KEY: draft.stored(), "history": ["Intake:items"]}))
    assert draft_of(data) == draft


def test_no_draft_in_a_conversation_without_one() -> None:
    """A conversation that holds no draft (registration, the menu) gives None."""
    assert draft_of({}) is None
    assert draft_of({"history": ["Reg:name"], "kind": "supplies"}) is None  # a flat draft needs its key too


def test_a_flat_draft_stored_before_the_upgrade_is_read_leniently() -> None:
    """The old flat keys ("voice", a single "photo") become the model's; the conversation's own keys stay
    outside it."""
    old = {"kind": "medicine", "draft_key": "old1", "medicine": "硝苯地平 10mg", "photo": "ph", "voice": ["v"],
           "urgency": "normal", "history": ["Intake:medicine"], "last_text_at": 1.0}
    draft = draft_of(old)
    assert draft is not None
    assert (draft.kind, draft.medicine, draft.photos, draft.voices) == (RequestKind.MEDICINE, "硝苯地平 10mg", ["ph"], ["v"])
    assert draft.stored().keys().isdisjoint({"history", "last_text_at", "photo", "voice"})
