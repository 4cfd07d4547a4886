"""A request while the resident is still writing it: the request wizard's typed data.

The wizard keeps one Draft in the conversation's stored data under DRAFT_KEY (FSM data, stored in the
update's own transaction by bot/telegram/storage.py); everything else in that data (the way back,
when the last text came, a question asked outside the wizard) is the conversation's, not the draft's.
The summary (bot/ui/texts.summary) and build_request (bot/services/requests.py) read only this model.
Unknown fields are refused (extra="forbid"): a misspelt field fails in the tests, not in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from db.models import RequestKind, Urgency

#: the key of the conversation data that holds the draft
DRAFT_KEY = "draft"


class Draft(BaseModel):
    """What a request will say once the resident presses «Send»."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    kind: RequestKind
    #: makes a double «Send» one request (Request.draft_key is unique)
    draft_key: str = Field(min_length=1, max_length=32)
    #: the parsed list: (name, quantity) pairs
    items: list[tuple[str, str]] = Field(default_factory=list)
    #: the list as the resident wrote it (the request's details for supplies)
    raw_items: str | None = None
    medicine: str | None = None
    #: Telegram file ids: the prescription or box (an album is several)
    photos: list[str] = Field(default_factory=list)
    #: how a resident who wants to talk feels, in their words
    feeling: str | None = None
    #: a CALL_TIMES key chosen by button, or a time as typed
    call_time: str | None = None
    voices: list[str] = Field(default_factory=list)
    urgency: Urgency = Urgency.NORMAL
    #: the delivery address (the registered one or another, read back)
    address: str | None = None
    #: a DangerKind value when a message of this conversation signalled danger
    danger: str | None = None
    #: answers of the steps that need no column of their own: step key → the chosen value (Request.answers)
    answers: dict[str, str] = Field(default_factory=dict)
    #: the resident's messages that filled a text step: message_id → the step's state (edits reach them)
    sources: dict[str, str] = Field(default_factory=dict)

    def changed(self, **fields: Any) -> Draft:
        """A copy with these fields changed, validated like a new draft (an unknown field raises)."""
        return Draft.model_validate({**self.model_dump(), **fields})

    def stored(self) -> dict[str, Any]:
        """As kept in the conversation data (JSON)."""
        return self.model_dump(mode="json")


#: the flat keys a draft had before it was one model (state stored before the upgrade), and their new names
LEGACY_KEYS = {
    "kind": "kind", "draft_key": "draft_key", "items": "items", "raw_items": "raw_items", "medicine": "medicine",
    "photos": "photos", "feeling": "feeling", "call_time": "call_time", "voice": "voices", "urgency": "urgency",
    "address": "address", "danger": "danger", "sources": "sources",
}


def draft_of(data: Mapping[str, Any]) -> Draft | None:
    """The draft in a conversation's stored data; None when it holds none.

    A conversation stored before the draft was one model (flat keys next to the conversation's own) is
    read leniently, once: the known keys are taken over and the rest is left to the conversation.
    """
    stored = data.get(DRAFT_KEY)
    if stored is not None:
        return Draft.model_validate(stored)
    if not data.get("kind") or not data.get("draft_key"):
        return None
    fields = {new: data[old] for old, new in LEGACY_KEYS.items() if data.get(old) is not None}
    if not fields.get("photos") and data.get("photo"):
        fields["photos"] = [data["photo"]]
    return Draft.model_validate(fields)
