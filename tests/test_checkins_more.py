"""Daily check-ins, further: what is wrong, the plan menu, timezones and DST, restarts and outages,
the staff's roll and /checkin command, forged buttons. The clock is set to fixed instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlmodel import col, select

from bot.core import clock
from bot.app import follow_up_checkins, send_checkins
from bot.services import checkins
from db.models import CheckinAnswer, CheckinPlan, Request, RequestKind, Resident, Urgency
from db.repo import checkins as checkins_repo
from sandbox.bot_api import SentMessage
from tests.conftest import COORDINATOR_ID, SECOND_CHAT, STAFF_CHAT, Harness
from tests.conversation import TgUser
from tests.helpers import (
    CALL_PROMPT, ITEMS_PROMPT, MEDICINE_PROMPT, STALE, button_data, check_title, fsm_of, outbox_rows, register, requests_of,
    submit, catalog_text, catalog_plural, visible_text,
)
from tests.test_checkins import checkins_of, enrolled, plan_of
from tests.test_staff import join

SHANGHAI = ZoneInfo("Asia/Shanghai")
KYIV = ZoneInfo("Europe/Kyiv")
#: Monday 2027-01-11, 10:00 in Shanghai: that day's 09:00 check-in time has passed.
MONDAY = datetime(2027, 1, 11, 2, 0, tzinfo=UTC)
QUESTION = "☀️ Good day, {name}! Are you OK today?"
REMINDER = "{name}, we have not heard from you yet today. Are you OK? Please press a button."
WELLBEING = "Wellbeing check-in"
#: the answer to «I feel ill»: an illness text (an ambulance if urgent, a worker calls), not the self-harm one
ILL = "🩺 We are sorry you feel ill. <b>If it is urgent, call an ambulance now.</b>"


def set_clock(at: datetime) -> None:
    """Put the application clock at an instant."""
    clock.advance(at - clock.now())


def at_local(day: date, hhmm: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    """A wall-clock time on a day, in UTC."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)


async def tick(harness: Harness, at: datetime | None = None) -> None:
    """(Move the clock and) run the due tick, then deliver."""
    if at is not None:
        set_clock(at)
    assert harness.app is not None
    await send_checkins(harness.app)
    await harness.drain()


async def follow(harness: Harness, after: timedelta | None = None) -> None:
    """(Let time pass and) run the reminder/escalation tick, then deliver."""
    if after is not None:
        clock.advance(after)
    assert harness.app is not None
    await follow_up_checkins(harness.app)
    await harness.drain()


def questions(user: TgUser, locale: str, reminder: bool = False) -> list[SentMessage]:
    """The daily questions (or reminders) the user has received."""
    text = visible_text(locale, REMINDER if reminder else QUESTION, name="林")
    return [m for m in user.messages() if text in (m.text or "")]


def wellbeing_cards(harness: Harness, chat_id: int = STAFF_CHAT) -> list[SentMessage]:
    """Check-in escalation cards in a staff chat."""
    title = f" · {catalog_text('zh', WELLBEING)}\n"
    return [m for m in harness.fake.messages.get(chat_id, []) if not m.deleted and title in m.text]


async def move_to(harness: Harness, user: TgUser, tz: str | None) -> CheckinPlan:
    """The resident's timezone changes; the plan is rescheduled."""
    assert harness.app is not None
    async with harness.app.sessions.begin() as session:
        resident = (await session.exec(select(Resident).where(Resident.tg_user_id == user.user_id))).one()
        resident.timezone = tz
        session.add(resident)
        plan = await checkins_repo.plan_of(session, resident.id or 0)
        assert plan is not None
        await checkins.change(session, harness.settings, resident, plan)
    return await plan_of(harness, user)


# ------------------------------------------------------------------------ what is wrong


