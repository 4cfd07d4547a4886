"""A volunteer's /delete (uk): their record, name and phone leave the database, the application card in the
staff group says the data was deleted, the delivery they hold goes back to the worker as on suspension,
and every message that showed their name (the staff card, the worker's and the resident's messages, the
card they were offered) shows a neutral label instead."""

from __future__ import annotations

from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from bot.domain.phones import format_phone
from db.models import DeliveryStatus, RequestStatus, Volunteer, VolunteerStatus
from tests.conftest import STAFF_CHAT, Harness
from tests.helpers import ADDRESSES, catalog_text, failed_updates, staff_messages, visible_text
from tests.test_erasure import as_text
from tests.test_staff import card_of, join, reload
from tests.test_volunteers import CLOSED_BACK, TAKE, approve, coordinator, filed_and_claimed, sign_up, the_delivery, versions

NAME = "Богдан Вишневий"
PHONE = "+380639876543"


def needles() -> list[str]:
    return [NAME, "Вишневий", PHONE, PHONE[1:], format_phone(PHONE)]


async def database_hits(harness: Harness) -> list[str]:
    """Every table's every column, read raw: where the volunteer's name or phone still occurs."""
    assert harness.app is not None
    hits = []
    async with harness.app.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await conn.execute(sa_select(table))).mappings():
                for column, value in row.items():
                    hits += [f"{table.name}.{column}: {n}" for n in needles() if n in as_text(value)]
    return hits


async def test_a_volunteers_delete_erases_them_everywhere_and_returns_the_delivery(harness: Harness) -> None:
    worker = await join(harness, 5001, "Олена")
    boss = await coordinator(harness)
    helper = await sign_up(harness, 7101, NAME, "uk", "uman-center", phone=PHONE)
    volunteer = await approve(harness, boss, helper, "uk", "uman-center")
    resident, request = await filed_and_claimed(harness, worker, "uk", "хліб, молоко 2 л")
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    offer = await helper.expect(f"№{request.id}", since_start=True)
    await helper.press(catalog_text("uk", TAKE), message=offer)
    await harness.drain()
    copy = await helper.expect(ADDRESSES["uk"], since_start=True)
    bringing = await resident.expect(NAME, since_start=True)
    assert NAME in card_of(harness, request).text and await database_hits(harness)

    await helper.send_command("/delete")
    await helper.expect(visible_text("uk", "Delete your name, phone and volunteer record? Deliveries you have taken go "
                                           "back to the social workers."))
    await helper.press(catalog_text("uk", "Yes, delete my data"))
    await helper.expect(visible_text("uk", "Your personal data has been deleted. Send /start if you need help again."))
    await harness.drain()

    assert await database_hits(harness) == []
    assert await failed_updates(harness) == []
    assert harness.app is not None
    async with harness.app.sessions() as session:
        assert (await session.exec(select(Volunteer).where(Volunteer.tg_user_id == helper.user_id))).first() is None
        row = await session.get(Volunteer, volunteer.id)
    assert row is not None and row.status == VolunteerStatus.REMOVED and row.consent_at is None
    # the delivery went back to the worker, the copy lost the address, the worker was told without the name
    delivery = await the_delivery(harness, request)
    assert delivery.status == DeliveryStatus.RETURNED and delivery.reason == "volunteer_erased"
    assert copy.text == visible_text("uk", CLOSED_BACK, number=f"№{request.id}") and copy.reply_markup is None
    stored = await reload(harness, request)
    assert stored.status == RequestStatus.CLAIMED and stored.claimed_by is not None
    label = catalog_text("zh", "a volunteer (data deleted)")
    assert visible_text("zh", "↩️ Request {number}: the delivery was taken back from volunteer {name} ({reason}). "
                              "It is yours again.", number=f"№{request.id}", name=label,
                        reason=catalog_text("zh", "the volunteer deleted their data")) in [
        m.text for m in harness.fake.messages[5001]]
    assert catalog_text("zh", "🙋 Hand to volunteers") in card_of(harness, request).button_texts()
    # every message still showing them: the application card, the staff card, the resident's message, the offer
    cards = [m for m in harness.fake.messages[STAFF_CHAT] if f"#{volunteer.id}" in (m.text or "")]
    assert cards and all(m.text == visible_text("zh", "🙋 Volunteer application #{id}: the volunteer deleted their data.",
                                               id=volunteer.id) for m in cards)
    assert all(m.reply_markup is None for m in cards)
    for chat in (5001, STAFF_CHAT, resident.user_id):
        for message in staff_messages(harness, chat):
            assert not [n for n in needles() if n in (message.text or "")], (chat, message.text)
    assert bringing.text == visible_text("uk", "🙋 A volunteer, {name}, is bringing your order {number}. Your social "
                                               "worker is still in charge of it.",
                                         name=catalog_text("uk", "a volunteer (data deleted)"), number=f"№{request.id}")
    assert NAME not in offer.text
    # they may sign up again as someone new
    await helper.send_command("/volunteer")
    await helper.expect(visible_text("uk", "🙋 Thank you for wanting to help! What is your name? You can press the "
                                           "button below to use your Telegram name."))


async def test_delete_with_no_data_at_all_says_so(harness: Harness) -> None:
    from tests.conversation import TgUser
    user = TgUser(harness.fake, 7111, "Ніхто", language_code="uk")
    await user.send_command("/delete")
    await user.expect(visible_text("uk", "We have no personal data of yours."))


async def test_an_applicant_who_deletes_before_the_decision_cannot_be_approved(harness: Harness) -> None:
    """ru: the application card loses the name, phone and buttons; a late Approve (pressed on the card before
    its edit arrived) is refused; /volunteers does not list them."""
    boss = await coordinator(harness)
    applicant = await sign_up(harness, 7121, NAME, "ru", "presnensky", phone=PHONE)
    await harness.drain()
    async with harness.app.sessions() as session:  # type: ignore[union-attr]
        volunteer = (await session.exec(select(Volunteer).where(Volunteer.tg_user_id == applicant.user_id))).one()
    await applicant.send_command("/delete")
    await applicant.press(catalog_text("ru", "Yes, delete my data"))
    await harness.drain()
    (card,) = [m for m in harness.fake.messages[STAFF_CHAT] if f"#{volunteer.id}" in (m.text or "")]
    assert card.text == visible_text("zh", "🙋 Volunteer application #{id}: the volunteer deleted their data.",
                                     id=volunteer.id) and card.reply_markup is None
    await boss.press_data(f"va:1:{volunteer.id}", message=card)
    assert boss.last_answer is not None and boss.last_answer["text"] == catalog_text("zh", "This cannot be done any more.")
    await boss.send_command("/volunteers")
    listing = await boss.expect(visible_text("zh", "Nobody has signed up yet: volunteers send /volunteer to the bot."))
    assert NAME not in listing.text
    assert await database_hits(harness) == []


async def test_a_volunteer_may_type_yes_to_the_delete_question(harness: Harness) -> None:
    """zh: a volunteer who is no resident answers «Delete your data?» by typing 是 (as residents may)."""
    boss = await coordinator(harness)
    helper = await sign_up(harness, 7131, NAME, "zh", "xiayangtian", phone=PHONE)
    await approve(harness, boss, helper, "zh", "xiayangtian")
    await helper.send_command("/delete")
    await helper.send("是")
    await helper.expect(visible_text("zh", "Your personal data has been deleted. Send /start if you need help again."))
    await harness.drain()
    assert await database_hits(harness) == []
