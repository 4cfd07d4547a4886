"""A resident in the middle of a request while the bot is upgraded to the wizard engine (#13): the draft
stored before it (flat keys) goes on, and a press on a button sent before it («st:<step>:<value>»)
means the same at its own step and is stale anywhere else."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey

from tests.conftest import Harness
from tests.conversation import TgUser
from tests.helpers import (
    ADDRESSES,
    check_title,
    fsm_of,
    hand_over,
    register,
    submit,
    visible_text,
)

STALE = "This button is no longer active."


async def store(harness: Harness, user: TgUser, state: str, data: dict) -> None:
    """Put a conversation into the bot's storage as an older version left it."""
    assert harness.app is not None
    key = StorageKey(bot_id=harness.app.bot.id, chat_id=user.chat_id, user_id=user.user_id)
    await harness.app.dp.storage.set_state(key, state)
    await harness.app.dp.storage.set_data(key, data)


async def test_a_draft_from_before_the_upgrade_goes_on_and_old_presses_still_work(harness: Harness) -> None:
    user = await register(harness, "zh")
    await store(harness, user, "Intake:urgency", {
        "kind": "supplies", "draft_key": "beforeupgrade1", "items": [["大米", "1袋"]], "raw_items": "大米 1袋",
        "voice": ["old-voice"], "history": ["Intake:items", "Intake:items_review"],
        "answered": ["Intake:items", 1], "sources": {"77": "Intake:items"},
    })
    await user.press_data("st:addr:reg")  # another step's old button: stale, nothing moves
    assert user.last_answer is not None and user.last_answer["text"] == visible_text("zh", STALE)
    assert (await fsm_of(harness, user))[0] == "Intake:urgency"

    await user.press_data("st:urgency:urgent")  # the urgency question's own old button
    await user.expect(visible_text("zh", "Where should the help come?"))
    await user.press_data("st:addr:reg")  # now it is this step's
    await hand_over(user, "zh")
    summary = await user.expect(check_title("zh"))
    request = await submit(harness, user, "zh", summary)
    assert (request.draft_key, request.details, request.address) == ("beforeupgrade1", "大米 1袋", ADDRESSES["zh"])
    assert (request.urgency, request.voice_file_ids, request.source_message_ids) == ("urgent", ["old-voice"], [77])
