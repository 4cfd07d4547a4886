"""What the services decided that people must be told: small values, rendered and queued by the Notifier.

A service never renders a text or writes an outbox row. It returns what happened (a result carrying a
list of these), and its caller — a handler, or a tick in bot.app — hands that list to
bot.ui.notify.Notifier.tell in the same transaction, so the messages go out exactly when the change
is committed. The order of the list is the order of the outbox rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from db.models import Checkin, District, Notice, Request, RequestStatus, Resident, Staff


@dataclass(frozen=True)
class CardChanged:
    """Every message showing the request is brought up to date (a new card where it has none)."""

    request: Request


@dataclass(frozen=True)
class Confirmed:
    """A request was filed: the resident gets its confirmation (with the main menu)."""

    resident: Resident
    request: Request


@dataclass(frozen=True)
class DetailsOwed:
    """Phone, address and full details go privately to the claimer (if they started the bot)."""

    request: Request
    member: Staff


@dataclass(frozen=True)
class StatusChanged:
    """The resident hears what happened to their request; `status` is the one it reached at that moment
    (a one-tap settle goes through two)."""

    request: Request
    member: Staff
    status: RequestStatus


@dataclass(frozen=True)
class Transferred:
    """The resident hears another station took over (and why, for the reasons residents are told)."""

    request: Request
    target: District
    reason: str | None = None


@dataclass(frozen=True)
class WroteAgain:
    """What the resident wrote again goes privately to the claimer."""

    request: Request
    member: Staff
    text: str | None
    voice: str | None
    photo: str | None


@dataclass(frozen=True)
class Corrected:
    """A resident's correction after sending: the card shows it, the claimer gets it privately."""

    request: Request
    text: str


@dataclass(frozen=True)
class DetailsRemoved:
    """A claimer's delivered details message is replaced: the resident erased their data
    (retention_days None) or it aged out."""

    chat_id: int
    message_id: int
    request_id: int
    method: str
    retention_days: int | None


@dataclass(frozen=True)
class CheckinDue:
    """The daily question (or its reminder) goes to the resident."""

    resident: Resident
    checkin: Checkin
    reminder: bool


class SlaAction(StrEnum):
    """What a due SLA check does."""

    REMIND = "reminded"  # unclaimed for a while: the chat and the on-duty workers
    ESCALATE = "escalated"  # still unclaimed: the coordinators
    NUDGE = "nudged"  # claimed long ago and not done: the claimer


@dataclass(frozen=True)
class SlaAlert:
    """A request's SLA check came due."""

    request: Request
    action: SlaAction


@dataclass(frozen=True)
class NotReceived:
    """The resident says the help did not arrive: the staff chat hears it."""

    request: Request


@dataclass(frozen=True)
class MemberLeft:
    """Someone left a staff chat: which of their requests are back in the queue, who coordinates now."""

    chat_id: int
    member: Staff
    released: list[Request]
    coordinator: Staff | None


@dataclass(frozen=True)
class NoticeDue:
    """An official notice goes to one recipient (a resident, or a staff member privately), in their language."""

    notice: Notice
    recipient: Resident | Staff


@dataclass(frozen=True)
class NoticeProgress:
    """The progress message of a notice in the coordinator's chat shows its figures now (sent, unreachable,
    notices off, remaining; with Cancel while it is being sent)."""

    notice: Notice


Decision = (
    CardChanged | Confirmed | DetailsOwed | StatusChanged | Transferred | WroteAgain | Corrected | DetailsRemoved
    | CheckinDue | SlaAlert | NotReceived | MemberLeft | NoticeDue | NoticeProgress
)


@dataclass
class Batch:
    """One batch of a tick or a sweep: how many it took, and what to tell."""

    count: int = 0
    told: list[Decision] = field(default_factory=list)
