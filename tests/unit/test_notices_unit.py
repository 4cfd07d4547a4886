"""bot.services.notices: which text a reader gets, the look-ahead, who is in the audience (erased and
muted residents not), the tick writing recipients from its cursor, Cancel and its refusals, and the
sender's counts. Decisions are asserted; nothing is rendered."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot.core import clock
from bot.services import notices, privacy, reports
from bot.services.decisions import NoticeDue, NoticeProgress
from bot.services.notices import ONE, Refusal
from db.models import CheckinPlan, Notice, NoticeAudience, NoticeStatus, Outbox, OutboxPriority, Resident
from db.repo import outbox
from tests.unit.conftest import STAFF_CHAT, World


def test_each_reader_gets_their_language_then_the_one_version_then_chinese() -> None:
    assert notices.text_for({"zh": "中", "ru": "ру", "uk": "ук"}, "uk") == "ук"
    assert notices.text_for({"zh": "中", ONE: "all"}, "ru") == "all"
    assert notices.text_for({"zh": "中", "ru": "ру"}, "uk") == "中"
    assert notices.text_for({"ru": "ру"}, "uk") == "ру"
    assert notices.text_for({}, "zh") == ""


def test_the_wizard_asks_each_language_in_turn_unless_one_version_is_given() -> None:
    assert notices.languages_to_ask({}) == ["zh", "ru", "uk"]
    assert notices.languages_to_ask({"zh": "中"}) == ["ru", "uk"]
    assert notices.languages_to_ask({ONE: "all"}) == []


def test_lengths_count_as_telegram_does() -> None:
    assert notices.utf16_len("通知") == 2
    assert notices.utf16_len("📢") == 2  # outside the BMP: two UTF-16 units


def test_the_look_ahead_is_a_minute_of_budget_less_what_is_queued(world: World) -> None:
    settings = world.settings  # 30 messages a second, 60 seconds ahead by default
    assert notices.notice_room(settings, 0) == 1800
    assert notices.notice_room(settings, 1700) == 100
    assert notices.notice_room(settings, 5000) == 0


async def residents(world: World, count: int, **fields: object) -> list[int]:
    """`count` registered residents of the world's district; their ids."""
    async with world.sessions.begin() as session:
        people = [Resident(tg_user_id=8000 + i, chat_id=8000 + i, locale=("zh", "ru", "uk")[i % 3], name=f"R{i}",
                           district_id=world.district.id, consent_at=clock.now(), registered_at=clock.now(), **fields)
                  for i in range(count)]
        session.add_all(people)
        await session.flush()
        return [p.id or 0 for p in people]


async def make(world: World, key: str = "k1", **overrides: object) -> notices.Created:
    """«Send» by the coordinator: a notice to the world's district."""
    fields: dict[str, object] = dict(key=key, chat_id=STAFF_CHAT, thread_id=None, message_id=77,
                                     kind=NoticeAudience.DISTRICTS, district_ids=[world.district.id or 0],
                                     texts={"zh": "停水通知", "ru": "Отключение воды"}, attachment=None, file_id=None)
    fields.update(overrides)
    member = fields.pop("member", world.coordinator)
    async with world.sessions.begin() as session:
        return await notices.create(session, member, **fields)  # type: ignore[arg-type]


async def test_only_a_coordinator_sends_and_a_double_tap_makes_one_notice(world: World) -> None:
    await residents(world, 2)
    assert (await make(world, member=world.worker)).refusal is Refusal.NOT_COORDINATOR
    first = await make(world)
    assert first.refusal is None and first.notice is not None and not first.again
    assert first.notice.total == 3  # the world's resident and the two above
    assert [type(d) for d in first.told] == [NoticeProgress]
    again = await make(world)
    assert again.again and again.notice is not None and again.notice.id == first.notice.id and again.told == ()
    assert (await make(world, key="k2", district_ids=[world.other.id or 0])).refusal is Refusal.NOBODY
    assert await world.outbox_rows() == 0  # a service writes no outbox row


