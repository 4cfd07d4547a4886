"""Unit tests of bot/domain/priority.py: which class an outbox row is sent in."""

from __future__ import annotations

import pytest

from bot.domain.priority import is_urgent, outbox_priority
from db.models import OutboxPriority, Request, RequestKind, Urgency


@pytest.mark.parametrize(
    ("purpose", "expected"),
    [
        ("reply", OutboxPriority.INTERACTIVE),
        ("confirmation", OutboxPriority.INTERACTIVE),
        ("details", OutboxPriority.INTERACTIVE),
        ("error", OutboxPriority.INTERACTIVE),
        ("escalation", OutboxPriority.INTERACTIVE),
        ("help", OutboxPriority.INTERACTIVE),
        ("card", OutboxPriority.NORMAL),
        ("status", OutboxPriority.NORMAL),
        ("something new", OutboxPriority.NORMAL),  # an unknown purpose is neither hurried nor held back
        ("checkin", OutboxPriority.CHECKIN),
        ("checkin_reminder", OutboxPriority.CHECKIN),
        ("notice", OutboxPriority.BULK),
        ("report", OutboxPriority.BULK),
    ],
)
def test_priority_by_purpose(purpose: str, expected: OutboxPriority) -> None:
    """What a person waits for now first, then cards, then the check-in wave, then bulk sends."""
    assert outbox_priority(purpose) is expected


@pytest.mark.parametrize("purpose", ["card", "checkin", "notice", "report", "anything"])
def test_urgent_rows_always_go_first(purpose: str) -> None:
    """An urgent row is INTERACTIVE whatever its purpose."""
    assert outbox_priority(purpose, urgent=True) is OutboxPriority.INTERACTIVE


def test_the_classes_are_ordered_as_the_sender_serves_them() -> None:
    """Lower values are sent first."""
    assert OutboxPriority.INTERACTIVE < OutboxPriority.NORMAL < OutboxPriority.CHECKIN < OutboxPriority.BULK


def request(kind: RequestKind = RequestKind.SUPPLIES, urgency: Urgency = Urgency.NORMAL,
            danger: str | None = None) -> Request:
    """A request as the rule reads it (not stored)."""
    return Request(resident_id=1, kind=kind, urgency=urgency, danger=danger)


@pytest.mark.parametrize(
    ("req", "urgent"),
    [
        (request(), False),
        (request(RequestKind.MEDICINE), False),
        (request(RequestKind.PSYCH), False),
        (request(urgency=Urgency.URGENT), True),
        (request(RequestKind.PSYCH, danger="self_harm"), True),
        (request(danger="medical"), True),
        (request(RequestKind.WELLBEING), True),  # a check-in escalation
    ],
)
def test_is_urgent(req: Request, urgent: bool) -> None:
    """Marked urgent, danger seen in it, or a check-in escalation."""
    assert is_urgent(req) is urgent
