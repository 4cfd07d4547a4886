"""What the services decided that people must be told: small values, rendered and queued by the Notifier.

A service never renders a text or writes an outbox row. It returns what happened (a result carrying a
list of these), and its caller — a handler, or a tick in bot.app — hands that list to
bot.ui.notify.Notifier.tell in the same transaction, so the messages go out exactly when the change
is committed. The order of the list is the order of the outbox rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from db.models import Checkin, Delivery, District, FollowUp, Medicine, Notice, Request, RequestStatus, Resident, Staff, Volunteer


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


@dataclass(frozen=True)
class FollowUpDue:
    """The follow-up question («how are you now?») goes to the resident; `worker` did the request."""

    resident: Resident
    followup: FollowUp
    worker: Staff | None


@dataclass(frozen=True)
class FollowUpHeard:
    """The worker hears how the follow-up went (the resident is fine, or did not answer): privately,
    or in the station's chat when they cannot be reached there."""

    followup: FollowUp
    request: Request
    worker: Staff | None


@dataclass(frozen=True)
class MedicineDue:
    """The resident is reminded that a medicine runs out soon, with one tap to order it."""

    resident: Resident
    medicine: Medicine


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
class VolunteerApplied:
    """Someone signed up with /volunteer: the coordinators get the application card (approve, decline)."""

    volunteer: Volunteer


@dataclass(frozen=True)
class VolunteerDecided:
    """A coordinator approved or declined an application (or suspended, removed or restored a volunteer):
    the application card shows it, the volunteer is told. `status` is the volunteer's new status."""

    volunteer: Volunteer
    member: Staff
    status: str


@dataclass(frozen=True)
class DeliveryOffered:
    """A worker handed a delivery to volunteers: the district's volunteers' chat (or each of its approved
    volunteers privately) gets the delivery card, without the flat, the phone or anything about health."""

    delivery: Delivery
    request: Request


@dataclass(frozen=True)
class DeliveryTaken:
    """A volunteer took a delivery: the cards say so, the volunteer gets the full address and the
    resident's first name and phone privately, the resident hears who is bringing the order."""

    delivery: Delivery
    request: Request
    volunteer: Volunteer


@dataclass(frozen=True)
class DeliveryMoved:
    """A delivery went on (picked up) or ended (delivered, failed, returned): the volunteer's private copy
    is updated (no address or phone once it ended), the worker hears when it came back to them."""

    delivery: Delivery
    request: Request
    volunteer: Volunteer | None
    status: str


@dataclass(frozen=True)
class DeliveryPhoto:
    """The volunteer's optional photo of a delivered order goes privately to the worker."""

    delivery: Delivery
    request: Request
    file_id: str


@dataclass(frozen=True)
class DeliveryStalled:
    """A handed-over delivery did not move on for VOLUNTEERS__STALL_HOURS: the worker is nudged."""

    delivery: Delivery
    request: Request


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


@dataclass(frozen=True)
class VolunteerErased:
    """A volunteer erased their data (bot.services.volunteers.erase): their application cards in the staff
    group say so, the delivery cards of their finished deliveries show a neutral label for them, and
    messages to their own chat (`tg_user_id`, which the row no longer holds) speak `locale`."""

    volunteer: Volunteer
    tg_user_id: int
    locale: str
    finished: tuple[tuple[Delivery, Request], ...] = ()


@dataclass(frozen=True)
class MentionRemoved:
    """A sent message named someone who erased their data: it is edited to show `text` with each of
    `names` replaced by a neutral label (in the language of whoever reads `chat_id`)."""

    chat_id: int
    message_id: int
    request_id: int | None
    text: str
    names: tuple[str, ...]
    resident_id: int | None = None


Decision = (
    CardChanged | Confirmed | DetailsOwed | StatusChanged | Transferred | WroteAgain | Corrected | DetailsRemoved
    | CheckinDue | SlaAlert | NotReceived | MemberLeft
    | VolunteerApplied | VolunteerDecided | DeliveryOffered | DeliveryTaken | DeliveryMoved | DeliveryPhoto
    | DeliveryStalled | FollowUpDue | FollowUpHeard | MedicineDue | NoticeDue | NoticeProgress | VolunteerErased
    | MentionRemoved
)


@dataclass
class Batch:
    """One batch of a tick or a sweep: how many it took, and what to tell."""

    count: int = 0
    told: list[Decision] = field(default_factory=list)