async def test_the_tick_writes_what_the_look_ahead_allows_and_skips_the_muted_and_the_erased(world: World) -> None:
    """Look-ahead of 3 rows: the first pass reads 3 recipients (one muted: skipped and counted, taking no
    room), the second the one row still free, the third none while they are queued; an erased resident is
    not in the audience at all."""
    ids = await residents(world, 6)
    async with world.sessions.begin() as session:
        muted = await session.get(Resident, ids[0])
        erased = await session.get(Resident, ids[1])
        assert muted is not None and erased is not None
        notices.set_notices(session, muted)
        erased.registered_at, erased.chat_id = None, None  # what bot.services.privacy leaves of an erased resident
    created = await make(world)
    assert created.notice is not None and created.notice.total == 6  # 7 residents, one erased
    settings = world.settings.model_copy(update={
        "limits": world.settings.limits.model_copy(update={"global_per_second": 1.0}),
        "notices": world.settings.notices.model_copy(update={"lookahead_seconds": 3, "progress_seconds": 0})})
    expected = [(3, [world.resident.id, ids[2]]), (1, [ids[3]]), (0, [])]
    for count, recipients in expected:
        async with world.sessions.begin() as session:
            batch = await notices.write_due(session, settings, clock.now())
            due = [d for d in batch.told if isinstance(d, NoticeDue)]
            assert batch.count == count and [d.recipient.id for d in due] == recipients
            for decision in due:  # what the Notifier writes: rows of the lowest class
                outbox.enqueue(session, decision.recipient.chat_id or 0, "sendMessage", {}, purpose="notice",
                               ref_id=decision.notice.id, priority=OutboxPriority.BULK)
    async with world.sessions.begin() as session:
        notice = await session.get(Notice, created.notice.id)
        assert notice is not None
        assert (notice.cursor, notice.queued, notice.skipped, notice.written_all) == (ids[3], 3, 1, False)
        assert notices.remaining(notice) == 5


async def test_delivered_and_refused_rows_are_counted_and_the_notice_finishes(world: World) -> None:
    await residents(world, 1)
    created = await make(world)
    assert created.notice is not None
    settings = world.settings.model_copy(update={"notices": world.settings.notices.model_copy(update={"progress_seconds": 0})})
    async with world.sessions.begin() as session:
        batch = await notices.write_due(session, settings, clock.now())
        rows = [outbox.enqueue(session, d.recipient.chat_id or 0, "sendMessage", {}, purpose="notice",
                               ref_id=d.notice.id, priority=OutboxPriority.BULK)
                for d in batch.told if isinstance(d, NoticeDue)]
        assert len(rows) == 2
    async with world.sessions.begin() as session:  # what the sender records: one sent, one refused (403)
        await notices.delivered(session, rows[:1])
        await notices.undeliverable(session, rows[1])
        for row in rows:
            stored = await session.get(Outbox, row.id)
            assert stored is not None
            stored.status = "sent"  # type: ignore[assignment]
            session.add(stored)
    clock.advance(timedelta(seconds=1))
    async with world.sessions.begin() as session:
        batch = await notices.write_due(session, settings, clock.now())
        (progress,) = batch.told
        assert isinstance(progress, NoticeProgress)
        notice = progress.notice
        assert (notice.status, notice.sent, notice.unreachable, notice.skipped) == (NoticeStatus.DONE, 1, 1, 0)
    async with world.sessions.begin() as session:
        assert (await notices.write_due(session, settings, clock.now())).told == []  # done: nothing more


