"""Follow-ups after support end to end (issue #16, part 3): the worker who marked a «someone to talk to»
request done chooses a follow-up on its card; on that day the resident is asked how they are; «not so
well» opens a linked request that goes to the same worker; silence is shown to that worker; danger in a
follow-up answer is caught."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.app import ask_follow_ups
from bot.core import clock
from db.models import CheckinAnswer, FollowUp, Request, RequestKind, RequestStatus, Urgency
from tests.conftest import STAFF_CHAT, Harness
from tests.conversation import TgUser
from tests.helpers import (
    button_data,
    catalog_plural,
    catalog_text,
    emergency_text,
    register,
    requests_of,
    submit,
    to_summary,
    visible_text,
    when_shown,
)
from tests.test_danger_bot import CRISIS
from tests.test_staff import card_of, join, reload

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEELING = {"zh": "最近心里很乱,想找人聊聊", "ru": "Мне тревожно, хочу поговорить", "uk": "Мені самотньо, хочу поговорити"}
QUESTION = "🌱 {name}, after your talk with our social worker {worker} we would like to know: how are you now?"


async def talk_done(harness: Harness, locale: str, worker: TgUser) -> tuple[TgUser, Request]:
    """A resident (no check-ins) asks for someone to talk to; the worker claims it and marks it done."""
    user = await register(harness, locale, flags=())
    summary = await to_summary(user, locale, "psych", FEELING[locale])
    request = await submit(harness, user, locale, summary)
    await harness.drain()
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain()
    await worker.press(catalog_text("zh", "✅ Done"), message=card_of(harness, request))
    await harness.drain()
    assert (await reload(harness, request)).status == RequestStatus.DONE
    return user, request


async def follow_up_in(harness: Harness, worker: TgUser, request: Request, label: str) -> Request:
    """The worker picks a follow-up on the done card."""
    await worker.press(catalog_text("zh", label), message=card_of(harness, request))
    await harness.drain()
    return await reload(harness, request)


async def ask_now(harness: Harness, request: Request) -> None:
    """Move the clock to the follow-up's time and run the tick."""
    assert request.follow_up_at is not None and harness.app is not None
    clock.advance(request.follow_up_at - clock.now() + timedelta(seconds=1))
    await ask_follow_ups(harness.app)
    await harness.drain()


async def followups_of(harness: Harness, request: Request) -> list[FollowUp]:
    assert harness.app is not None
    async with harness.app.sessions() as session:
        return list((await session.exec(select(FollowUp).where(FollowUp.request_id == request.id)
                                        .order_by(col(FollowUp.id)))).all())


async def test_next_day_follow_up_in_zh_not_so_well_opens_a_linked_request_for_the_same_worker(harness: Harness) -> None:
    """The issue's case: a follow-up the next day in zh; «not so well» opens a request linked to the old
    one, claimed for the same worker, whose private chat gets the details; double taps change nothing."""
    worker = await join(harness, 5001, "王社工")
    user, request = await talk_done(harness, "zh", worker)
    card = card_of(harness, request)
    assert set(card.button_texts()) == {catalog_text("zh", label) for label in
                                        ("🔔 Tomorrow", "🔔 In 3 days", "🔔 In a week", "No follow-up")}
    done_at = clock.now()
    tomorrow = button_data(card, catalog_text("zh", "🔔 Tomorrow"))
    request = await follow_up_in(harness, worker, request, "🔔 Tomorrow")
    # tomorrow in Shanghai at the check-in default time (09:00), whatever the hour of the Done
    expected = datetime.combine(done_at.astimezone(SHANGHAI).date() + timedelta(days=1), time(9, 0), tzinfo=SHANGHAI)
    assert request.follow_up_days == 1 and request.follow_up_at == expected
    card = card_of(harness, request)
    assert card.reply_markup is None
    assert catalog_plural("zh", "🔔 Follow-up in {n} day: {when}", "🔔 Follow-up in {n} days: {when}", 1,
                          when=when_shown(expected, "zh")) in card.text
    await worker.press_data(tomorrow, message=card)  # a double tap: the same choice, nothing changes
    assert worker.last_answer is not None and worker.last_answer["text"] == catalog_text("zh", "Done.")
    assert (await reload(harness, request)).follow_up_at == expected

    clock.advance(expected - clock.now() - timedelta(minutes=1))  # a minute early: nothing is asked
    assert harness.app is not None
    await ask_follow_ups(harness.app)
    await harness.drain()
    assert await followups_of(harness, request) == []
    await ask_now(harness, request)
    question = await user.expect(visible_text("zh", QUESTION, name="林", worker="王社工"), since_start=True)
    assert (await reload(harness, request)).follow_up_at is None
    (followup,) = await followups_of(harness, request)
    assert followup.sent_at is not None and followup.staff_id is not None

    not_well = button_data(question, catalog_text("zh", "😐 Not so well"))
    await user.press(catalog_text("zh", "😐 Not so well"), message=question)
    await harness.drain()
    await user.expect(visible_text("zh", "Thank you for telling us. {worker} will contact you soon.", worker="王社工"))
    mine = await requests_of(harness, user)
    assert len(mine) == 2
    linked = mine[-1]
    assert (linked.kind, linked.follows_request_id, linked.status, linked.urgency) == (
        RequestKind.PSYCH, request.id, RequestStatus.CLAIMED, Urgency.NORMAL)
    assert linked.claimed_by == followup.staff_id
    new_card = card_of(harness, linked)
    assert visible_text("zh", "↩️ Follow-up of request {number}: the resident answered «{answer}»",
                        number=f"№{request.id}", answer=catalog_text("zh", "not so well")) in new_card.text
    assert "王社工" in new_card.text
    details = harness.fake.messages[5001][-1].text
    assert "+86 138 0013 8000" in details and f"№{linked.id}" in details
    await user.expect(visible_text("zh", "✅ Your request {number} has been accepted. Social worker {name} is handling it.",
                                   number=f"№{linked.id}", name="王社工"))
    assert f"→ №{linked.id}" in card_of(harness, request).text  # the old card points to the new one

    user.mark_read()
    await user.press_data(not_well, message=question)  # a double tap: only a toast
    await harness.drain()
    assert user.last_answer is not None and user.last_answer["text"].startswith(
        catalog_text("zh", "Thank you for telling us. {worker} will contact you soon.", worker="王社工"))
    assert len(await requests_of(harness, user)) == 2
    await user.expect_nothing_more()