async def test_not_so_well_leads_to_the_matching_help(harness: Harness) -> None:
    """Not so well → What is wrong? → supplies, medicine, talk (prefilled), I feel ill: one day each."""
    set_clock(MONDAY)
    user = await enrolled(harness, "zh")
    day = MONDAY.astimezone(SHANGHAI).date()

    async def not_well() -> SentMessage:
        nonlocal day
        day += timedelta(days=1)
        await tick(harness, at_local(day, "09:00") + timedelta(seconds=30))
        await user.press(catalog_text("zh", "😐 Not so well"), message=questions(user, "zh")[-1])
        menu = await user.expect(visible_text("zh", "We are sorry to hear that. What is wrong?"))
        assert menu.button_texts() == [catalog_text("zh", "🛒 I need food or supplies"), catalog_text("zh", "💊 I need medicine"),
                                       catalog_text("zh", "💬 I would like to talk to someone"), catalog_text("zh", "🩺 I feel ill")]
        return menu

    menu = await not_well()
    data = button_data(menu, catalog_text("zh", "🛒 I need food or supplies"))
    await user.press_data(data, message=menu)
    prompt = await user.expect(visible_text("zh", ITEMS_PROMPT))
    draft = (await fsm_of(harness, user))[1]["draft"]["draft_key"]
    await user.press_data(data, message=menu)  # a double tap: the question is not asked twice
    assert user.last() is prompt and (await fsm_of(harness, user))[1]["draft"]["draft_key"] == draft

    await not_well()
    await user.press(catalog_text("zh", "💊 I need medicine"))
    await user.expect(visible_text("zh", MEDICINE_PROMPT))

    await not_well()
    await user.press(catalog_text("zh", "💬 I would like to talk to someone"))
    await user.expect(visible_text("zh", CALL_PROMPT))  # the feeling is already known: straight to the call time
    await user.press(catalog_text("zh", "Evening"))
    await user.expect(visible_text("zh", "How urgent is it?"))
    await user.press(catalog_text("zh", "Within 1–2 days"))
    summary = await user.expect(check_title("zh"))
    feeling = catalog_text("zh", "Not so well (answer to the daily check-in)")
    assert feeling in summary.text
    talk = await submit(harness, user, "zh", summary)
    assert (talk.kind, talk.details, talk.call_time) == (RequestKind.PSYCH, feeling, "evening")

    await not_well()
    await user.press(catalog_text("zh", "🩺 I feel ill"))
    await user.expect(visible_text("zh", ILL))
    shown = user.last()
    assert shown is not None and "☎️" in shown.text and "120" in shown.text
    assert visible_text("zh", "A social worker has been told and will call you.") in shown.text
    assert visible_text("zh", "🆘 <b>If you are in danger or might hurt yourself, call now. You are not alone.</b>") not in shown.text
    await harness.drain()
    ill = (await requests_of(harness, user))[-1]
    assert (ill.kind, ill.urgency, ill.details) == (RequestKind.WELLBEING, Urgency.URGENT, "health")
    (card,) = wellbeing_cards(harness)
    assert visible_text("zh", "The resident says they feel ill.") in card.text

    stored = await checkins_of(harness, user)
    assert [c.answer for c in stored] == [CheckinAnswer.NOT_WELL] * 4
    assert stored[-1].request_id == ill.id and [c.request_id for c in stored[:3]] == [None] * 3
    assert [r.kind for r in await requests_of(harness, user)] == [RequestKind.PSYCH, RequestKind.WELLBEING]


async def test_i_need_help_twice_makes_one_urgent_request(harness: Harness) -> None:
    """«I need help»: an urgent request and a card at once, the emergency numbers; a second press adds
    nothing, and says so in a toast rather than a second message."""
    set_clock(MONDAY)
    user = await enrolled(harness, "ru")
    await tick(harness, at_local(date(2027, 1, 12), "09:00") + timedelta(seconds=30))
    (question,) = questions(user, "ru")
    data = button_data(question, catalog_text("ru", "🆘 I need help"))
    await user.press_data(data, message=question)
    await user.expect(visible_text("ru", "A social worker has been told and will contact you as soon as possible."))
    assert visible_text("ru", "Emergency numbers:") in (user.last() or question).text
    await harness.drain()
    (card,) = wellbeing_cards(harness)
    assert visible_text("zh", "The resident pressed «I need help» in the daily check-in.") in card.text
    before = len(user.messages())
    await user.press_data(data, message=question)  # pressed again (a double tap)
    await harness.drain()
    assert len(user.messages()) == before  # the reassurance is not sent twice: a toast says it again
    assert user.last_answer is not None
    assert user.last_answer["text"] == visible_text("ru", "A social worker has been told and will contact you as soon as possible.")
    (request,) = await requests_of(harness, user)
    assert (request.kind, request.urgency, request.details) == (RequestKind.WELLBEING, Urgency.URGENT, "help")
    assert len(wellbeing_cards(harness)) == 1
    (checkin,) = await checkins_of(harness, user)
    assert checkin.answer == CheckinAnswer.HELP and checkin.request_id == request.id


