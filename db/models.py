"""SQLModel tables. Times are aware UTC. Personal data lives in resident and request rows (with their items
and events), in outbox payloads, in failed updates' raw JSON and in conversation state: bot/services/privacy.py
erases and ages it out of every one of them."""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, SmallInteger, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from bot.core.clock import now

#: The largest id a table's INTEGER primary key holds on every supported database (PostgreSQL's
#: INTEGER is 32-bit; SQLite's is 64-bit). Ids from outside (callback data, commands) beyond it, or
#: below 1, name no row, and binding them fails in the driver (OverflowError, DataError).
MAX_ID = 2**31 - 1


def storable_id(value: int) -> bool:
    """Whether an id from outside (callback data, a command) can name a row: 1 ≤ value ≤ MAX_ID."""
    return 1 <= value <= MAX_ID


class RequestKind(StrEnum):
    """What a resident asks for."""

    SUPPLIES = "supplies"
    MEDICINE = "medicine"
    PSYCH = "psych"
    WELLBEING = "wellbeing"  # raised by the check-ins: no answer, "not well", "I need help"


class RequestStatus(StrEnum):
    """Life cycle of a request."""

    NEW = "new"
    CLAIMED = "claimed"
    ON_THE_WAY = "on_the_way"
    DONE = "done"
    RECEIVED = "received"
    FAILED = "failed"
    CANCELLED = "cancelled"


OPEN_STATUSES = (RequestStatus.NEW, RequestStatus.CLAIMED, RequestStatus.ON_THE_WAY)


class Urgency(StrEnum):
    """How soon help is needed."""

    NORMAL = "normal"
    URGENT = "urgent"


class OutboxStatus(StrEnum):
    """Delivery state of an outbox row."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxPriority(IntEnum):
    """Which outbox rows go first when the send budget is short (lower first; oldest first within a
    class; one chat's rows always in the order they were written)."""

    INTERACTIVE = 0  # answers a person talking to the bot now; urgent and danger cards, escalations, details
    NORMAL = 1  # other cards, status messages, reminders to staff
    CHECKIN = 2  # daily check-ins and their reminders
    BULK = 3  # notices and reports


class District(SQLModel, table=True):
    """A district of the deployment, synced from settings."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=100)
    staff_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    topic_id: int | None = Field(default=None, sa_type=BigInteger)
    #: where the district's volunteers see delivery cards (a group, or a forum topic); None: privately
    volunteer_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    volunteer_topic_id: int | None = Field(default=None, sa_type=BigInteger)


class StaffRole(StrEnum):
    """What a staff member may do."""

    WORKER = "worker"
    COORDINATOR = "coordinator"


class Staff(SQLModel, table=True):
    """A social worker or coordinator, registered with /join in a staff chat."""

    id: int | None = Field(default=None, primary_key=True)
    tg_user_id: int = Field(sa_type=BigInteger, unique=True)
    chat_id: int = Field(sa_type=BigInteger, index=True)
    name: str = Field(max_length=100)
    role: StaffRole = Field(default=StaffRole.WORKER, max_length=16)
    district_id: int | None = Field(default=None, foreign_key="district.id")
    on_duty: bool = False
    has_private_chat: bool = False
    locale: str | None = Field(default=None, max_length=8)
    joined_at: datetime = Field(default_factory=now)
    left_at: datetime | None = None  # left or was removed from the staff chat: no rights there until /join again


class StaffChat(SQLModel, table=True):
    """A staff group's own settings."""

    chat_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    locale: str = Field(max_length=8)


class Resident(SQLModel, table=True):
    """A person who asks for help through the bot (or is enrolled from a community register)."""

    id: int | None = Field(default=None, primary_key=True)
    tg_user_id: int | None = Field(default=None, sa_type=BigInteger, unique=True)  # None until an invite is opened
    chat_id: int | None = Field(default=None, sa_type=BigInteger, index=True)  # the sender's 403s look it up
    locale: str = Field(max_length=8)
    timezone: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32, index=True)
    address: str | None = Field(default=None, max_length=300)
    district_id: int | None = Field(default=None, foreign_key="district.id")
    # Vulnerability flags (bot/domain/flags.py): the four original ones are columns, any other
    # configured code (low_income, children, veteran, pregnancy, a deployment's own) is in other_flags.
    lives_alone: bool = False
    over_65: bool = False
    disability: bool = False
    chronic_illness: bool = False
    other_flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    consent_at: datetime | None = None
    registered_at: datetime | None = None
    unreachable: bool = False
    created_at: datetime = Field(default_factory=now)
    source: str = Field(default="bot", max_length=16)  # "bot" or "registry"
    invite_code: str | None = Field(default=None, max_length=64, unique=True, index=True)
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=32)
    imported_checkin_times: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: The resident turned official notices off (/notices); a notice skips them and counts them as such.
    notices_off: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})


