"""What Telegram clients really send (issue #10, point 8): albums, other people's contact cards, edited
messages, and long pastes that the client splits into several messages."""

from __future__ import annotations

from aiogram.types import Contact, User

from bot.domain import contacts
from bot.domain.phones import format_phone
from tests.conftest import Harness
from tests.helpers import (
    ADDRESS_PROMPT,
    CONSENT,
    MEDICINE_PROMPT,
    NAME_PROMPT,
    PHONE_PROMPT,
    PHOTO_PROMPT,
    choose_address,
    new_user,
    register,
    resident_of,
    submit,
    catalog_plural,
    catalog_text,
    visible_text,
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
    await user.tap(catalog_text("zh", "💊 Medicine"))
    await user.expect(visible_text("zh", MEDICINE_PROMPT))
    await user.send("氯氮平 25mg，每天两次")
    await user.expect(visible_text("zh", PHOTO_PROMPT))

    replies = await user.send_album(3)
    texts = [m.text or "" for m in replies]
    assert sum(visible_text("zh", "How urgent is it?") in text for text in texts) == 1, texts
    assert not any(visible_text("zh", "Please use the buttons.") in text for text in texts), texts
    assert sum(visible_text("zh", "📷 Photos received.") in text for text in texts) == 1, texts
    album = photo_ids(user, 3)

    await user.press(catalog_text("zh", "Within 1–2 days"))
    summary = await choose_address(user, "zh", None)
    assert catalog_plural("zh", "📷 {n} photo attached", "📷 {n} photos attached", 3) in summary.text
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
    await user.tap(catalog_text("ru", "💊 Medicine"))
    await user.send("Метформин 500 мг")
    await user.tap(catalog_text("ru", "Skip ▶️"))
    await user.expect(visible_text("ru", "How urgent is it?"))
    replies = await user.send_album(3)
    texts = [m.text or "" for m in replies]
    assert sum(visible_text("ru", "Please use the buttons.") in text for text in texts) == 1, texts
    assert sum(visible_text("ru", "How urgent is it?") in text for text in texts) == 1, texts


async def to_phone_step(harness: Harness, locale: str, **kwargs):  # type: ignore[no-untyped-def]
    """A new resident at the phone question of the registration."""
    user = new_user(harness, locale, **kwargs)
    await user.send_command("/start")
    await user.expect(visible_text(locale, CONSENT))
    await user.press(catalog_text(locale, "✅ I agree"))
    await user.expect(visible_text(locale, NAME_PROMPT))
    await user.tap(user.first_name)
    await user.expect(visible_text(locale, PHONE_PROMPT))
    return user


WHOSE = "This contact is {name}, {phone}. Is it your own number, or a relative's?"
SAVED_RELATIVE = ("Saved as your relative's contact: {name}, {phone}. A social worker can call them if they cannot "
                  "reach you.")


async def test_daughters_contact_card_becomes_the_relative_contact_not_the_residents_phone(harness: Harness) -> None:
    """At the phone question an elderly resident shares their daughter's card (user_id not theirs, «女儿 小芳»):
    the bot asks whose number it is; «a relative's» keeps it as the relative's contact and asks again for
    the resident's own phone, which the claimer then gets next to the daughter's."""
    user = await to_phone_step(harness, "zh")
    replies = await user.send_contact("+8613912345678", first_name="女儿", last_name="小芳", user_id=777000111)
    assert not any(visible_text("zh", ADDRESS_PROMPT) in (m.text or "") for m in replies), "taken silently as the resident's"
    await user.expect(visible_text("zh", WHOSE, name="女儿 小芳", phone=format_phone("+8613912345678")))
    await user.press(catalog_text("zh", "👪 A relative's number"))
    await user.expect(visible_text("zh", SAVED_RELATIVE, name="女儿 小芳", phone=format_phone("+8613912345678")))
    await user.expect(visible_text("zh", PHONE_PROMPT))
    resident = await resident_of(harness, user)
    assert resident is not None and resident.phone is None
    await user.tap(catalog_text("zh", "📱 Share my phone number"))
    await user.expect(visible_text("zh", ADDRESS_PROMPT))
    resident = await resident_of(harness, user)
    assert resident is not None
    assert (resident.phone, resident.contact_name, resident.contact_phone) == (
        "+8613800138000", "女儿 小芳", "+8613912345678")


async def test_a_card_without_user_id_and_another_name_is_asked_about_and_can_be_ones_own(harness: Harness) -> None:
    """uk: a phone-book card without a Telegram account and with another name («Оксана») is asked about;
    «my own number» takes it as the resident's phone."""
    user = await to_phone_step(harness, "uk", first_name="Галина")
    await user.send_contact("+380671234567", first_name="Оксана")
    await user.expect(visible_text("uk", WHOSE, name="Оксана", phone=format_phone("+380671234567")))
    await user.press(catalog_text("uk", "📱 My own number"))
    await user.expect(visible_text("uk", ADDRESS_PROMPT))
    resident = await resident_of(harness, user)
    assert resident is not None
    assert (resident.phone, resident.contact_phone) == ("+380671234567", None)


def test_whose_contact_rule() -> None:
    """user_id decides when Telegram gives one; otherwise the name must be the sender's."""
    me = User(id=5, is_bot=False, first_name="Галина", last_name="Петренко")
    assert contacts.is_own(Contact(phone_number="+380501234567", first_name="X", user_id=5), me)
    assert not contacts.is_own(Contact(phone_number="+380501234567", first_name="Галина", user_id=6), me)
    assert contacts.is_own(Contact(phone_number="+380501234567", first_name="галина", last_name="Петренко"), me)
    assert not contacts.is_own(Contact(phone_number="+380501234567", first_name="Оксана"), me)


LIMIT_LINE = "A list can be up to {limit} characters long."
ONE_PART = "Your message is {length} characters long; the limit here is {limit}."
SPLIT = "Your message is {length} characters long (Telegram delivered it in {parts} parts); the limit here is {limit}."
NOTHING_KEPT = "Nothing of it was kept. Please shorten it, most important first, and send it again."


async def test_a_5000_character_list_split_by_telegram_is_refused_whole_never_its_tail(harness: Harness) -> None:
    """A 5,000-character pasted list arrives as 4,096 + 904 characters: the limit was stated with the
    question, the answer names the whole length once, and the 904-character tail is not taken as the list."""
    from bot.ui.states import Intake
    from tests.helpers import ITEMS_PROMPT, REVIEW_PROMPT, fsm_of, head

    user = await register(harness, "zh")
    await user.tap(catalog_text("zh", "🛒 Food and supplies"))
    question = await user.expect(visible_text("zh", ITEMS_PROMPT))
    assert visible_text("zh", LIMIT_LINE, limit=3000) in question.text
    pasted = ("鸡蛋 10个、大米 5公斤、青菜 2斤、猪肉 1斤、牛奶 2盒、" * 200)[:5000]
    replies = await user.send_long(pasted)
    assert [len(m["text"]) for m in user.fake.user_messages[user.chat_id][-2:]] == [4096, 904]

    texts = [m.text or "" for m in replies]
    assert not any(head("zh", REVIEW_PROMPT) in text for text in texts), "a part was taken as the list"
    answers = [m for m in user.messages() if visible_text("zh", NOTHING_KEPT) in (m.text or "")]
    assert len(answers) == 1
    assert answers[0].text == "\n".join([
        catalog_plural("zh", SPLIT.replace("parts)", "part)"), SPLIT, 2, length=5000, parts=2, limit=3000), visible_text("zh", NOTHING_KEPT)])
    state, data = await fsm_of(harness, user)
    assert state == Intake.items.state and data["draft"]["raw_items"] is None

    await user.send("鸡蛋 10个、大米 5公斤")  # shortened: taken as usual
    await user.expect(head("zh", REVIEW_PROMPT))


async def test_the_tail_of_a_split_list_is_not_taken_as_the_list_ru(harness: Harness) -> None:
    """ru: a 4,500-character list arrives as 4,096 + 404 characters; neither part becomes the list."""
    from tests.helpers import ITEMS_PROMPT, REVIEW_PROMPT, head

    user = await register(harness, "ru")
    await user.tap(catalog_text("ru", "🛒 Food and supplies"))
    await user.expect(visible_text("ru", ITEMS_PROMPT))
    replies = await user.send_long(("хлеб, молоко 2 л, гречка 1 кг, " * 200)[:4500])
    assert not any(head("ru", REVIEW_PROMPT) in (m.text or "") for m in replies)
    assert any(catalog_plural("ru", SPLIT.replace("parts)", "part)"), SPLIT, 2, length=4500, parts=2, limit=3000) in (m.text or "")
               for m in user.messages())


def test_split_rules() -> None:
    """Parts near Telegram's 4,096 may continue; a short part ends the split; parts come within seconds."""
    from bot.domain import split
    assert split.may_be_split("米" * 4096) and split.may_be_split("米" * 3700)
    assert not split.may_be_split("米" * 904) and not split.may_be_split("米" * 10_000)
    assert split.utf16_len("👍") == 2
    assert split.continues(100, 100) and split.continues(100, 103)
    assert not split.continues(100, 104) and not split.continues(100, 99)


CORRECTED_DRAFT = "✏️ Corrected: your request now uses the edited message."
CORRECTED_CARD = "✏️ Corrected by the resident: {text}"
CORRECTION_PASSED = "✏️ Thank you. Your correction was added to request {number}; the social worker sees it."
TO_CLAIMER = "✏️ The resident of request {number} corrected their message:\n{text}"


async def test_edited_list_before_sending_updates_the_draft_and_the_card(harness: Harness) -> None:
    """鸡蛋 100个 corrected to 鸡蛋 10个 (an edit, while the list is shown back): the list is shown again with
    10, and the request and its card ask for 10 eggs."""
    from tests.helpers import ITEMS_PROMPT, REVIEW_PROMPT, head, items_of

    user = await register(harness, "zh")
    await user.tap(catalog_text("zh", "🛒 Food and supplies"))
    await user.expect(visible_text("zh", ITEMS_PROMPT))
    await user.send("鸡蛋 100个")
    await user.expect(head("zh", REVIEW_PROMPT))
    replies = await user.edit(user.last_sent_id(), "鸡蛋 10个")
    assert any(visible_text("zh", CORRECTED_DRAFT) in (m.text or "") for m in replies)
    review = await user.expect(head("zh", REVIEW_PROMPT))
    assert "10个" in review.text and "100个" not in review.text
    await user.press(catalog_text("zh", "✅ Yes, that's right"))
    await user.press(catalog_text("zh", "Within 1–2 days"))
    summary = await choose_address(user, "zh", None)
    assert "10个" in summary.text and "100个" not in summary.text
    request = await submit(harness, user, "zh", summary)
    assert await items_of(harness, request.id or 0) == [("鸡蛋", "10个")]
    assert request.details == "鸡蛋 10个"
    card = card_of(harness, request)
    assert "10个" in card.text and "100个" not in card.text


async def test_edit_at_the_summary_shows_the_summary_again_ru(harness: Harness) -> None:
    """ru: the medicine corrected at the summary: the summary is shown again with the new dose."""
    from tests.helpers import to_summary

    user = await register(harness, "ru")
    await to_summary(user, "ru", "medicine", "Метформин 850 мг")
    medicine_message = [m for m in user.fake.user_messages[user.chat_id] if m.get("text") == "Метформин 850 мг"][-1]
    await user.edit(medicine_message["message_id"], "Метформин 500 мг, 60 таблеток")
    summary = await user.expect(visible_text("ru", "<b>Please check your request</b>"))
    assert "Метформин 500 мг, 60 таблеток" in summary.text
    request = await submit(harness, user, "ru", summary)
    assert request.medicine == "Метформин 500 мг, 60 таблеток"


async def test_edit_after_sending_reaches_the_claimer_and_the_card(harness: Harness) -> None:
    """The list edited after the request was sent and claimed: the claimer is told privately, the card
    shows the correction, and the resident is told it was passed on."""
    from tests.helpers import supplies_to_summary

    worker = await join(harness, 5201, "李社工")
    user = await register(harness, "zh")
    summary = await supplies_to_summary(user, "zh", "鸡蛋 100个")
    list_id = [m for m in user.fake.user_messages[user.chat_id] if m.get("text") == "鸡蛋 100个"][-1]["message_id"]
    request = await submit(harness, user, "zh", summary)
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain()

    await user.edit(list_id, "鸡蛋 10个")
    await user.expect(visible_text("zh", CORRECTION_PASSED, number=f"№{request.id}"))
    await harness.drain()
    assert visible_text("zh", TO_CLAIMER, number=f"№{request.id}", text="鸡蛋 10个") in [
        m.text for m in harness.fake.messages[5201]]
    assert visible_text("zh", CORRECTED_CARD, text="鸡蛋 10个") in card_of(harness, request).text
    from tests.test_staff import reload

    assert (await reload(harness, request)).edits == ["鸡蛋 10个"]


async def test_an_album_interrupted_by_a_restart_keeps_every_photo(harness: Harness) -> None:
    """uk: the bot restarts after the album's first photo: the other two still join the request and the
    urgency question is asked once."""
    import secrets as _secrets

    user = await register(harness, "uk")
    await user.tap(catalog_text("uk", "💊 Medicine"))
    await user.send("Метформін 500 мг")
    await user.expect(visible_text("uk", PHOTO_PROMPT))
    group = str(_secrets.randbelow(10**17) + 10**17)
    parts = [user._message(photo=user._photo_sizes(), media_group_id=group) for _ in range(3)]
    first = await user._burst(parts[:1])
    await harness.restart()
    rest = await user._burst(parts[1:])
    asked = [m for m in first + rest if visible_text("uk", "How urgent is it?") in (m.text or "")]
    assert len(asked) == 1 and not any(visible_text("uk", "Please use the buttons.") in (m.text or "") for m in rest)
    await user.press(catalog_text("uk", "Within 1–2 days"))
    summary = await choose_address(user, "uk", None)
    request = await submit(harness, user, "uk", summary)
    assert request.photo_file_ids == [p["photo"][-1]["file_id"] for p in parts]


async def test_a_relatives_card_sent_later_is_offered_as_the_relative_contact(harness: Harness) -> None:
    """A registered resident sends their daughter's card from the menu: asked, then kept as the relative's
    contact; their own phone stays."""
    user = await register(harness, "zh")
    await user.send_contact("+8613912345678", first_name="女儿", last_name="小芳", user_id=777000222)
    await user.expect(visible_text("zh", "Save {name}, {phone} as your relative's contact? A social worker can call them "
                              "if they cannot reach you.", name="女儿 小芳", phone=format_phone("+8613912345678")))
    await user.press(catalog_text("zh", "✅ Yes, save it"))
    await user.expect(visible_text("zh", "Saved."))
    resident = await resident_of(harness, user)
    assert resident is not None
    assert (resident.phone, resident.contact_name, resident.contact_phone) == (
        "+8613800138000", "女儿 小芳", "+8613912345678")


async def test_photos_sent_instead_of_the_medicine_name_are_kept(harness: Harness) -> None:
    """ru: an album of the boxes at the medicine question: kept, one answer asking for the name; the name
    then leads straight on (no second photo question), and the request has both photos."""
    user = await register(harness, "ru")
    await user.tap(catalog_text("ru", "💊 Medicine"))
    await user.expect(visible_text("ru", MEDICINE_PROMPT))
    replies = await user.send_album(2)
    asked = visible_text("ru", "📷 Photo received. Please also write the name of the medicine and the dose, or send a voice "
                    "message.")
    assert [m.text for m in replies] == [asked]
    album = photo_ids(user, 2)
    await user.send("Эналаприл 10 мг")
    await user.expect(visible_text("ru", "How urgent is it?"))
    await user.press(catalog_text("ru", "Within 1–2 days"))
    summary = await choose_address(user, "ru", None)
    request = await submit(harness, user, "ru", summary)
    assert (request.medicine, request.photo_file_ids) == ("Эналаприл 10 мг", album)


async def test_a_photo_with_its_caption_answers_the_medicine_question(harness: Harness) -> None:
    """zh: a photo of the box captioned with the name and dose: both kept, on to urgency."""
    user = await register(harness, "zh")
    await user.tap(catalog_text("zh", "💊 Medicine"))
    await user.expect(visible_text("zh", MEDICINE_PROMPT))
    await user.send_photo(caption="硝苯地平 10mg")
    await user.expect(visible_text("zh", "How urgent is it?"))
    await user.press(catalog_text("zh", "Within 1–2 days"))
    summary = await choose_address(user, "zh", None)
    request = await submit(harness, user, "zh", summary)
    assert (request.medicine, request.photo_file_ids) == ("硝苯地平 10mg", photo_ids(user, 1))