async def test_i_feel_ill_twice_sends_the_numbers_once_and_a_late_one_upgrades_the_missed_card(harness: Harness) -> None:
    """«I feel ill» pressed twice: one urgent request, the emergency numbers once, the second press a
    toast, and the staff card neither re-sent nor re-edited. After a missed check-in escalated, the
    same button still says on the open card that the resident feels ill (that is not a repeat)."""
    set_clock(MONDAY)
    user = await enrolled(harness, "uk")
    await tick(harness, at_local(date(2027, 1, 12), "09:00") + timedelta(seconds=30))
    await user.press(catalog_text("uk", "😐 Not so well"), message=questions(user, "uk")[-1])
    menu = await user.expect(visible_text("uk", "We are sorry to hear that. What is wrong?"))
    data = button_data(menu, catalog_text("uk", "🩺 I feel ill"))
    await user.press_data(data, message=menu)
    numbers = await user.expect(visible_text("uk", ILL))
    await harness.drain()
    (card,) = wellbeing_cards(harness)
    edits, sent = len(card.edits), len(user.messages())
    await user.press_data(data, message=menu)  # a double tap
    await harness.drain()
    assert len(user.messages()) == sent and user.last() is numbers
    assert user.last_answer is not None
    assert user.last_answer["text"] == visible_text("uk", "A social worker has been told and will contact you as soon as possible.")
    assert len(wellbeing_cards(harness)) == 1 and len(card.edits) == edits
    (request,) = await requests_of(harness, user)
    assert (request.kind, request.urgency, request.details) == (RequestKind.WELLBEING, Urgency.URGENT, "health")

    # A worker settles it. Next day: no answer at all, so the staff get a «missed» card; then a late
    # «not so well» → «I feel ill» on the new check-in is no repeat, and the open card says so.
    worker = await join(harness, 5001, "王社工")
    await worker.press(catalog_text("zh", "✅ Reached, all fine"), message=card)
    await tick(harness, at_local(date(2027, 1, 13), "09:00") + timedelta(seconds=30))
    await follow(harness, timedelta(minutes=61))
    await follow(harness, timedelta(minutes=60))
    missed = wellbeing_cards(harness)[-1]
    assert missed is not card
    assert visible_text("zh", "No answer to the daily check-in, not even after a reminder.") in missed.text
    await user.press(catalog_text("uk", "😐 Not so well"), message=questions(user, "uk")[-1])
    menu = await user.expect(visible_text("uk", "We are sorry to hear that. What is wrong?"))
    await user.press(catalog_text("uk", "🩺 I feel ill"), message=menu)
    await user.expect(visible_text("uk", ILL))
    await harness.drain()
    assert visible_text("zh", "The resident says they feel ill.") in missed.text


# ------------------------------------------------------------------------ the plan menu


