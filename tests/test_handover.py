"""The handover step (#13's proof: one step added through the wizard engine): supplies and medicine ask
how the worker should hand the delivery over; the answer is in the resident's summary, on the staff
card and in the claimer's private details. Someone to talk to is not asked."""

from __future__ import annotations

from db.models import RequestKind
from tests.conftest import Harness
from tests.helpers import (
    HANDOVER_NEIGHBOUR,
    HANDOVER_PROMPT,
    ITEMS_PROMPT,
    MENU,
    REVIEW_PROMPT,
    catalog_text,
    check_title,
    head,
    register,
    requests_of,
    send_request,
    to_summary,
    visible_text,
)
from tests.test_staff import card_of, join

LINE = "<b>Handover:</b> {how}"


async def test_a_neighbour_takes_the_delivery_and_everyone_is_told(harness: Harness) -> None:
    """uk: «give it to a neighbour» is in the summary, on the card (in the staff's language) and in the
    claimer's details; Back from the question goes to the address question, and a typed label answers it."""
    worker = await join(harness, 5301, "Олена")
    user = await register(harness, "uk")
    await user.tap(catalog_text("uk", MENU["supplies"]))
    await user.expect(visible_text("uk", ITEMS_PROMPT))
    await user.send("хліб, молоко 2 л")
    await user.expect(head("uk", REVIEW_PROMPT))
    await user.press(catalog_text("uk", "✅ Yes, that's right"))
    await user.press(catalog_text("uk", "Within 1–2 days"))
    await user.expect(visible_text("uk", "Where should the help come?"))
    await user.press("📍")
    question = await user.expect(visible_text("uk", HANDOVER_PROMPT))
    assert question.button_texts() == [
        catalog_text("uk", "🚪 Leave it at the door and knock"), catalog_text("uk", "🤝 Hand it to me in person"),
        catalog_text("uk", HANDOVER_NEIGHBOUR), catalog_text("uk", "◀️ Back"),
    ]

    await user.press(catalog_text("uk", "◀️ Back"), message=question)
    await user.expect(visible_text("uk", "Where should the help come?"))
    await user.press("📍")
    await user.expect(visible_text("uk", HANDOVER_PROMPT))
    await user.send(catalog_text("uk", HANDOVER_NEIGHBOUR))  # typed out instead of pressed
    summary = await user.expect(check_title("uk"))
    assert visible_text("uk", LINE, how=catalog_text("uk", HANDOVER_NEIGHBOUR)) in summary.text

    await send_request(user, "uk", summary)
    await harness.drain()
    (request,) = await requests_of(harness, user)
    assert request.answers == {"dl": "neighbour"}
    card = card_of(harness, request)
    assert visible_text("zh", LINE, how=catalog_text("zh", HANDOVER_NEIGHBOUR)) in card.text  # the staff chat's zh

    await worker.press(f"№{request.id}", message=card)
    await harness.drain()
    details = harness.fake.messages[5301][-1].text
    assert visible_text("zh", "<b>You took request {number}</b> · {kind}", number=f"№{request.id}",
                        kind=catalog_text("zh", "Food and supplies")) in details
    assert visible_text("zh", LINE, how=catalog_text("zh", HANDOVER_NEIGHBOUR)) in details


async def test_medicine_is_asked_and_someone_to_talk_to_is_not(harness: Harness) -> None:
    """ru: the medicine wizard asks after the address; «someone to talk to» goes to its summary without it."""
    user = await register(harness, "ru")
    summary = await to_summary(user, "ru", "medicine", "Метформин 500 мг")
    assert visible_text("ru", LINE, how=catalog_text("ru", "🚪 Leave it at the door and knock")) in summary.text
    await send_request(user, "ru", summary)
    await harness.drain()  # the confirmation brings the menu back
    talk = await to_summary(user, "ru", "psych", "Мне одиноко")
    assert sum(visible_text("ru", HANDOVER_PROMPT) in text for text in user.texts()) == 1  # the medicine's only
    assert visible_text("ru", LINE, how="").strip() not in talk.text
    await send_request(user, "ru", talk)
    await harness.drain()
    stored = {r.kind: r.answers for r in await requests_of(harness, user)}
    assert stored == {RequestKind.MEDICINE: {"dl": "door"}, RequestKind.PSYCH: {}}
