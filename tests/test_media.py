"""What Telegram clients really send (issue #10, point 8): albums, other people's contact cards, edited
messages, and long pastes that the client splits into several messages."""

from __future__ import annotations

from tests.conftest import Harness
from tests.helpers import (
    MEDICINE_PROMPT,
    PHOTO_PROMPT,
    choose_address,
    register,
    submit,
    t,
    v,
)
from tests.test_staff import card_of, join


def photo_ids(user, messages: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The largest-size file ids of the user's last `messages` photos, oldest first."""
    sent = [m for m in user.fake.user_messages[user.chat_id] if "photo" in m][-messages:]
    return [m["photo"][-1]["file_id"] for m in sent]


async def test_album_of_three_prescriptions_is_one_answer_and_every_photo_reaches_the_claimer(harness: Harness) -> None:
    """Three prescription photos sent as one album: one acknowledgement, the urgency question once, no
    «please use the buttons»; the request keeps all three and the claimer receives all three."""
    worker = await join(harness, 5101, "王社工")
    user = await register(harness, "zh", address="广州市越秀区 东风路 8号 1203")
    await user.tap(t("zh", "💊 Medicine"))
    await user.expect(v("zh", MEDICINE_PROMPT))
    await user.send("氯氮平 25mg，每天两次")
    await user.expect(v("zh", PHOTO_PROMPT))

    replies = await user.send_album(3)
    texts = [m.text or "" for m in replies]
    assert sum(v("zh", "How urgent is it?") in text for text in texts) == 1, texts
    assert not any(v("zh", "Please use the buttons.") in text for text in texts), texts
    assert sum(v("zh", "📷 Photos received.") in text for text in texts) == 1, texts
    album = photo_ids(user, 3)

    await user.press(t("zh", "Within 1–2 days"))
    summary = await choose_address(user, "zh", None)
    assert v("zh", "📷 {n} photos attached", n=3) in summary.text
    request = await submit(harness, user, "zh", summary)
    assert request.photo_file_ids == album
    assert request.photo_file_id == album[0]

    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain()
    received = [m for m in harness.fake.messages[5101] if m.is_photo]
    assert [m.photo for m in received] == album
    assert {m.method for m in received} == {"sendMediaGroup"}


async def test_album_where_text_is_expected_is_answered_once(harness: Harness) -> None:
    """An album sent at the urgency question: one «please use the buttons» and the question once, not three."""
    user = await register(harness, "ru")
    await user.tap(t("ru", "💊 Medicine"))
    await user.send("Метформин 500 мг")
    await user.tap(t("ru", "Skip ▶️"))
    await user.expect(v("ru", "How urgent is it?"))
    replies = await user.send_album(3)
    texts = [m.text or "" for m in replies]
    assert sum(v("ru", "Please use the buttons.") in text for text in texts) == 1, texts
    assert sum(v("ru", "How urgent is it?") in text for text in texts) == 1, texts