async def test_pause_three_days_skips_them_and_resume_brings_it_back(harness: Harness) -> None:
    """⏸ Pause → 3 days on Monday after its check-in: nothing Tue–Thu, the next on Friday; ▶️ Resume."""
    set_clock(MONDAY)
    user = await enrolled(harness, "zh")
    await user.send_command("/checkin")
    await user.press(catalog_text("zh", "⏸ Pause"))
    await user.expect(visible_text("zh", "For how long?"))
    await user.press(catalog_plural("zh", "{n} day", "{n} days", 3))
    friday = date(2027, 1, 15)
    shown = await user.expect(visible_text("zh", "Paused until {date}", date=format_date(friday, "medium", locale="zh")))
    assert catalog_text("zh", "▶️ Resume") in shown.button_texts()
    plan = await plan_of(harness, user)
    assert plan.paused_until == friday and plan.next_due_at == at_local(friday, "09:00")
    for day in (12, 13, 14):  # the paused days
        await tick(harness, at_local(date(2027, 1, day), "09:00") + timedelta(minutes=1))
        await tick(harness, at_local(date(2027, 1, day), "20:00"))
    assert questions(user, "zh") == [] and await checkins_of(harness, user) == []
    set_clock(at_local(friday, "01:00"))  # still Thursday in UTC: the pause is over all the same
    await user.send_command("/checkin")
    shown = await user.expect(visible_text("zh", "<b>Daily check-in</b> at {times}", times="09:00"))
    assert catalog_text("zh", "⏸ Pause") in shown.button_texts() and catalog_text("zh", "▶️ Resume") not in shown.button_texts()
    assert visible_text("zh", "Paused until {date}", date="").strip() not in shown.text
    await tick(harness, at_local(friday, "09:00") + timedelta(minutes=1))
    assert len(questions(user, "zh")) == 1
    (checkin,) = await checkins_of(harness, user)
    assert checkin.due_at == at_local(friday, "09:00")

    await user.send_command("/checkin")  # Friday: pause a week, then change one's mind
    await user.press(catalog_text("zh", "⏸ Pause"))
    await user.press(catalog_plural("zh", "{n} day", "{n} days", 7))
    assert (await plan_of(harness, user)).paused_until == date(2027, 1, 23)
    await user.press(catalog_text("zh", "▶️ Resume"))
    shown = await user.expect(visible_text("zh", "<b>Daily check-in</b> at {times}", times="09:00"))
    assert catalog_text("zh", "⏸ Pause") in shown.button_texts()
    plan = await plan_of(harness, user)
    assert plan.paused_until is None and plan.next_due_at == at_local(date(2027, 1, 16), "09:00")
    await tick(harness, at_local(date(2027, 1, 16), "09:00") + timedelta(minutes=1))
    assert len(questions(user, "zh")) == 2


async def test_two_times_a_day_then_stop(harness: Harness) -> None:
    """🕘 Change times: 18:00 on → two check-ins a day; 🔕 Stop → none."""
    set_clock(MONDAY)
    user = await enrolled(harness, "uk")
    await user.send_command("/checkin")
    await user.press(catalog_text("uk", "🕘 Change times"))
    await user.expect(visible_text("uk", "Tap the times you want, then «✅ Save»."))
    await user.press("18:00")
    picker = user.last()
    assert picker is not None and "☑️ 18:00" in picker.button_texts() and "☑️ 09:00" in picker.button_texts()
    await user.press(catalog_text("uk", "✅ Save"))
    await user.expect(visible_text("uk", "<b>Daily check-in</b> at {times}", times="09:00, 18:00"))
    plan = await plan_of(harness, user)
    assert plan.times == ["09:00", "18:00"] and plan.next_due_at == at_local(date(2027, 1, 11), "18:00")
    await tick(harness, at_local(date(2027, 1, 11), "18:00") + timedelta(seconds=30))
    await tick(harness, at_local(date(2027, 1, 12), "09:00") + timedelta(seconds=30))
    await tick(harness, at_local(date(2027, 1, 12), "12:00"))
    await tick(harness, at_local(date(2027, 1, 12), "18:00") + timedelta(seconds=30))
    assert [c.due_at for c in await checkins_of(harness, user)] == [
        at_local(date(2027, 1, 11), "18:00"), at_local(date(2027, 1, 12), "09:00"), at_local(date(2027, 1, 12), "18:00")]
    assert len(questions(user, "uk")) == 3

    await user.send_command("/checkin")
    await user.press(catalog_text("uk", "🔕 Stop check-ins"))
    shown = await user.expect(visible_text("uk", "You have no daily check-ins. With them we ask you every day whether you are OK, "
                                      "and a social worker is told if you do not answer."))
    assert shown.button_texts() == [catalog_text("uk", "✅ Start daily check-ins")]
    plan = await plan_of(harness, user)
    assert (plan.active, plan.next_due_at) == (False, None)
    await tick(harness, at_local(date(2027, 1, 13), "09:00") + timedelta(seconds=30))
    await tick(harness, at_local(date(2027, 1, 13), "18:00") + timedelta(seconds=30))
    assert len(await checkins_of(harness, user)) == 3