async def test_only_the_residents_own_follow_up_and_only_the_claimer_chooses(harness: Harness) -> None:
    """A forged follow-up answer from another resident and a follow-up choice by another worker change nothing."""
    worker = await join(harness, 5001, "王社工")
    other_worker = await join(harness, 5002, "李社工")
    user, request = await talk_done(harness, "zh", worker)
    await other_worker.press(catalog_text("zh", "🔔 In 3 days"), message=card_of(harness, request))
    assert other_worker.last_answer is not None
    assert other_worker.last_answer["text"] == catalog_text("zh", "This request is handled by {name}; only they or a coordinator can change it.").format(name="王社工")
    assert (await reload(harness, request)).follow_up_days is None
    request = await follow_up_in(harness, worker, request, "🔔 In 3 days")
    assert request.follow_up_days == 3
    await ask_now(harness, request)
    question = await user.expect(visible_text("zh", QUESTION, name="林", worker="王社工"), since_start=True)
    stranger = await register(harness, "zh", flags=())
    forged = button_data(question, catalog_text("zh", "🆘 I need help"))
    await stranger.press_data(forged, message=stranger.last())
    assert stranger.last_answer is not None
    assert stranger.last_answer["text"] == catalog_text("zh", "This button is no longer active.")
    (followup,) = await followups_of(harness, request)
    assert followup.answer == CheckinAnswer.PENDING and len(await requests_of(harness, user)) == 1
    await user.press(catalog_text("zh", "🆘 I need help"), message=question)  # the resident's own: urgent, same worker
    await user.expect(visible_text("zh", "A social worker has been told and will contact you as soon as possible."))
    await harness.drain()
    linked = (await requests_of(harness, user))[-1]
    assert (linked.follows_request_id, linked.urgency, linked.status) == (request.id, Urgency.URGENT, RequestStatus.CLAIMED)
    assert "🔴" in card_of(harness, linked).text


async def test_silence_is_shown_to_the_worker_in_ru(harness: Harness) -> None:
    """No answer within the check-in grace (CHECKINS__ESCALATE_AFTER_MINUTES = 120 after delivery): the
    worker hears it privately (in their language) and the old card says «no answer»; a late «fine» is told too."""
    worker = await join(harness, 5001, "Ирина")
    user, request = await talk_done(harness, "ru", worker)
    request = await follow_up_in(harness, worker, request, "🔔 In a week")
    assert request.follow_up_days == 7
    await ask_now(harness, request)
    await user.expect(visible_text("ru", QUESTION, name="林", worker="Ирина"), since_start=True)
    assert harness.app is not None
    clock.advance(timedelta(minutes=119))
    await ask_follow_ups(harness.app)
    await harness.drain()
    silent = catalog_plural(
        "zh", "🔕 Follow-up of request {number}: the resident has not answered for {n} hour. Please call them.",
        "🔕 Follow-up of request {number}: the resident has not answered for {n} hours. Please call them.", 2,
        number=f"№{request.id}")
    assert not any(silent in m.text for m in harness.fake.messages[5001])
    clock.advance(timedelta(minutes=2))
    await ask_follow_ups(harness.app)
    await harness.drain()
    assert harness.fake.messages[5001][-1].text == silent  # the worker's private chat is in zh (their Telegram language)
    assert catalog_text("zh", "no answer") in card_of(harness, request).text
    (followup,) = await followups_of(harness, request)
    assert followup.answer == CheckinAnswer.MISSED
    await ask_follow_ups(harness.app)  # told once
    await harness.drain()
    assert [m.text for m in harness.fake.messages[5001]].count(silent) == 1
    await user.press(catalog_text("ru", "😊 I'm fine"))
    await harness.drain()
    await user.expect(visible_text("ru", "Thank you! We are glad. Have a good day. 🌷"))
    assert harness.fake.messages[5001][-1].text == visible_text(
        "zh", "🔔 Follow-up of request {number}: the resident answered late: {answer}.",
        number=f"№{request.id}", answer=catalog_text("zh", "I'm fine"))


