"""End to end: repeated updates, double taps, restarts and failed handlers lose nothing and double nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import app as bot_app
from bot.core import clock
from bot.services import requests as requests_service
from bot.ui.states import Intake, Reg
from tests.conftest import STAFF_CHAT, Harness
from tests.helpers import (
    hand_over,
    ADDRESS_PROMPT,
    ALREADY_SENT,
    ITEMS_PROMPT,
    MENU,
    NAME_PROMPT,
    PHONE_PROMPT,
    REVIEW_PROMPT,
    SOMETHING_WRONG,
    all_requests,
    assert_nothing_more,
    button_data,
    callback_query,
    check_title,
    confirmation,
    failed_updates,
    fsm_of,
    head,
    items_of,
    new_user,
    register,
    staff_messages,
    catalog_text,
    take_card,
    text_message,
    to_summary,
    until,
    visible_text,
)


async def test_same_update_twice_changes_nothing(harness: Harness) -> None:
    """An update delivered twice in one batch, and again after a restart, is handled once."""
    user = await register(harness, "zh")
    await user.tap(catalog_text("zh", MENU["supplies"]))
    await user.expect(visible_text("zh", ITEMS_PROMPT))
    update = {"update_id": 5000, "message": text_message(user, "大米 1袋")}
    mark = harness.fake.mark()
    harness.fake.push_update(dict(update))
    harness.fake.push_update(dict(update))  # Telegram resends when it did not see the confirmation
    await harness.fake.wait_processed(5000)
    await harness.fake.settle(0.1, 3)
    replies = [m.text for m in harness.fake.changes_since(mark, user.chat_id)]
    assert len(replies) == 1 and replies[0].startswith(head("zh", REVIEW_PROMPT)), replies
    state, data = await fsm_of(harness, user)
    assert state == Intake.items_review.state and data["history"] == [Intake.items.state]

    await harness.stop()  # a crash before the offset was confirmed: the update comes again
    harness.fake.push_update(dict(update))
    mark = harness.fake.mark()
    await harness.start()
    await until(lambda: not harness.fake.pending_updates)
    await harness.fake.settle(0.1, 3)
    assert harness.fake.changes_since(mark, user.chat_id) == []
    assert (await fsm_of(harness, user))[0] == Intake.items_review.state
    await user.press(catalog_text("zh", "✅ Yes, that's right"))
    await user.expect(visible_text("zh", "How urgent is it?"))


async def test_double_tap_on_send_makes_one_request(harness: Harness) -> None:
    """Two taps on the same summary, processed one after the other or pushed together: one request."""
    user = await register(harness, "ru")
    summary = await to_summary(user, "ru", "supplies", "хлеб, молоко 2 л")
    data = button_data(summary, catalog_text("ru", "✅ Send the request"))
    first, second = callback_query(user, summary, data), callback_query(user, summary, data)
    harness.fake.push_update({"callback_query": first})
    last = harness.fake.push_update({"callback_query": second})  # both queued before the bot polls
    await harness.fake.wait_processed(last)
    await harness.drain()
    answers = [harness.fake.callback_answers[q["id"]]["text"] for q in (first, second)]
    assert answers == [catalog_text("ru", "Sent"), catalog_text("ru", ALREADY_SENT)]
    await user.press_data(data, message=summary)  # and a third tap, later
    assert user.last_answer is not None and user.last_answer["text"] == catalog_text("ru", ALREADY_SENT)

    stored = await all_requests(harness)
    assert len(stored) == 1
    assert await items_of(harness, stored[0].id or 0) == [("хлеб", ""), ("молоко", "2 л")]
    await confirmation(harness, user, "ru", stored[0])
    confirmations = [m for m in user.messages() if f"№{stored[0].id}" in (m.text or "")]
    assert len(confirmations) == 1
    assert len([m for m in staff_messages(harness, STAFF_CHAT) if f"№{stored[0].id}" in (m.text or "")]) == 1


async def test_restart_mid_wizard_continues(harness: Harness) -> None:
    """The bot restarts in the middle of registration and of a request: the resident carries on."""
    user = new_user(harness, "uk")
    await user.send_command("/start")
    await user.press(catalog_text("uk", "✅ I agree"))
    await user.expect(visible_text("uk", NAME_PROMPT))
    await user.send("Галина")
    await user.expect(visible_text("uk", PHONE_PROMPT))
    await harness.restart()
    assert (await fsm_of(harness, user))[0] == Reg.phone.state
    await user.tap(catalog_text("uk", "📱 Share my phone number"))
    await user.expect(visible_text("uk", ADDRESS_PROMPT))
    user = await register_rest(harness, user)

    await user.tap(catalog_text("uk", MENU["supplies"]))
    await user.send("хліб 1 буханка, молоко 2 л")
    await user.expect(head("uk", REVIEW_PROMPT))
    await harness.restart()
    await user.press(catalog_text("uk", "✅ Yes, that's right"))
    await user.press(catalog_text("uk", "Within 1–2 days"))
    await user.press("📍")
    await hand_over(user, "uk")
    summary = await user.expect(check_title("uk"))
    await harness.restart()
    await user.press(catalog_text("uk", "✅ Send the request"), message=summary)
    stored = await all_requests(harness)
    assert len(stored) == 1
    assert await items_of(harness, stored[0].id or 0) == [("хліб", "1 буханка"), ("молоко", "2 л")]
    await confirmation(harness, user, "uk", stored[0])


async def register_rest(harness: Harness, user):  # type: ignore[no-untyped-def]
    """Finish a registration that stands at the address question."""
    from tests.helpers import ADDRESSES, DISTRICT_OF, REGISTERED, district_title

    await user.send(ADDRESSES["uk"])
    await user.press(catalog_text("uk", "✅ Correct"))  # the address read back
    await user.press(district_title(DISTRICT_OF["uk"], "uk"))
    await user.press(catalog_text("uk", "✅ Done"))
    await user.expect(visible_text("uk", REGISTERED))
    return user


async def test_failed_handler_is_kept_and_retried(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A handler that fails: the resident is told, the update is kept, and a later retry files it once."""
    user = await register(harness, "zh")
    summary = await to_summary(user, "zh", "supplies", "2斤青菜、2斤肉")
    real_submit = requests_service.submit
    failures = {"left": 1}

    async def flaky_submit(*args, **kwargs):  # type: ignore[no-untyped-def]
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("database went away")
        return await real_submit(*args, **kwargs)

    monkeypatch.setattr(requests_service, "submit", flaky_submit)
    assert harness.app is not None and harness.app.scheduler is not None
    harness.app.scheduler.pause()  # this test drives the retries itself

    query = callback_query(user, summary, button_data(summary, catalog_text("zh", "✅ Send the request")))
    update_id = harness.fake.push_update({"callback_query": query})
    await harness.fake.wait_processed(update_id)
    await harness.drain()
    await user.expect(visible_text("zh", SOMETHING_WRONG), since_start=True)
    await assert_nothing_more(harness, user)  # told once, nothing filed
    kept = await failed_updates(harness)
    assert [(f.update_id, f.attempts, f.gave_up) for f in kept] == [(update_id, 1, False)]
    assert await all_requests(harness) == []
    assert (await fsm_of(harness, user))[0] == Intake.confirm.state  # the draft survived the failure
    assert "database went away" in caplog.text  # the real cause is logged, not a follow-up error
    assert "DetachedInstanceError" not in caplog.text

    await bot_app.retry_failed_updates(harness.app)  # not due yet: nothing happens
    assert await all_requests(harness) == []

    # Minutes later Telegram no longer accepts an answer to that button press.
    harness.fake._pending_callbacks.pop(query["id"], None)
    clock.advance(timedelta(seconds=11))
    await bot_app.retry_failed_updates(harness.app)
    stored = await all_requests(harness)
    assert len(stored) == 1
    assert await items_of(harness, stored[0].id or 0) == [("青菜", "2斤"), ("肉", "2斤")]
    assert await failed_updates(harness) == []
    await confirmation(harness, user, "zh", stored[0])
    assert [m.text for m in user.messages()].count(visible_text("zh", SOMETHING_WRONG)) == 1

    clock.advance(timedelta(minutes=10))
    await bot_app.retry_failed_updates(harness.app)
    assert len(await all_requests(harness)) == 1
    take_card(harness, f"№{stored[0].id}")
    await assert_nothing_more(harness, user, STAFF_CHAT)  # one confirmation, one card, no second filing