async def test_a_time_inside_quiet_hours_waits_for_their_end(harness: Harness) -> None:
    """🌙 Quiet hours 20:00–09:00 and a check-in at 08:00: asked at 09:00, once."""
    set_clock(MONDAY)
    user = await enrolled(harness, "zh")
    await user.send_command("/checkin")
    await user.press(catalog_text("zh", "🌙 Quiet hours"))
    await user.expect(visible_text("zh", "When should we not disturb you?"))
    await user.press("20:00–09:00")
    await user.expect(visible_text("zh", "Quiet hours: {start}–{end}", start="20:00", end="09:00"))
    await user.press(catalog_text("zh", "🕘 Change times"))
    await user.press("09:00")
    await user.press("08:00")
    await user.press(catalog_text("zh", "✅ Save"))
    await user.expect(visible_text("zh", "<b>Daily check-in</b> at {times}", times="08:00"))
    plan = await plan_of(harness, user)
    assert (plan.times, plan.quiet_start, plan.quiet_end) == (["08:00"], "20:00", "09:00")
    tuesday = date(2027, 1, 12)
    await tick(harness, at_local(tuesday, "08:00") + timedelta(seconds=30))
    assert questions(user, "zh") == [] and await checkins_of(harness, user) == []
    assert (await plan_of(harness, user)).next_due_at == at_local(tuesday, "09:00")
    await tick(harness, at_local(tuesday, "08:59"))
    assert questions(user, "zh") == []
    await tick(harness, at_local(tuesday, "09:00") + timedelta(seconds=30))
    await tick(harness, at_local(tuesday, "09:30"))
    assert len(questions(user, "zh")) == 1
    (checkin,) = await checkins_of(harness, user)
    assert checkin.sent_at is not None and checkin.sent_at >= at_local(tuesday, "09:00")
    assert (await plan_of(harness, user)).next_due_at == at_local(tuesday + timedelta(days=1), "08:00")


# ------------------------------------------------------------------------ timezones and DST


async def test_two_timezones_are_asked_at_their_own_nine(harness: Harness) -> None:
    """Shanghai and Kyiv, both at 09:00: 01:00 and 07:00 UTC in winter; the move to Kyiv reschedules."""
    set_clock(datetime(2027, 1, 11, 0, 0, tzinfo=UTC))  # 08:00 in Shanghai, 02:00 in Kyiv
    lin = await enrolled(harness, "zh")
    olena = await enrolled(harness, "uk")
    assert (await plan_of(harness, olena)).next_due_at == datetime(2027, 1, 11, 1, 0, tzinfo=UTC)
    plan = await move_to(harness, olena, "Europe/Kyiv")
    assert plan.next_due_at == datetime(2027, 1, 11, 7, 0, tzinfo=UTC)
    await tick(harness, datetime(2027, 1, 11, 1, 0, 30, tzinfo=UTC))
    assert len(questions(lin, "zh")) == 1 and questions(olena, "uk") == []
    await tick(harness, datetime(2027, 1, 11, 6, 59, tzinfo=UTC))
    assert questions(olena, "uk") == []
    await tick(harness, datetime(2027, 1, 11, 7, 0, 30, tzinfo=UTC))
    assert len(questions(olena, "uk")) == 1 and len(questions(lin, "zh")) == 1
    assert [c.due_at for c in await checkins_of(harness, lin)] == [datetime(2027, 1, 11, 1, 0, tzinfo=UTC)]
    assert [c.due_at for c in await checkins_of(harness, olena)] == [datetime(2027, 1, 11, 7, 0, tzinfo=UTC)]
    assert (await plan_of(harness, olena)).next_due_at == datetime(2027, 1, 12, 7, 0, tzinfo=UTC)
    plan = await move_to(harness, olena, None)  # back to the deployment's timezone
    assert plan.next_due_at == datetime(2027, 1, 12, 1, 0, tzinfo=UTC)