class Request(SQLModel, table=True):
    """A resident's request for supplies, medicine or psychological support."""

    __table_args__ = (
        Index("ix_request_resident_status", "resident_id", "status"),
        Index("ix_request_district_status", "district_id", "status", "created_at"),
        # /open at city scale: only open requests, already in the order staff read them.
        Index(
            "ix_request_open_queue", "district_id", "urgency", "created_at",
            postgresql_where=text("status IN ('NEW', 'CLAIMED', 'ON_THE_WAY')"),
            sqlite_where=text("status IN ('NEW', 'CLAIMED', 'ON_THE_WAY')"),
        ),
        # /report's figures of a period (and /stats of a day): requests filed in it, with every column they read,
        # so a city's month (150,000 requests) is an index-only scan (0005_reportidx, bench/report_scale.py).
        Index("ix_request_district_period", "district_id", "created_at",
              postgresql_include=["kind", "status", "urgency", "claimed_at", "finished_at", "rating"]),
        # /report's busiest workers: requests claimed in the period, by whom, and whether they were done.
        Index("ix_request_district_claims", "district_id", "claimed_at", postgresql_include=["claimed_by", "status"]),
        # The retention tick: closed requests not yet anonymised, oldest change first.
        Index("ix_request_retention", "anonymized_at", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id")
    district_id: int | None = Field(default=None, foreign_key="district.id")
    kind: RequestKind = Field(max_length=16)
    status: RequestStatus = Field(default=RequestStatus.NEW, max_length=16)
    urgency: Urgency = Field(default=Urgency.NORMAL, max_length=16)
    danger: str | None = Field(default=None, max_length=16)
    details: str | None = Field(default=None, max_length=4000)
    medicine: str | None = Field(default=None, max_length=4000)
    call_time: str | None = Field(default=None, max_length=200)
    photo_file_id: str | None = Field(default=None, max_length=256)
    voice_file_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: every photo the resident sent (an album is several); photo_file_id stays the first of them
    photo_file_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    #: the resident's corrections after sending, from Telegram's edited_message (newest last)
    edits: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    #: message_ids of the resident's texts that filled the draft (an edit of one reaches this request)
    source_message_ids: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    address: str | None = Field(default=None, max_length=300)
    #: answers of wizard steps that need no column of their own: step key -> value (bot/ui/wizard)
    answers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    draft_key: str = Field(max_length=32, unique=True)
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
    claimed_by: int | None = Field(default=None, foreign_key="staff.id")
    claimed_at: datetime | None = None
    finished_at: datetime | None = None
    fail_reason: str | None = Field(default=None, max_length=32)
    rating: int | None = None
    next_check_at: datetime | None = Field(default=None, index=True)
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    nudged_at: datetime | None = None
    late_answer: str | None = Field(default=None, max_length=16)
    late_answer_at: datetime | None = None
    #: The claimer has not received the phone and address yet: "no_chat" (never started the bot) or
    #: "blocked" (Telegram refused the message); delivered when they open the bot, then None again.
    details_undelivered: str | None = Field(default=None, max_length=16)
    #: When its personal details (address, texts, photo, voice, items) were removed: the resident erased
    #: their data, or the retention policy ran (RETENTION__CLOSED_REQUEST_DAYS after it closed).
    anonymized_at: datetime | None = None
    #: A «someone to talk to» request done: the worker's follow-up choice in days (1, 3 or 7; 0: none),
    #: and when the resident is to be asked how they are (the follow-up tick's due time; None once asked).
    follow_up_days: int | None = Field(default=None, sa_type=SmallInteger)
    follow_up_at: datetime | None = Field(default=None, index=True)
    #: The request whose follow-up answer («not so well», «I need help», danger) opened this one.
    follows_request_id: int | None = Field(default=None, foreign_key="request.id")


class RequestItem(SQLModel, table=True):
    """One line of a supplies request."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    position: int
    name: str = Field(max_length=200)
    quantity: str = Field(default="", max_length=100)


class RequestEvent(SQLModel, table=True):
    """Audit trail: who did what to a request, and when."""

    #: /report counts one action over a period («not received»).
    __table_args__ = (Index("ix_requestevent_action_at", "action", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    actor: str = Field(max_length=16)  # resident, staff, system
    actor_id: int | None = Field(default=None, sa_type=BigInteger)
    action: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=now)


class ProcessedUpdate(SQLModel, table=True):
    """Telegram update_ids already handled, recorded with their effects."""

    update_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(default_factory=now, index=True)  # the hourly prune deletes by it


class FailedUpdate(SQLModel, table=True):
    """An update whose handler raised: kept and retried instead of dropped."""

    id: int | None = Field(default=None, primary_key=True)
    update_id: int = Field(sa_type=BigInteger, unique=True)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    attempts: int = 1
    error: str = Field(default="", max_length=200)
    next_attempt_at: datetime = Field(default_factory=now)
    gave_up: bool = False


class Outbox(SQLModel, table=True):
    """A Bot API call that must not be lost, written with the change that causes it."""

    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_pending_order", "status", "id"),
        Index("ix_outbox_pending_priority", "status", "priority", "id"),
        Index("ix_outbox_chat_queue", "chat_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    method: str = Field(max_length=32)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=now)
    lease_until: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=64)
    resident_id: int | None = Field(default=None, foreign_key="resident.id")
    request_id: int | None = Field(default=None, foreign_key="request.id")
    purpose: str = Field(default="", max_length=32)
    priority: int = Field(default=OutboxPriority.NORMAL, sa_type=SmallInteger)  # an OutboxPriority
    ref_id: int | None = None  # e.g. the check-in a "checkin" row asks about
    error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=now)
    sent_at: datetime | None = None
    #: The message Telegram created, for rows whose message may have to be edited later (a claimer's
    #: details, edited when the resident erases their data); None for the rest.
    message_id: int | None = Field(default=None, sa_type=BigInteger)


class CardView(SQLModel, table=True):
    """A staff-chat message that shows a request: its own card, a line in a digest of several, or a
    picker (reason, target district) asked for it. A staff button acts only on a request its message shows."""

    __table_args__ = (Index("ix_cardview_message", "chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)
    digest: bool = False
    #: a picker (why it failed, where to transfer it): checked on presses, never re-rendered as a card
    picker: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    rendered: str = Field(default="", max_length=64)


class CheckinAnswer(StrEnum):
    """State of one check-in."""

    PENDING = "pending"
    FINE = "fine"
    NOT_WELL = "not_well"
    HELP = "help"
    MISSED = "missed"


class CheckinPlan(SQLModel, table=True):
    """A resident's daily check-in plan; next_due_at drives the scheduler tick."""

    __table_args__ = (Index("ix_checkinplan_due", "active", "next_due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", unique=True)
    times: list[str] = Field(default_factory=lambda: ["09:00"], sa_column=Column(JSON, nullable=False))
    quiet_start: str = Field(default="22:00", max_length=5)
    quiet_end: str = Field(default="07:00", max_length=5)
    paused_until: date | None = Field(default=None, index=True)
    active: bool = True
    next_due_at: datetime | None = None
    created_at: datetime = Field(default_factory=now)


class Checkin(SQLModel, table=True):
    """One 'Are you OK today?' and what became of it."""

    __table_args__ = (
        Index("ix_checkin_open", "answer", "next_check_at"),
        Index("ix_checkin_resident_due", "resident_id", "due_at"),
        # The daily roll and /report's check-ins of a period: what became of them without reading the rows.
        Index("ix_checkin_district_period", "district_id", "due_at",
              postgresql_include=["answer", "escalated_at", "sent_at"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id")
    district_id: int | None = Field(default=None, foreign_key="district.id")  # copied for the daily roll
    due_at: datetime
    sent_at: datetime | None = None
    answer: CheckinAnswer = Field(default=CheckinAnswer.PENDING, max_length=16)
    answered_at: datetime | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    next_check_at: datetime | None = None
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)  # every wellbeing card sync


class FollowUp(SQLModel, table=True):
    """One «how are you now?» after a «someone to talk to» request was done (bot/services/followups.py):
    asked on the day the worker chose, answered with the check-in's three answers, or silent."""

    __table_args__ = (Index("ix_followup_open", "answer", "next_check_at"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)  # the request that was done
    resident_id: int = Field(foreign_key="resident.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")  # the worker who did it
    asked_at: datetime = Field(default_factory=now)
    sent_at: datetime | None = None
    answer: CheckinAnswer = Field(default=CheckinAnswer.PENDING, max_length=16)
    answered_at: datetime | None = None
    #: when silence is to be shown to the worker (the check-in grace after delivery); None once done
    next_check_at: datetime | None = None
    silence_told_at: datetime | None = None
    new_request_id: int | None = Field(default=None, foreign_key="request.id")  # the request its answer opened


class Medicine(SQLModel, table=True):
    """A resident's regular medicine (bot/services/medicines.py): when the current supply runs out, when
    the resident is reminded to order more, and whether it must not be interrupted (psychiatric treatment)."""

    __table_args__ = (
        Index("ix_medicine_remind", "active", "remind_at"),
        Index("ix_medicine_escalate", "escalate_at"),
        Index("ix_medicine_runs_out", "active", "runs_out_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", index=True)
    name: str = Field(max_length=200)
    dose: str = Field(default="", max_length=200)
    #: how many days one supply lasts (the quantity ordered is for this many days)
    days_supply: int = Field(default=30, sa_type=SmallInteger)
    #: the resident's local day on which the current supply runs out
    runs_out_on: date
    do_not_interrupt: bool = False
    active: bool = True
    #: when the reminder is due (the reminder tick's due time; None once sent)
    remind_at: datetime | None = None
    reminded_at: datetime | None = None
    #: a «do not interrupt» reminder nobody answered escalates then (None once answered or escalated)
    escalate_at: datetime | None = None
    answered_at: datetime | None = None
    #: the refill request ordered from the reminder (its receipt moves runs_out_on forward)
    request_id: int | None = Field(default=None, foreign_key="request.id")
    recorded_by: int | None = Field(default=None, foreign_key="staff.id")  # None: the resident
    created_at: datetime = Field(default_factory=now)


class ChatMigration(SQLModel, table=True):
    """A group that Telegram upgraded to a supergroup: its old id now means the new one."""

    old_chat_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    new_chat_id: int = Field(sa_type=BigInteger)
    at: datetime = Field(default_factory=now)


class FsmState(SQLModel, table=True):
    """Conversation state when no Redis is configured, so a restart loses no wizard."""

    __table_args__ = (UniqueConstraint("key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    state: str | None = Field(default=None, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ExportRecord(SQLModel, table=True):
    """Every export of the figures and rows (/export or `python -m bot report`): who, when, which period and
    districts, and whether it held personal data."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=now)
    source: str = Field(max_length=8)  # "bot" or "cli"
    staff_id: int | None = Field(default=None, foreign_key="staff.id")  # None from the command line
    tg_user_id: int | None = Field(default=None, sa_type=BigInteger)
    first_day: date
    last_day: date
    district: str | None = Field(default=None, max_length=32)  # a district code; None: all the exporter may see
    personal: bool = False
    requests: int = 0  # rows of the requests sheet


class ScheduledPost(SQLModel, table=True):
    """When a report the bot posts by itself (the weekly report, the morning summary) is next due in a
    staff chat; the tick that posts it moves next_due_at on in the same transaction (rows locked, so
    several instances post it once)."""

    __table_args__ = (UniqueConstraint("kind", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # "weekly" or "morning"
    chat_id: int = Field(sa_type=BigInteger)
    next_due_at: datetime = Field(index=True)
    last_sent_at: datetime | None = None


class VolunteerStatus(StrEnum):
    """Where a volunteer stands (stored as these lower-case strings)."""

    PENDING = "pending"  # signed up, waiting for a coordinator
    APPROVED = "approved"
    DECLINED = "declined"
    SUSPENDED = "suspended"
    REMOVED = "removed"


class Volunteer(SQLModel, table=True):
    """A person who delivers for the workers (signed up with /volunteer, approved by a coordinator)."""

    id: int | None = Field(default=None, primary_key=True)
    tg_user_id: int = Field(sa_type=BigInteger, unique=True)
    name: str = Field(max_length=100)
    phone: str = Field(max_length=32)
    #: district codes they can cover
    districts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: what they can do: "deliver", "medicine", "calls"
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    availability: str = Field(default="", max_length=200)
    locale: str = Field(max_length=8)
    status: str = Field(default=VolunteerStatus.PENDING, max_length=16, index=True)
    consent_at: datetime | None = None
    applied_at: datetime = Field(default_factory=now)
    decided_at: datetime | None = None
    decided_by: int | None = Field(default=None, foreign_key="staff.id")


class DeliveryStatus(StrEnum):
    """A hand-over's life (stored as these lower-case strings)."""

    OFFERED = "offered"  # the card is out, nobody has taken it
    TAKEN = "taken"
    PICKED_UP = "picked_up"
    DELIVERED = "delivered"
    FAILED = "failed"  # the volunteer could not deliver: back to the worker
    RETURNED = "returned"  # taken back (the volunteer was suspended or removed, the worker withdrew it)


OPEN_DELIVERY = (DeliveryStatus.OFFERED, DeliveryStatus.TAKEN, DeliveryStatus.PICKED_UP)


class Delivery(SQLModel, table=True):
    """A claimed request's delivery handed to volunteers; the worker who claimed it stays its owner."""

    __table_args__ = (Index("ix_delivery_due", "next_check_at"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    #: the request's id while this delivery is open, else None: at most one open delivery per request
    open_request_id: int | None = Field(default=None, unique=True)
    district_id: int | None = Field(default=None, foreign_key="district.id")
    staff_id: int = Field(foreign_key="staff.id")  # the worker who handed it over
    volunteer_id: int | None = Field(default=None, foreign_key="volunteer.id", index=True)
    status: str = Field(default=DeliveryStatus.OFFERED, max_length=16)
    offered_at: datetime = Field(default_factory=now)
    taken_at: datetime | None = None
    picked_up_at: datetime | None = None
    finished_at: datetime | None = None
    reason: str | None = Field(default=None, max_length=32)
    photo_file_id: str | None = Field(default=None, max_length=256)
    #: when the worker is nudged that the delivery stalls (VOLUNTEERS__STALL_HOURS after the last step)
    next_check_at: datetime | None = None


class NoticeAudience(StrEnum):
    """Who an official notice goes to."""

    DISTRICTS = "districts"  # registered residents of the districts in Notice.district_ids
    CHECKINS = "checkins"  # registered residents with active daily check-ins
    STAFF = "staff"  # staff members who opened a private chat with the bot


class NoticeStatus(StrEnum):
    """Where an official notice stands."""

    SENDING = "sending"  # recipients are still being written into the outbox, or their rows sent
    DONE = "done"
    CANCELLED = "cancelled"


class Notice(SQLModel, table=True):
    """An official notice a coordinator sent with /notice (bot/services/notices.py): its texts per language,
    an optional photo or PDF, and how far the sending got. Recipients are not stored one per row: `cursor`
    is the last resident id (or staff id) written into the outbox, in id order, so the tick goes on from
    there after a restart, and Cancel stops what was not written yet."""

    __table_args__ = (Index("ix_notice_status", "status", "id"), Index("ix_notice_created", "created_at"))

    id: int | None = Field(default=None, primary_key=True)
    #: the wizard's key: a double tap of «Send» makes one notice
    key: str = Field(max_length=32, unique=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    chat_id: int = Field(sa_type=BigInteger)  # the staff chat it was sent from (its progress message is there)
    thread_id: int | None = Field(default=None, sa_type=BigInteger)
    progress_message_id: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=now)
    audience: NoticeAudience = Field(max_length=16)
    district_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: locale -> text (HTML as the coordinator formatted it); "*": one version for everyone
    texts: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attachment: str | None = Field(default=None, max_length=16)  # "photo" or "document"
    file_id: str | None = Field(default=None, max_length=256)
    status: NoticeStatus = Field(default=NoticeStatus.SENDING, max_length=16)
    cursor: int = 0  # the last recipient id written into the outbox
    last_id: int = 0  # the highest recipient id when it was sent: who joins the audience later is not included
    written_all: bool = False  # every recipient has been written (or skipped)
    total: int = 0  # recipients when it was sent, those with notices off included
    queued: int = 0  # outbox rows written (one per recipient reached for)
    sent: int = 0
    unreachable: int = 0  # Telegram refused (403: blocked the bot, deactivated)
    skipped: int = 0  # turned notices off (or erased meanwhile)
    progress_at: datetime | None = None  # when the progress message was last edited
    progress_shown: str = Field(default="", max_length=64)  # the figures it shows, so an unchanged one is not edited
    finished_at: datetime | None = None
    cancelled_by: int | None = Field(default=None, foreign_key="staff.id")