async def test_cancel_drops_what_is_queued_and_refuses_forged_and_double_presses(world: World) -> None:
    await residents(world, 2)
    created = await make(world)
    assert created.notice is not None
    notice_id = created.notice.id or 0
    async with world.sessions.begin() as session:
        batch = await notices.write_due(session, world.settings, clock.now())
        for d in batch.told:
            if isinstance(d, NoticeDue):
                outbox.enqueue(session, d.recipient.chat_id or 0, "sendMessage", {}, purpose="notice",
                               ref_id=notice_id, priority=OutboxPriority.BULK)
    async with world.sessions.begin() as session:
        assert (await notices.cancel(session, world.worker, notice_id, STAFF_CHAT, 77, clock.now())).refusal \
            is Refusal.NOT_COORDINATOR
        assert (await notices.cancel(session, world.coordinator, notice_id, STAFF_CHAT, 78, clock.now())).refusal \
            is Refusal.NOT_HERE  # another message: forged
        assert (await notices.cancel(session, world.coordinator, notice_id, -100999, 77, clock.now())).refusal \
            is Refusal.NOT_HERE  # another chat
        stopped = await notices.cancel(session, world.coordinator, notice_id, STAFF_CHAT, 77, clock.now())
        assert stopped.refusal is None and stopped.notice is not None
        assert stopped.notice.status == NoticeStatus.CANCELLED and notices.not_sent(stopped.notice) == 3
    async with world.sessions.begin() as session:
        again = await notices.cancel(session, world.coordinator, notice_id, STAFF_CHAT, 77, clock.now())
        assert again.refusal is Refusal.FINISHED
        rows = (await session.exec(select(Outbox).where(col(Outbox.ref_id) == notice_id))).all()
        assert [(r.status, r.error) for r in rows] == [("failed", "cancelled")] * 3
        assert (await notices.write_due(session, world.settings, clock.now())).told == []


async def test_a_resident_turns_notices_off_and_on(world: World) -> None:
    async with world.sessions.begin() as session:
        resident = await session.get(Resident, world.resident.id)
        assert resident is not None
        assert notices.set_notices(session, resident) is False
        assert resident.notices_off
        assert notices.set_notices(session, resident) is True
        assert notices.set_notices(session, resident, on=False) is False
        assert notices.set_notices(session, resident, on=False) is False  # said twice: still off


async def test_the_audiences_residents_with_check_ins_and_staff(world: World) -> None:
    """Residents with an active check-in plan (a stopped plan does not count); staff who opened a private
    chat with the bot and are still in their chat."""
    ids = await residents(world, 3)
    async with world.sessions.begin() as session:
        session.add(CheckinPlan(resident_id=ids[0], active=True))
        session.add(CheckinPlan(resident_id=ids[1], active=False))
    async with world.sessions() as session:
        checkins = await notices.audience(session, NoticeAudience.CHECKINS)
        staff = await notices.audience(session, NoticeAudience.STAFF)
        everyone = await notices.audience(session, NoticeAudience.DISTRICTS, [world.district.id or 0, world.other.id or 0])
    assert (checkins.total, staff.total, everyone.total) == (1, 1, 4)  # the worker has a private chat, the coordinator not
    created = await make(world, kind=NoticeAudience.STAFF, district_ids=[world.district.id or 0])
    assert created.notice is not None and created.notice.district_ids == [] and created.notice.total == 1
    async with world.sessions.begin() as session:
        batch = await notices.write_due(session, world.settings, clock.now())
    assert [d.recipient.id for d in batch.told if isinstance(d, NoticeDue)] == [world.worker.id]