async def test_kyiv_summer_time_keeps_nine_local(harness: Harness) -> None:
    """Europe/Kyiv goes to summer time on 2027-03-28: 09:00 is 07:00 UTC the day before, 06:00 UTC after."""
    set_clock(datetime(2027, 3, 26, 12, 0, tzinfo=UTC))
    user = await enrolled(harness, "uk")
    plan = await move_to(harness, user, "Europe/Kyiv")
    assert plan.next_due_at == datetime(2027, 3, 27, 7, 0, tzinfo=UTC)
    await tick(harness, datetime(2027, 3, 27, 6, 59, tzinfo=UTC))
    await tick(harness, datetime(2027, 3, 27, 7, 0, 30, tzinfo=UTC))
    await tick(harness, datetime(2027, 3, 27, 12, 0, tzinfo=UTC))
    assert (await plan_of(harness, user)).next_due_at == datetime(2027, 3, 28, 6, 0, tzinfo=UTC)
    await tick(harness, datetime(2027, 3, 28, 1, 30, tzinfo=UTC))  # the switch itself (03:00 → 04:00 local)
    await tick(harness, datetime(2027, 3, 28, 5, 59, tzinfo=UTC))
    assert len(questions(user, "uk")) == 1
    await tick(harness, datetime(2027, 3, 28, 6, 0, 30, tzinfo=UTC))
    await tick(harness, datetime(2027, 3, 28, 7, 0, 30, tzinfo=UTC))
    stored = await checkins_of(harness, user)
    assert [c.due_at for c in stored] == [datetime(2027, 3, 27, 7, 0, tzinfo=UTC), datetime(2027, 3, 28, 6, 0, tzinfo=UTC)]
    assert [c.due_at.astimezone(KYIV).strftime("%d %H:%M") for c in stored] == ["27 09:00", "28 09:00"]
    assert len(questions(user, "uk")) == 2
    assert (await plan_of(harness, user)).next_due_at == datetime(2027, 3, 29, 6, 0, tzinfo=UTC)


# ------------------------------------------------------------------------ restarts and outages


async def test_restart_in_the_window_still_reminds_and_escalates_once(harness: Harness) -> None:
    """Question delivered, the bot restarts, no answer: one reminder, one escalation card."""
    set_clock(MONDAY)
    user = await enrolled(harness, "ru")
    await tick(harness, at_local(date(2027, 1, 12), "09:00"))
    assert len(questions(user, "ru")) == 1
    (checkin,) = await checkins_of(harness, user)
    assert checkin.sent_at is not None
    await harness.restart()
    await follow(harness, timedelta(minutes=59))
    assert questions(user, "ru", reminder=True) == []
    await follow(harness, timedelta(minutes=2))
    assert len(questions(user, "ru", reminder=True)) == 1
    await follow(harness, timedelta(minutes=30))
    assert wellbeing_cards(harness) == []
    await harness.restart()
    await follow(harness, timedelta(minutes=31))
    await follow(harness, timedelta(minutes=30))
    await follow(harness, timedelta(hours=3))
    assert len(questions(user, "ru", reminder=True)) == 1
    (card,) = wellbeing_cards(harness)
    assert visible_text("zh", "No answer to the daily check-in, not even after a reminder.") in card.text
    (checkin,) = await checkins_of(harness, user)
    assert checkin.answer == CheckinAnswer.MISSED and checkin.escalated_at is not None
    assert [r.kind for r in await requests_of(harness, user)] == [RequestKind.WELLBEING]
    assert len(await outbox_rows(harness, "checkin_reminder")) == 1


async def test_after_an_outage_one_checkin_and_a_fresh_grace_period(harness: Harness) -> None:
    """Due three days ago (the bot was down): one check-in, not three; no reminder at once; not missed."""
    set_clock(MONDAY)
    coordinator = await join(harness, COORDINATOR_ID, "协调员", private=False)
    user = await enrolled(harness, "zh")
    due = (await plan_of(harness, user)).next_due_at
    assert due == at_local(date(2027, 1, 12), "09:00")
    set_clock(due + timedelta(days=3, hours=2))  # Friday 11:00; nothing ran meanwhile
    await tick(harness)
    await tick(harness)
    assert len(questions(user, "zh")) == 1
    (checkin,) = await checkins_of(harness, user)
    assert checkin.sent_at is not None and checkin.next_check_at == checkin.sent_at + timedelta(minutes=60)
    assert (await plan_of(harness, user)).next_due_at == at_local(date(2027, 1, 16), "09:00")
    await follow(harness)
    await follow(harness, timedelta(minutes=30))
    assert questions(user, "zh", reminder=True) == [] and wellbeing_cards(harness) == []
    (checkin,) = await checkins_of(harness, user)
    assert checkin.answer == CheckinAnswer.PENDING and checkin.escalated_at is None
    await coordinator.send_command("/checkins")
    roll = await coordinator.expect(visible_text("zh", "<b>Check-ins today</b>"))
    assert roll_line("zh", "下洋田社区", pending=1) in roll.text.splitlines()
    await follow(harness, timedelta(minutes=31))
    assert len(questions(user, "zh", reminder=True)) == 1


