"""The wizard engine and the typed draft without a bot: where each step leads, what its buttons carry,
how old presses and old stored drafts are read."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from aiogram.filters.callback_data import CallbackData
from pydantic import ValidationError

import handlers  # noqa: F401  (declares every step, the registration's and the offer's included)
from bot.domain.answers import YesNo
from bot.domain.draft import DRAFT_KEY, Draft, draft_of
from bot.services.requests import build_request
from bot.ui.wizard import engine
from bot.ui.wizard.engine import Nav, NavCb
from bot.ui.wizard.registration import consent, district, flags
from bot.ui.wizard.request import address, confirm, items, medicine, talk, urgency
from db.models import RequestKind, Resident, Urgency


def draft(kind: RequestKind = RequestKind.SUPPLIES, **fields: object) -> Draft:
    """A draft of this kind."""
    return Draft(kind=kind, draft_key="k", **fields)


def test_unknown_or_missing_draft_fields_fail_loudly() -> None:
    with pytest.raises(ValidationError):
        draft(raw_itmes="milk")  # misspelt
    with pytest.raises(ValidationError):
        Draft.model_validate({"kind": "supplies"})  # no draft key
    with pytest.raises(ValidationError):
        draft().changed(voice=["f1"])  # the old name of voices


def test_a_draft_survives_the_conversation_store_unchanged() -> None:
    original = draft(items=[("rice", "2 kg")], raw_items="2 kg rice", voices=["v"], answers={"x": "y"},
                     urgency=Urgency.URGENT, sources={"12": "Intake:items"})
    assert draft_of({DRAFT_KEY: original.stored(), "history": ["Intake:items"]}) == original


def test_a_draft_stored_before_the_model_is_read_once_leniently() -> None:
    """Flat keys next to the conversation's own, as stored before #13: a resident mid-wizard goes on."""
    old = {"kind": "medicine", "draft_key": "abc", "medicine": "Aspirin", "voice": ["v1"], "photo": "p1",
           "history": ["Intake:medicine"], "answered": ["Intake:medicine", 1], "address": None}
    migrated = draft_of(old)
    assert migrated == Draft(kind=RequestKind.MEDICINE, draft_key="abc", medicine="Aspirin", voices=["v1"], photos=["p1"])
    assert draft_of({"history": []}) is None  # no wizard: no draft


@pytest.mark.parametrize(("after", "fields", "expected"), [
    (items.ITEMS_REVIEW, {}, urgency.URGENCY),
    (items.ITEMS_REVIEW, {"danger": "self_harm"}, address.ADDRESS_CHOICE),  # danger: already urgent
    (items.ITEMS, {"items": [("milk", "1")]}, items.ITEMS_REVIEW),
    (items.ITEMS, {}, urgency.URGENCY),  # a voice message instead of a list: nothing to read back
    (urgency.URGENCY, {}, address.ADDRESS_CHOICE),
])
def test_supplies_go_on_to_the_step_that_applies(after: engine.Step, fields: dict, expected: engine.Step) -> None:
    assert engine.next_step(after, draft(**fields)) is expected


def test_medicine_asks_for_a_photo_only_when_none_came() -> None:
    assert engine.next_step(medicine.MEDICINE, draft(RequestKind.MEDICINE)) is medicine.PHOTO
    assert engine.next_step(medicine.MEDICINE, draft(RequestKind.MEDICINE, photos=["p"])) is urgency.URGENCY


def test_someone_to_talk_to_needs_no_delivery_address() -> None:
    psych = draft(RequestKind.PSYCH)
    assert engine.next_step(talk.FEELING, psych) is talk.CALL_TIME
    assert engine.next_step(talk.CALL_TIME, psych) is urgency.URGENCY
    after_urgency = engine.next_step(urgency.URGENCY, psych)
    assert after_urgency is not None and after_urgency.applies(psych)
    assert after_urgency.key not in {address.ADDRESS_CHOICE.key, address.ADDRESS.key}


def test_the_summary_is_last() -> None:
    assert engine.next_step(confirm.CONFIRM, draft()) is None
    for kind in (RequestKind.SUPPLIES, RequestKind.MEDICINE, RequestKind.PSYCH):
        step = urgency.URGENCY
        while step is not confirm.CONFIRM:
            nxt = engine.next_step(step, draft(kind, address="x"))
            assert nxt is not None, f"{kind}: nothing after {step.key}"
            step = nxt