async def test_no_notice_is_written_while_the_look_ahead_is_full_of_check_ins(world: World) -> None:
    """Room for 3 rows, 3 check-ins pending: a notice waits (it takes only the budget nothing else needs);
    once they are sent, it is written."""
    await residents(world, 2)
    await make(world)
    settings = world.settings.model_copy(update={
        "limits": world.settings.limits.model_copy(update={"global_per_second": 1.0}),
        "notices": world.settings.notices.model_copy(update={"lookahead_seconds": 3})})
    async with world.sessions.begin() as session:
        wave = [outbox.enqueue(session, 9000 + i, "sendMessage", {}, purpose="checkin", priority=OutboxPriority.CHECKIN)
                for i in range(3)]
    async with world.sessions.begin() as session:
        assert (await notices.write_due(session, settings, clock.now())).count == 0
        for row in wave:
            stored = await session.get(Outbox, row.id)
            assert stored is not None
            stored.status = "sent"  # type: ignore[assignment]
            session.add(stored)
    async with world.sessions.begin() as session:
        assert (await notices.write_due(session, settings, clock.now())).count == 3


async def test_a_resident_erased_after_the_notice_was_written_never_gets_it(world: World) -> None:
    """The notice's row to a resident who erases their data before it goes out is dropped with the rest
    of their outbox rows (bot.services.privacy), and the notice finishes counting them not reached."""
    ids = await residents(world, 1)
    await make(world)
    settings = world.settings.model_copy(update={"notices": world.settings.notices.model_copy(update={"progress_seconds": 0})})
    async with world.sessions.begin() as session:
        batch = await notices.write_due(session, settings, clock.now())
        for d in batch.told:
            if isinstance(d, NoticeDue):
                outbox.enqueue(session, d.recipient.chat_id or 0, "sendMessage", {"text": "通知"}, purpose="notice",
                               resident_id=d.recipient.id, ref_id=d.notice.id, priority=OutboxPriority.BULK)
    async with world.sessions.begin() as session:
        erased = await session.get(Resident, ids[0])
        assert erased is not None
        await privacy.erase_resident(session, erased, clock.now())
    async with world.sessions.begin() as session:
        rows = (await session.exec(select(Outbox).where(col(Outbox.resident_id) == ids[0]))).all()
        assert [(r.status, r.error, r.payload) for r in rows] == [("failed", "erased", {})]
        (other,) = (await session.exec(select(Outbox).where(col(Outbox.resident_id) == world.resident.id))).all()
        other.status = "sent"  # type: ignore[assignment]
        session.add(other)
        await notices.delivered(session, [other])
    async with world.sessions.begin() as session:
        (progress,) = (await notices.write_due(session, settings, clock.now())).told
        assert isinstance(progress, NoticeProgress)
        notice = progress.notice  # the erased one is not reached, and did not turn notices off
        assert (notice.status, notice.sent, notice.unreachable, notice.skipped) == (NoticeStatus.DONE, 1, 1, 0)


async def test_report_counts_notices_of_its_scope(world: World) -> None:
    """/report counts a district's notice in that district's report and in the whole one; a notice to the
    staff only in a report of everything the reader may see."""
    await residents(world, 2)
    to_north = await make(world, key="n1")
    to_staff = await make(world, key="n2", kind=NoticeAudience.STAFF)
    assert to_north.notice is not None and to_staff.notice is not None
    async with world.sessions.begin() as session:
        for notice_id, sent, unreachable in ((to_north.notice.id, 2, 1), (to_staff.notice.id, 1, 0)):
            stored = await session.get(Notice, notice_id)
            assert stored is not None
            stored.sent, stored.unreachable = sent, unreachable
            session.add(stored)
    start, end = clock.now() - timedelta(days=1), clock.now() + timedelta(minutes=1)
    async with world.sessions() as session:
        everything = await reports.notice_figures(session, reports.Scope([world.district, world.other], True), start, end)
        north = await reports.notice_figures(session, reports.Scope([world.district], False), start, end)
        south = await reports.notice_figures(session, reports.Scope([world.other], False), start, end)
        earlier = await reports.notice_figures(session, reports.Scope([world.district], True), start - timedelta(days=2),
                                               start)
    assert (everything.sent, everything.reached, everything.unreachable) == (2, 3, 1)
    assert (north.sent, north.reached, north.unreachable) == (1, 2, 1)
    assert (south.sent, earlier.sent) == (0, 0)