# ------------------------------------------------------------------------ staff


def roll_line(locale: str, district: str, fine: int = 0, not_well: int = 0, help: int = 0, pending: int = 0,  # noqa: A002
              escalated: int = 0, paused: int = 0) -> str:
    """One district's line of /checkins."""
    return visible_text(locale, "{district}: fine {fine} · not so well {not_well} · need help {help} · no answer yet {pending} · "
                     "escalated {escalated} · paused {paused}", district=district, fine=fine, not_well=not_well,
             help=help, pending=pending, escalated=escalated, paused=paused)


async def test_roll_of_the_day_per_district_in_zh_and_ru(harness: Harness) -> None:
    """/checkins: fine, not so well, need help, no answer yet, escalated, paused, per district."""
    set_clock(MONDAY)
    coordinator = await join(harness, COORDINATOR_ID, "Координатор", private=False)
    fine = await enrolled(harness, "zh")
    silent = await enrolled(harness, "zh")
    unwell = await register(harness, "zh", district="fuqin")
    await unwell.press(catalog_text("zh", "✅ Yes, every day at {time}", time="09:00"))
    blocked = await enrolled(harness, "ru")
    helpless = await enrolled(harness, "uk")
    away = await enrolled(harness, "uk")
    await away.send_command("/checkin")
    await away.press(catalog_text("uk", "⏸ Pause"))
    await away.press(catalog_plural("uk", "{n} day", "{n} days", 3))
    harness.fake.block_user(blocked.chat_id)
    await tick(harness, at_local(date(2027, 1, 12), "09:00") + timedelta(seconds=30))
    await fine.press(catalog_text("zh", "😊 I'm fine"), message=questions(fine, "zh")[-1])
    await unwell.press(catalog_text("zh", "😐 Not so well"), message=questions(unwell, "zh")[-1])
    await helpless.press(catalog_text("uk", "🆘 I need help"), message=questions(helpless, "uk")[-1])
    assert questions(silent, "zh") and questions(away, "uk") == []
    await harness.drain()

    await coordinator.send_command("/checkins")
    roll = await coordinator.expect(visible_text("zh", "<b>Check-ins today</b>"))
    # Everyone here registered as living alone and over 65: the flags of those not fine are counted.
    attention = visible_text("zh", "↳ not well, need help or escalated: {flags}", flags="独居 1 · 65岁以上 1")
    assert roll.text.splitlines() == [
        visible_text("zh", "<b>Check-ins today</b>"),
        roll_line("zh", "抚琴街道", not_well=1), attention,
        roll_line("zh", "普列斯尼亚区", escalated=1), attention,
        roll_line("zh", "中心区", help=1, paused=1), attention,
        roll_line("zh", "下洋田社区", fine=1, pending=1),
    ]
    await coordinator.send_command("/chatlang ru")
    await coordinator.send_command("/checkins")
    roll = await coordinator.expect(visible_text("ru", "<b>Check-ins today</b>"))
    attention = visible_text("ru", "↳ not well, need help or escalated: {flags}",
                  flags=f"{catalog_text('ru', 'Lives alone')} 1 · {catalog_text('ru', 'Over 65')} 1")
    assert roll.text.splitlines() == [
        visible_text("ru", "<b>Check-ins today</b>"),
        roll_line("ru", "Фуцинь", not_well=1), attention,
        roll_line("ru", "Пресненский", escalated=1), attention,
        roll_line("ru", "Центральный", help=1, paused=1), attention,
        roll_line("ru", "Сяянтянь", fine=1, pending=1),
    ]
    assert visible_text("ru", "<b>Check-ins today</b>") != visible_text("zh", "<b>Check-ins today</b>")



async def help_request(harness: Harness, user: TgUser, locale: str) -> Request:
    """The resident presses «I need help» on their latest check-in; their wellbeing request."""
    await user.press(catalog_text(locale, "🆘 I need help"), message=questions(user, locale)[-1])
    await harness.drain()
    return (await requests_of(harness, user))[-1]


