"""bot.services.medicines: recording, the reminder's due time, the ticks' decisions, answers, refills and
the staff's list (no bot: the decisions are asserted)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.domain.meds import MedLine
from bot.services import medicines, privacy
from bot.services.decisions import CardChanged, MedicineDue
from bot.ui import medicine_texts
from db.models import Medicine, Request, RequestKind, RequestStatus, Resident
from db.repo import medicines as medicines_repo
from tests.unit.conftest import STAFF_CHAT, World

SHANGHAI = ZoneInfo("Asia/Shanghai")


def set_clock(at: datetime) -> None:
    """The application clock at `at` (the fixture puts it back to real time)."""
    clock.reset()
    clock.advance(at - clock.now())


async def recorded(world: World, line: MedLine) -> Medicine:
    async with world.sessions.begin() as session:
        resident = await session.get(Resident, world.resident.id)
        assert resident is not None
        medicine = await medicines.record(session, world.settings, resident, line)
        await session.refresh(medicine)
        session.expunge(medicine)
    return medicine


async def reminded_then_ordered(session: AsyncSession, world: World, medicine: Medicine) -> Medicine | None:
    """The tick reminds of exactly this medicine, then its resident presses «Order it»: what order_opened returns."""
    told = await medicines.remind_due(session, world.settings, clock.now())
    assert [t.medicine.id for t in told.told if isinstance(t, MedicineDue)] == [medicine.id]
    resident = await session.get(Resident, world.resident.id)
    assert resident is not None
    return await medicines.order_opened(session, world.settings, resident, medicine.id or 0)


async def test_ten_days_left_reminds_three_days_before_at_nine_local(world: World) -> None:
    set_clock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
    medicine = await recorded(world, MedLine("二甲双胍", "500毫克", 10, None))
    assert (medicine.runs_out_on, medicine.days_supply) == (date(2026, 12, 11), 10)
    assert medicine.remind_at == datetime(2026, 12, 8, 9, 0, tzinfo=SHANGHAI)
    # the same name again updates it (a date this time: the supply is the days until then)
    again = await recorded(world, MedLine("二甲双胍", "850毫克", None, date(2026, 12, 3)))
    assert again.id == medicine.id and (again.dose, again.days_supply) == ("850毫克", 2)
    assert again.remind_at is not None and timedelta(0) <= clock.now() - again.remind_at < timedelta(seconds=5)  # past: at once


async def test_the_tick_reminds_once_and_only_do_not_interrupt_escalates_once(world: World) -> None:
    set_clock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    keep = await recorded(world, MedLine("奥氮平", "5毫克", 3, None, do_not_interrupt=True))
    plain = await recorded(world, MedLine("维生素", "", 2, None))
    async with world.sessions.begin() as session:
        sent = await medicines.remind_due(session, world.settings, clock.now())
        twice = await medicines.remind_due(session, world.settings, clock.now())
    assert sent.count == 2 and twice.count == 0
    assert {t.medicine.id for t in sent.told if isinstance(t, MedicineDue)} == {keep.id, plain.id}
    clock.advance(timedelta(minutes=world.settings.checkins.escalate_after_minutes - 1))
    async with world.sessions.begin() as session:
        assert (await medicines.escalate_due(session, world.settings, clock.now())).count == 0
    clock.advance(timedelta(minutes=2))
    async with world.sessions.begin() as session:
        raised = await medicines.escalate_due(session, world.settings, clock.now())
        again = await medicines.escalate_due(session, world.settings, clock.now())
    assert raised.count == 1 and again.count == 0
    (card,) = raised.told
    assert isinstance(card, CardChanged) and card.request.kind == RequestKind.WELLBEING and card.request.details == "medicine"
    assert await world.outbox_rows() == 0


async def test_an_answer_stops_the_escalation_and_only_the_owner_answers(world: World) -> None:
    set_clock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    keep = await recorded(world, MedLine("奥氮平", "5毫克", 5, None, do_not_interrupt=True))
    async with world.sessions.begin() as session:
        await medicines.remind_due(session, world.settings, clock.now())
        stranger = Resident(tg_user_id=7009, chat_id=7009, locale="ru")
        session.add(stranger)
        await session.flush()
        assert await medicines.answered(session, stranger, keep.id or 0) is None
        resident = await session.get(Resident, world.resident.id)
        assert resident is not None
        later = await medicines.not_now(session, world.settings, resident, keep.id or 0)
        assert later is not None and later.escalate_at is None
        assert later.remind_at == datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)  # tomorrow, 09:00 there
    clock.advance(timedelta(hours=3))
    async with world.sessions.begin() as session:
        assert (await medicines.escalate_due(session, world.settings, clock.now())).count == 0


async def test_a_received_refill_moves_the_run_out_day_by_one_supply(world: World) -> None:
    set_clock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    medicine = await recorded(world, MedLine("二甲双胍", "500毫克", 10, None))
    async with world.sessions.begin() as session:
        refill = Request(resident_id=world.resident.id or 0, kind=RequestKind.MEDICINE, status=RequestStatus.RECEIVED,
                         answers={medicines.REFILL: str(medicine.id)}, draft_key="refill1")
        other = Request(resident_id=world.resident.id or 0, kind=RequestKind.MEDICINE, draft_key="other1")
        session.add_all([refill, other])
        await session.flush()
        assert await medicines.refill_received(session, world.settings, other) is None
        moved = await medicines.refill_received(session, world.settings, refill)
        assert moved is not None and moved.runs_out_on == date(2026, 12, 21)
        assert moved.remind_at == datetime(2026, 12, 18, 9, 0, tzinfo=SHANGHAI)
        assert await medicines.refill_received(session, world.settings, refill) is None  # once per refill
    # ran out already: the new supply counts from today
    set_clock(datetime(2027, 1, 5, 2, 0, tzinfo=UTC))
    async with world.sessions.begin() as session:
        late = Request(resident_id=world.resident.id or 0, kind=RequestKind.MEDICINE, status=RequestStatus.RECEIVED,
                       answers={medicines.REFILL: str(medicine.id)}, draft_key="refill2")
        session.add(late)
        await session.flush()
        moved = await medicines.refill_received(session, world.settings, late)
        assert moved is not None and moved.runs_out_on == date(2027, 1, 15)


async def test_running_out_lists_the_chats_districts_do_not_interrupt_first(world: World) -> None:
    set_clock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    await recorded(world, MedLine("维生素", "", 2, None))
    await recorded(world, MedLine("奥氮平", "5毫克", 6, None, do_not_interrupt=True))
    await recorded(world, MedLine("阿司匹林", "", 8, None))  # beyond 7 days
    async with world.sessions.begin() as session:
        soon = await medicines.running_out(session, world.settings, STAFF_CHAT)
        assert await medicines.running_out(session, world.settings, -42) == []
    assert [(s.medicine.name, s.days_left) for s in soon] == [("奥氮平", 6), ("维生素", 2)]


async def test_erasure_deletes_the_medicines(world: World) -> None:
    await recorded(world, MedLine("奥氮平", "5毫克", 6, None, do_not_interrupt=True))
    async with world.sessions.begin() as session:
        resident = await session.get(Resident, world.resident.id)
        assert resident is not None
        await privacy.erase_resident(session, resident, clock.now())
    async with world.sessions() as session:
        assert await medicines.running_out(session, world.settings, STAFF_CHAT) == []
        resident = await session.get(Resident, world.resident.id)
        assert resident is not None
        assert await medicines_repo.of_resident(session, resident.id or 0) == []


async def test_a_reminder_due_at_once_waits_for_the_end_of_quiet_hours(world: World) -> None:
    set_clock(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai, in the default quiet hours 22:00–07:00
    medicine = await recorded(world, MedLine("二甲双胍", "500毫克", 2, None))
    assert medicine.remind_at == datetime(2026, 12, 2, 7, 0, tzinfo=SHANGHAI)


async def test_order_it_reminds_again_tomorrow_unless_the_request_was_sent(world: World) -> None:
    """«Order it» answers the reminder and sets tomorrow's at 09:00 Shanghai; the tick then reminds only
    while no request was filed from that reminder (its draft key, medicines.order_key)."""
    set_clock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    medicine = await recorded(world, MedLine("奥氮平", "5毫克", 5, None, do_not_interrupt=True))
    async with world.sessions.begin() as session:
        await medicines.remind_due(session, world.settings, clock.now())
        resident = await session.get(Resident, world.resident.id)
        assert resident is not None
        opened = await medicines.order_opened(session, world.settings, resident, medicine.id or 0)
        assert opened is not None and opened.escalate_at is None
        assert opened.remind_at == datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)
        key = medicines.order_key(opened)
    set_clock(datetime(2026, 12, 2, 1, 1, tzinfo=UTC))  # 09:01 there: no request: reminded again
    async with world.sessions.begin() as session:
        reopened = await reminded_then_ordered(session, world, medicine)
        assert reopened is not None and medicines.order_key(reopened) != key
        session.add(Request(resident_id=world.resident.id or 0, kind=RequestKind.MEDICINE,
                            answers={medicines.REFILL: str(medicine.id)}, draft_key=medicines.order_key(reopened)))
    set_clock(datetime(2026, 12, 3, 1, 1, tzinfo=UTC))  # sent: no reminder, none scheduled till the refill
    async with world.sessions.begin() as session:
        quiet = await medicines.remind_due(session, world.settings, clock.now())
        assert quiet.count == 1 and quiet.told == []
        row = await session.get(Medicine, medicine.id)
        assert row is not None and row.remind_at is None


async def test_an_order_cancelled_or_failed_is_reminded_again_the_next_day(world: World) -> None:
    """The request sent from «Order it» was cancelled (or failed): the next day's reminder comes all the same
    (a dead order must not end the reminders while the medicine runs out)."""
    set_clock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    medicine = await recorded(world, MedLine("奥氮平", "5毫克", 3, None))  # reminded at once
    async with world.sessions.begin() as session:
        opened = await reminded_then_ordered(session, world, medicine)
        assert opened is not None
        session.add(Request(resident_id=world.resident.id or 0, kind=RequestKind.MEDICINE, status=RequestStatus.CANCELLED,
                            answers={medicines.REFILL: str(medicine.id)}, draft_key=medicines.order_key(opened)))
    set_clock(datetime(2026, 12, 2, 1, 1, tzinfo=UTC))
    async with world.sessions.begin() as session:
        again = await medicines.remind_due(session, world.settings, clock.now())
        assert [t.medicine.id for t in again.told if isinstance(t, MedicineDue)] == [medicine.id]


@pytest.mark.parametrize(("locale", "abbreviated"), [("uk", True), ("ru", True), ("zh", False), ("en", False)])
def test_a_date_at_the_end_of_a_sentence_loses_only_its_own_final_dot(locale: str, abbreviated: bool) -> None:
    """«… закінчаться через 3 дні, 5 груд. 2026 р.» with one full stop, not «р..»; a date without a final dot (zh,
    en) is unchanged, and so is any date in the middle of a sentence."""
    whole = medicine_texts.day(date(2026, 12, 5), locale)
    at_end = medicine_texts.day(date(2026, 12, 5), locale, ends_sentence=True)
    assert "2026" in whole and whole.endswith(".") is abbreviated
    assert at_end == (whole[:-1] if abbreviated else whole)