async def test_danger_in_a_follow_up_answer_is_caught_in_uk(harness: Harness) -> None:
    """Free text with danger after the follow-up question: the emergency numbers at once, and an urgent
    request marked as danger, linked to the old one, claimed for the same worker."""
    worker = await join(harness, 5001, "Оксана")
    user, request = await talk_done(harness, "uk", worker)
    request = await follow_up_in(harness, worker, request, "🔔 Tomorrow")
    await ask_now(harness, request)
    await user.expect(visible_text("uk", QUESTION, name="林", worker="Оксана"), since_start=True)
    replies = await user.send(CRISIS["uk"])
    assert any(emergency_text("uk") in (m.text or "") for m in replies)
    await harness.drain()
    mine = await requests_of(harness, user)
    assert len(mine) == 2
    linked = mine[-1]
    assert (linked.follows_request_id, linked.urgency, linked.danger, linked.details, linked.status) == (
        request.id, Urgency.URGENT, "self_harm", CRISIS["uk"], RequestStatus.CLAIMED)
    (followup,) = await followups_of(harness, request)
    assert followup.answer == CheckinAnswer.HELP and followup.new_request_id == linked.id
    card = card_of(harness, linked)
    assert visible_text("zh", "⚠️ The resident may be in danger: call them first.") in card.text
    assert card in harness.fake.messages[STAFF_CHAT]


async def test_typed_answers_in_uk(harness: Harness) -> None:
    """«не дуже добре» typed (the button's words) is «not so well»: the linked request for the same worker;
    a second resident's «так» is «fine», told to their worker."""
    worker = await join(harness, 5001, "Оксана")
    user, request = await talk_done(harness, "uk", worker)
    request = await follow_up_in(harness, worker, request, "🔔 Tomorrow")
    await ask_now(harness, request)
    await user.expect(visible_text("uk", QUESTION, name="林", worker="Оксана"), since_start=True)
    await user.send("не дуже добре")
    await user.expect(visible_text("uk", "Thank you for telling us. {worker} will contact you soon.", worker="Оксана"))
    await harness.drain()
    linked = (await requests_of(harness, user))[-1]
    assert (linked.follows_request_id, linked.status) == (request.id, RequestStatus.CLAIMED)

    second, done = await talk_done(harness, "uk", worker)
    done = await follow_up_in(harness, worker, done, "🔔 Tomorrow")
    await ask_now(harness, done)
    await second.expect(visible_text("uk", QUESTION, name="林", worker="Оксана"), since_start=True)
    await second.send("так")
    await second.expect(visible_text("uk", "Thank you! We are glad. Have a good day. 🌷"))
    await harness.drain()
    assert harness.fake.messages[5001][-1].text == visible_text(
        "zh", "🔔 Follow-up of request {number}: the resident says they are fine.", number=f"№{done.id}")
    (followup,) = await followups_of(harness, done)
    assert followup.answer == CheckinAnswer.FINE and len(await requests_of(harness, second)) == 1


async def test_silence_goes_to_the_staff_group_when_the_worker_never_opened_the_bot(harness: Harness) -> None:
    """A worker without a private chat with the bot hears of the silence in the staff group, mentioned by name."""
    worker = await join(harness, 5003, "赵社工", private=False)
    user, request = await talk_done(harness, "zh", worker)
    request = await follow_up_in(harness, worker, request, "🔔 Tomorrow")
    await ask_now(harness, request)
    await user.expect(visible_text("zh", QUESTION, name="林", worker="赵社工"), since_start=True)
    assert harness.app is not None
    clock.advance(timedelta(minutes=121))
    await ask_follow_ups(harness.app)
    await harness.drain()
    silent = catalog_plural(
        "zh", "🔕 Follow-up of request {number}: the resident has not answered for {n} hour. Please call them.",
        "🔕 Follow-up of request {number}: the resident has not answered for {n} hours. Please call them.", 2,
        number=f"№{request.id}")
    said = [m for m in harness.fake.messages[STAFF_CHAT] if silent in m.text]
    assert len(said) == 1 and said[0].text.startswith("赵社工: ")
    assert 5003 not in harness.fake.messages or not any(silent in m.text for m in harness.fake.messages[5003])