async def test_staff_checkin_command_changes_the_plan(two_stations: Harness) -> None:
    """/checkin №N 10:00 19:00 | pause DATE | off; refused for non-staff and for another chat's request."""
    harness = two_stations
    set_clock(MONDAY)
    worker = await join(harness, 5001, "王社工", private=False)
    lin = await enrolled(harness, "zh")
    ivan = await enrolled(harness, "ru")
    await tick(harness, at_local(date(2027, 1, 12), "09:00") + timedelta(seconds=30))
    mine = await help_request(harness, lin, "zh")
    theirs = await help_request(harness, ivan, "ru")
    assert wellbeing_cards(harness, SECOND_CHAT) and len(wellbeing_cards(harness)) == 1

    await worker.send_command(f"/checkin №{mine.id} 10:00 19:00")
    await worker.expect(visible_text("zh", "Check-ins of the resident of request №{number}: {plan}", number=mine.id, plan="10:00, 19:00"))
    plan = await plan_of(harness, lin)
    assert (plan.times, plan.active) == (["10:00", "19:00"], True)
    assert plan.next_due_at == at_local(date(2027, 1, 12), "10:00")

    await worker.send_command(f"/checkin {mine.id} pause 2027-01-20")
    await worker.expect(visible_text("zh", "(paused until {date})", date="2027-01-20"))
    plan = await plan_of(harness, lin)
    assert plan.paused_until == date(2027, 1, 20) and plan.next_due_at == at_local(date(2027, 1, 20), "10:00")

    await worker.send_command(f"/checkin №{mine.id} off")
    await worker.expect(visible_text("zh", "Check-ins of the resident of request №{number}: {plan}", number=mine.id,
                          plan=catalog_text("zh", "stopped")))
    plan = await plan_of(harness, lin)
    assert (plan.active, plan.next_due_at) == (False, None)

    outsider = harness.staff(5099, "路人")  # in the staff group, never joined
    await outsider.send_command(f"/checkin №{mine.id} on")
    await outsider.expect(visible_text("zh", "Only registered staff can do this. Send /join in the staff group first."))
    assert (await plan_of(harness, lin)).active is False

    await worker.send_command(f"/checkin №{theirs.id} off")
    await worker.expect(visible_text("zh", "Use: /checkin №N 09:00 18:00, /checkin №N pause 2026-12-31, /checkin №N resume, "
                                "/checkin №N off or /checkin №N on (N: one of the resident's request numbers)."))
    other = await plan_of(harness, ivan)
    assert (other.active, other.times, other.paused_until) == (True, ["09:00"], None)


# ------------------------------------------------------------------------ forged buttons


async def test_someone_elses_checkin_button_is_refused(harness: Harness) -> None:
    """press_data('ci:f:<another resident's check-in>:') and friends: an alert, nothing stored."""
    set_clock(MONDAY)
    lin = await enrolled(harness, "zh")
    mallory = await enrolled(harness, "ru")
    await tick(harness, at_local(date(2027, 1, 12), "09:00") + timedelta(seconds=30))
    (target,) = await checkins_of(harness, lin)
    for data in (f"ci:f:{target.id}:", f"ci:h:{target.id}:", f"ci:w:{target.id}:health", f"ci:w:{target.id}:talk"):
        await mallory.press_data(data, message=questions(mallory, "ru")[-1])
        assert mallory.last_answer is not None and mallory.last_answer.get("text") == catalog_text("ru", STALE)
    stranger = harness.user()
    await stranger.send_command("/start")
    await stranger.press_data(f"ci:n:{target.id}:")
    assert stranger.last_answer is not None and stranger.last_answer.get("text") == catalog_text("zh", STALE)
    await harness.drain()
    (target,) = await checkins_of(harness, lin)
    assert (target.answer, target.answered_at, target.request_id) == (CheckinAnswer.PENDING, None, None)
    (own,) = await checkins_of(harness, mallory)
    assert own.answer == CheckinAnswer.PENDING
    assert await requests_of(harness, lin) == [] and await requests_of(harness, mallory) == []
    assert wellbeing_cards(harness) == []
    assert harness.app is not None
    async with harness.app.sessions() as session:
        assert (await session.exec(select(Request).where(col(Request.id).is_not(None)))).all() == []
