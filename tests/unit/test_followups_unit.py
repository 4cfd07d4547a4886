"""bot.services.followups: who may choose a follow-up and when it is asked, the ask and silence ticks,
and what an answer opens (no bot: the decisions are asserted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core import clock
from bot.core.config import Settings
from bot.domain.danger import DangerKind
from bot.services import followups, privacy
from bot.services.decisions import CardChanged, DetailsOwed, FollowUpDue, FollowUpHeard, StatusChanged
from bot.services.staff import Refusal
from db.models import CheckinAnswer, CheckinPlan, Request, RequestKind, RequestStatus, Resident, Staff, Urgency
from tests.unit.conftest import STAFF_CHAT, World


async def done_talk(world: World, kind: RequestKind = RequestKind.PSYCH) -> Request:
    """A «someone to talk to» request of the world's resident, done by the world's worker."""
    async with world.sessions.begin() as session:
        request = Request(resident_id=world.resident.id or 0, district_id=world.district.id, kind=kind,
                          status=RequestStatus.DONE, claimed_by=world.worker.id, draft_key=f"k{kind}",
                          details="想聊聊", call_time="evening")
        session.add(request)
        await session.flush()
        await session.refresh(request)
        session.expunge(request)
    return request


def test_ask_time_is_the_residents_local_check_in_hour() -> None:
    """Shanghai 23:30 on 1 March (15:30 UTC): tomorrow is 2 March, 09:00 there (01:00 UTC); a resident in
    Kyiv (UTC+2 in winter) with a 10:30 plan: three days on is 4 March 10:30 Kyiv (08:30 UTC)."""
    settings = Settings(bot_token="7012345678:AAE1b2C3d4E5f6G7h8I9j0KkLlMmNnOoPpQ", staff_chat_id=-1, timezone="Asia/Shanghai",
                        districts=[{"code": "a", "name": "A"}], _env_file=None)
    now = datetime(2027, 3, 1, 15, 30, tzinfo=UTC)
    lin = Resident(locale="zh")
    assert followups.ask_time(lin, settings, None, 1, now) == datetime(2027, 3, 2, 1, 0, tzinfo=UTC)
    olena = Resident(locale="uk", timezone="Europe/Kyiv")
    assert followups.ask_time(olena, settings, ["18:00", "10:30"], 3, now) == datetime(2027, 3, 4, 8, 30, tzinfo=UTC)
    # across the spring change (Kyiv goes to UTC+3 on 28 March 2027): 09:00 local is 06:00 UTC
    assert followups.ask_time(olena, settings, None, 7, datetime(2027, 3, 24, 12, tzinfo=UTC)) == datetime(
        2027, 3, 31, 6, 0, tzinfo=UTC)


async def test_only_the_claimer_or_a_coordinator_chooses_once(world: World) -> None:
    request = await done_talk(world)
    async with world.sessions.begin() as session:
        stranger = Staff(tg_user_id=5002, chat_id=STAFF_CHAT, name="李社工")
        session.add(stranger)
        await session.flush()
        refused = await followups.choose(session, world.settings, stranger, request.id or 0, STAFF_CHAT, 3)
        assert (refused.refusal, refused.holder, refused.told) == (Refusal.NOT_YOURS, "王社工", ())
        wrong = await followups.choose(session, world.settings, world.worker, request.id or 0, STAFF_CHAT, 2)
        assert wrong.refusal == Refusal.WRONG_STATE
        chosen = await followups.choose(session, world.settings, world.worker, request.id or 0, STAFF_CHAT, 3)
        assert chosen.refusal is None and [type(t) for t in chosen.told] == [CardChanged]
        again = await followups.choose(session, world.settings, world.worker, request.id or 0, STAFF_CHAT, 3)
        assert (again.refusal, again.told) == (None, ())  # a double tap
        other = await followups.choose(session, world.settings, world.coordinator, request.id or 0, STAFF_CHAT, 7)
        assert other.refusal == Refusal.WRONG_STATE
        assert chosen.request is not None and chosen.request.follow_up_days == 3
    assert await world.outbox_rows() == 0


async def test_open_requests_and_other_kinds_get_no_follow_up_and_none_asks_nothing(world: World) -> None:
    supplies = await done_talk(world, RequestKind.SUPPLIES)
    talk = await done_talk(world)
    async with world.sessions.begin() as session:
        refused = await followups.choose(session, world.settings, world.worker, supplies.id or 0, STAFF_CHAT, 1)
        assert refused.refusal == Refusal.WRONG_STATE
        none = await followups.choose(session, world.settings, world.worker, talk.id or 0, STAFF_CHAT, 0)
        assert none.refusal is None and none.request is not None
        assert (none.request.follow_up_days, none.request.follow_up_at) == (0, None)
    clock.advance(timedelta(days=8))
    async with world.sessions.begin() as session:
        assert (await followups.ask_due(session, world.settings, clock.now())).count == 0


async def test_the_day_comes_the_question_then_silence_is_heard_once(world: World) -> None:
    request = await done_talk(world)
    async with world.sessions.begin() as session:
        session.add(CheckinPlan(resident_id=world.resident.id or 0, times=["08:15"], active=True))
        await followups.choose(session, world.settings, world.worker, request.id or 0, STAFF_CHAT, 1)
        stored = await session.get(Request, request.id)
        assert stored is not None and stored.follow_up_at is not None
        due = stored.follow_up_at
    assert due.astimezone(world.settings.tz).strftime("%H:%M") == "08:15"  # the resident's own check-in time
    clock.advance(due - clock.now() - timedelta(seconds=1))
    async with world.sessions.begin() as session:
        assert (await followups.ask_due(session, world.settings, clock.now())).count == 0
    clock.advance(timedelta(seconds=2))
    async with world.sessions.begin() as session:
        asked = await followups.ask_due(session, world.settings, clock.now())
        again = await followups.ask_due(session, world.settings, clock.now())
    assert asked.count == 1 and again.count == 0
    (question,) = asked.told
    assert isinstance(question, FollowUpDue) and question.worker is not None and question.worker.id == world.worker.id
    followup_id = question.followup.id or 0
    async with world.sessions.begin() as session:
        await followups.delivered(session, world.settings, [followup_id], clock.now())
    clock.advance(timedelta(minutes=world.settings.checkins.escalate_after_minutes - 1))
    async with world.sessions.begin() as session:
        assert (await followups.silence(session, world.settings, clock.now())).count == 0
    clock.advance(timedelta(minutes=2))
    async with world.sessions.begin() as session:
        silent = await followups.silence(session, world.settings, clock.now())
        twice = await followups.silence(session, world.settings, clock.now())
    assert silent.count == 1 and twice.count == 0
    heard, card = silent.told
    assert isinstance(heard, FollowUpHeard) and heard.followup.answer == CheckinAnswer.MISSED
    assert isinstance(card, CardChanged) and card.request.id == request.id
    assert await world.outbox_rows() == 0


async def asked_follow_up(world: World) -> tuple[Request, int]:
    """A done talk request whose follow-up (tomorrow) has been asked and delivered."""
    request = await done_talk(world)
    async with world.sessions.begin() as session:
        await followups.choose(session, world.settings, world.worker, request.id or 0, STAFF_CHAT, 1)
    clock.advance(timedelta(days=2))
    async with world.sessions.begin() as session:
        asked = await followups.ask_due(session, world.settings, clock.now())
        followup_id = asked.told[0].followup.id or 0  # type: ignore[union-attr]
        await followups.delivered(session, world.settings, [followup_id], clock.now())
    return request, followup_id


async def test_not_well_opens_one_linked_request_claimed_for_the_same_worker(world: World) -> None:
    request, followup_id = await asked_follow_up(world)
    async with world.sessions.begin() as session:
        resident = await session.get(Resident, world.resident.id)
        assert resident is not None
        stranger = Resident(tg_user_id=7009, chat_id=7009, locale="ru")
        session.add(stranger)
        await session.flush()
        forged = await followups.answer(session, world.settings, stranger, followup_id, CheckinAnswer.HELP)
        assert forged.followup is None and forged.told == ()
        result = await followups.answer(session, world.settings, resident, followup_id, CheckinAnswer.NOT_WELL)
        assert result.request is not None
        linked = result.request
        assert (linked.follows_request_id, linked.kind, linked.status, linked.claimed_by, linked.urgency) == (
            request.id, RequestKind.PSYCH, RequestStatus.CLAIMED, world.worker.id, Urgency.NORMAL)
        assert [type(t) for t in result.told] == [CardChanged, DetailsOwed, StatusChanged, CardChanged]
        repeat = await followups.answer(session, world.settings, resident, followup_id, CheckinAnswer.NOT_WELL)
        assert repeat.repeat and repeat.told == () and repeat.request is not None and repeat.request.id == linked.id
        worse = await followups.answer(session, world.settings, resident, followup_id, CheckinAnswer.HELP)
        assert worse.request is not None and worse.request.id == linked.id and worse.request.urgency == Urgency.URGENT
    assert await world.outbox_rows() == 0


async def test_a_worker_who_left_gets_nothing_the_request_waits_for_anyone(world: World) -> None:
    _request, followup_id = await asked_follow_up(world)
    async with world.sessions.begin() as session:
        worker = await session.get(Staff, world.worker.id)
        resident = await session.get(Resident, world.resident.id)
        assert worker is not None and resident is not None
        worker.left_at = clock.now()
        session.add(worker)
        result = await followups.answer(session, world.settings, resident, followup_id, CheckinAnswer.HELP)
    assert result.request is not None
    assert (result.request.status, result.request.claimed_by, result.request.urgency) == (
        RequestStatus.NEW, None, Urgency.URGENT)
    assert [type(t) for t in result.told] == [CardChanged, CardChanged]


async def test_danger_while_a_follow_up_is_recent_is_its_urgent_answer(world: World) -> None:
    _request, followup_id = await asked_follow_up(world)
    async with world.sessions.begin() as session:
        resident = await session.get(Resident, world.resident.id)
        assert resident is not None
        caught = await followups.danger_answer(session, world.settings, resident, DangerKind.SELF_HARM, "不想活了")
        assert caught is not None and caught.request is not None
        assert (caught.request.danger, caught.request.urgency, caught.request.details) == ("self_harm", Urgency.URGENT, "不想活了")
        assert caught.followup is not None and caught.followup.id == followup_id
    clock.advance(timedelta(hours=followups.ANSWER_HOURS + 1))
    async with world.sessions.begin() as session:
        resident = await session.get(Resident, world.resident.id)
        assert resident is not None
        assert await followups.danger_answer(session, world.settings, resident, DangerKind.SELF_HARM, "x") is None


async def test_erasure_stops_the_follow_up(world: World) -> None:
    """A resident who erased their data is not asked (their done request keeps no due time)."""
    request = await done_talk(world)
    async with world.sessions.begin() as session:
        await followups.choose(session, world.settings, world.worker, request.id or 0, STAFF_CHAT, 1)
        resident = await session.get(Resident, world.resident.id)
        assert resident is not None
        await privacy.erase_resident(session, resident, clock.now())
    clock.advance(timedelta(days=2))
    async with world.sessions.begin() as session:
        assert (await followups.ask_due(session, world.settings, clock.now())).count == 0