def all_callback_classes() -> list[type[CallbackData]]:
    """Every CallbackData class defined in the bot."""
    found, todo = [], list(CallbackData.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__.startswith(("bot.", "handlers."))]


def test_step_buttons_have_their_own_short_prefixes_and_fit_telegram() -> None:
    prefixes = [cls.__prefix__ for cls in all_callback_classes()]
    assert len(prefixes) == len(set(prefixes)), prefixes
    for step in engine.STEPS.values():
        assert step.cb is not None or step.options is None
        for value in step.choices or ():
            assert len(step.cb(v=value).pack().encode()) <= 64  # type: ignore[misc]
        for go in Nav:
            assert len(NavCb(at=step.key, go=go).pack().encode()) <= 64
    keys = {(step.wizard, step.key) for step in engine.STEPS.values() if step.wizard}
    assert len(keys) == len([s for s in engine.STEPS.values() if s.wizard])  # unique within a wizard


def test_a_press_from_before_the_upgrade_means_the_same_at_its_step() -> None:
    assert engine.legacy_press(urgency.URGENCY, "st:urgency:urgent") == {
        "step": urgency.URGENCY, "choice": urgency.UrgencyChoice.URGENT}
    assert engine.legacy_press(confirm.CONFIRM, "st:confirm:_back") == {"step": confirm.CONFIRM, "choice": Nav.BACK}
    assert engine.legacy_press(urgency.URGENCY, "st:addr:reg") is False  # another step's: stale
    assert engine.legacy_press(urgency.URGENCY, "st:urgency:tomorrow") is False  # no such answer


def test_build_request_takes_the_typed_draft() -> None:
    resident = Resident(id=7, tg_user_id=1, chat_id=1, district_id=3, address="Home 1")
    request, request_items = build_request(resident, draft(
        items=[("rice", "2 kg")], raw_items="2 kg rice", voices=["v"], photos=["p1", "p2"],
        address="Home 1", answers={"dl": "neighbour"}, sources={"5": "Intake:items", "3": "Intake:items"},
    ))
    assert (request.kind, request.details, request.address, request.district_id) == ("supplies", "2 kg rice", "Home 1", 3)
    assert (request.photo_file_id, request.photo_file_ids, request.voice_file_ids) == ("p1", ["p1", "p2"], ["v"])
    assert request.answers == {"dl": "neighbour"} and request.source_message_ids == [3, 5]
    assert [(i.name, i.quantity) for i in request_items] == [("rice", "2 kg")]


class At:
    """A conversation at one state, as the Pressed filter reads it (Wizard.at)."""

    def __init__(self, state: str) -> None:
        self.state = state

    async def at(self) -> str:
        return self.state


def pressed(data: str, state: str) -> object:
    """What the engine's Pressed filter makes of a press with this callback data at this state."""
    return asyncio.run(engine.Pressed()(SimpleNamespace(data=data), At(state)))  # type: ignore[arg-type]


def test_registration_buttons_are_engine_steps_and_old_presses_keep_their_meaning() -> None:
    """Consent, district and situation are engine steps with the callback classes they had before
    (rcs, rdi, rfl), so their old buttons still work: a district's Back was «_back» in the same field
    and still means Back; a configured code (a district, a flag) is passed on as it is for the step to
    check; another question's button at this step is stale."""
    assert engine.step_at("Reg:consent") is consent.CONSENT
    assert engine.step_at("Reg:district") is district.DISTRICT
    assert engine.step_at("Reg:flags") is flags.FLAGS
    assert pressed("rcs:yes", "Reg:consent") == {"step": consent.CONSENT, "choice": YesNo.YES}
    assert pressed("rdi:_back", "Reg:district") == {"step": district.DISTRICT, "choice": Nav.BACK}
    assert pressed("rdi:north", "Reg:district") == {"step": district.DISTRICT, "choice": "north"}
    assert pressed("rfl:_back", "Reg:flags") == {"step": flags.FLAGS, "choice": Nav.BACK}
    assert pressed("rfl:done", "Reg:flags") == {"step": flags.FLAGS, "choice": "done"}
    assert pressed("rdi:north", "Reg:flags") is False
    assert pressed("rcs:yes", "Reg:district") is False
    assert pressed(NavCb(at="rd", go=Nav.BACK).pack(), "Reg:district") == {"step": district.DISTRICT, "choice": Nav.BACK}
