"""SIGTERM while an update is being handled: polling stops taking updates, the update in flight finishes
once (its callback answered once), and the restarted bot does not run it again."""

from __future__ import annotations

import asyncio
import os
import signal

from bot.app import create_app, run_polling
from bot.ui.states import Intake
from tests.conftest import Harness
from tests.helpers import hand_over, ITEMS_PROMPT, REVIEW_PROMPT, callback_query, button_data, fsm_of, head, register, catalog_text, visible_text


class SignalledHarness(Harness):
    """The bot as `python -m bot` runs it: SIGTERM and SIGINT handled by the polling loop."""

    async def start_with_signals(self) -> None:
        self.app = create_app(self.settings)
        started = asyncio.Event()
        self.app.dp.startup.register(lambda: started.set())
        self.task = asyncio.create_task(run_polling(self.app, polling_timeout=1, handle_signals=True))
        await asyncio.wait_for(started.wait(), 20)


def answers_of(fake, query_id: str) -> list[int]:  # type: ignore[no-untyped-def]
    """HTTP statuses of every answerCallbackQuery for one query."""
    return [status for method, params, status in fake.calls
            if method == "answerCallbackQuery" and str(params.get("callback_query_id")) == query_id]


async def test_sigterm_lets_the_update_in_flight_finish_once(fake, settings) -> None:  # type: ignore[no-untyped-def]
    h = SignalledHarness(fake, settings)
    await h.start_with_signals()
    user = await register(h, "zh")
    await user.tap(catalog_text("zh", "🛒 Food and supplies"))
    await user.expect(visible_text("zh", ITEMS_PROMPT))
    await user.send("大米 5公斤")
    await user.expect(head("zh", REVIEW_PROMPT))
    await user.press(catalog_text("zh", "✅ Yes, that's right"))
    question = await user.expect(visible_text("zh", "How urgent is it?"))

    # the next question takes Telegram 1.5 s to accept: SIGTERM arrives while the update is in flight
    fake.delay_next("sendMessage", user.chat_id, seconds=1.5)
    query = callback_query(user, question, button_data(question, catalog_text("zh", "Within 1–2 days")))
    update_id = fake.push_update({"callback_query": query})
    await asyncio.wait_for(_until(lambda: answers_of(fake, query["id"])), 10)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(h.task, 20)  # type: ignore[arg-type]

    assert answers_of(fake, query["id"]) == [200]
    assert update_id not in [u["update_id"] for u in fake.pending_updates], "the finished update is confirmed"
    where = visible_text("zh", "Where should the help come?")
    assert sum(where in (m.text or "") for m in user.messages()) == 1

    await h.start()  # the restart
    try:
        assert (await fsm_of(h, user))[0] == Intake.address_choice.state
        await fake.settle(0.3, 3)
        assert answers_of(fake, query["id"]) == [200], "the callback was answered a second time"
        assert sum(where in (m.text or "") for m in user.messages()) == 1, "the question was asked again"
        await user.press("📍")  # the conversation goes on from where it was
        await hand_over(user, "zh")
        await user.expect(visible_text("zh", "<b>Please check your request</b>"))
    finally:
        await h.stop()


async def _until(condition) -> None:  # type: ignore[no-untyped-def]
    while not condition():
        await asyncio.sleep(0.01)
