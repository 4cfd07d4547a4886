"""Which priority class an outbox row belongs to: what a person waits for now before bulk sends."""

from __future__ import annotations

from db.models import OutboxPriority, Request, RequestKind, Urgency

#: Rows that answer a person talking to the bot (a handler reply queued behind its chat's budget: "reply"),
#: or that a worker needs at once.
_INTERACTIVE = {"confirmation", "details", "error", "escalation", "help", "reply"}
#: Daily check-ins and their reminders.
_CHECKIN = {"checkin", "checkin_reminder"}
#: Notices to many residents and scheduled reports.
_BULK = {"notice", "notice_file", "report"}


def outbox_priority(purpose: str, *, urgent: bool = False) -> OutboxPriority:
    """The class of an outbox row from its purpose (Outbox.purpose) and whether the request it is about
    is urgent (urgent or danger requests, check-in escalations): INTERACTIVE, NORMAL, CHECKIN or BULK."""
    if urgent or purpose in _INTERACTIVE:
        return OutboxPriority.INTERACTIVE
    if purpose in _CHECKIN:
        return OutboxPriority.CHECKIN
    if purpose in _BULK:
        return OutboxPriority.BULK
    return OutboxPriority.NORMAL


def is_urgent(request: Request) -> bool:
    """Whether the request's card goes in the highest class: marked urgent, danger seen in it, or a
    check-in escalation (a wellbeing request: missed, "I need help", unreachable)."""
    return request.urgency == Urgency.URGENT or request.danger is not None or request.kind == RequestKind.WELLBEING
