"""End to end (issue #10, 2–4): nothing a resident sends is lost or answered with only a menu hint.

- free text, a voice message or a photo outside a request joins the open request (the claimer gets it
  privately, or the card says the resident wrote again), or is offered as a new request;
- a typed yes, no or button label at a button question is understood; anything else gets the same
  question again with a hint;
- an address sent in two messages is joined and read back for confirmation.
"""

from __future__ import annotations

import time

import pytest
from sqlmodel import col, select

from bot.ui.states import Intake, Reg
from db.models import CheckinPlan, Request, RequestEvent, RequestKind, RequestStatus, Resident, Urgency
from tests.conftest import STAFF_CHAT, Harness
from tests.conversation import TgUser
from tests.helpers import (
    HANDOVER_IN_PERSON,
    HANDOVER_PROMPT,
    hand_over,
    ADDRESS_CHECK,
    ADDRESS_CHECK_LATE,
    ADDRESS_PROMPT,
    CONSENT,
    DISTRICT_OF,
    DISTRICT_PROMPT,
    FLAGS_PROMPT,
    ITEMS_PROMPT,
    KIND,
    MENU,
    NAME_PROMPT,
    PHONE_PROMPT,
    REGISTERED,
    REVIEW_PROMPT,
    check_title,
    confirmation,
    district_title,
    emergency_text,
    fsm_of,
    head,
    items_of,
    last_user_file_id,
    new_user,
    register,
    requests_of,
    resident_of,
    seen,
    submit,
    catalog_text,
    to_summary,
    visible_text,
)

#: The bare menu hint the bot answered with before (its catalogue entry is gone with it).
MENU_HINT = {"zh": "请在下方菜单中选择。", "ru": "Пожалуйста, выберите в меню ниже.", "uk": "Будь ласка, оберіть у меню нижче."}
BUTTONS_ONLY = "Please use the buttons."
ADDED = "✉️ I added your message to your request {number} ({kind}). Its status: {status}."
SEEN_BY_ALL = "The social workers see it with your request. Whoever takes it will get in touch."
RECEIVED_BY = "Social worker {name} has received it."
OFFER = "Shall I send this to the social workers as a new request? Please choose what it is about."
OFFER_QUESTION = ("Would you like us to ask you every day whether you are OK? "
                  "If you do not answer, a social worker is told.")

#: Issue #10 point 2: an anxious man who asked for someone to talk to writes again the next day.
FEELING = {"zh": "我很慌，想找个人说说话", "ru": "Мне очень тревожно, хочу с кем-нибудь поговорить",
           "uk": "Мені дуже тривожно, хочу з кимось поговорити"}
AGAIN = {
    "zh": "我昨天找过你们，到现在还没有人给我打电话，我还是很慌，一夜没睡",
    "ru": "Я вчера к вам обращался, до сих пор никто не позвонил, мне всё ещё страшно, всю ночь не спал",
    "uk": "Я вчора до вас звертався, досі ніхто не зателефонував, мені досі страшно, всю ніч не спав",
}
THIRD = {"zh": "请尽快给我回电话", "ru": "Перезвоните мне, пожалуйста", "uk": "Передзвоніть мені, будь ласка"}
#: Issue #10 point 3: the typed yes after the check-in offer.
YES = {"zh": "对", "ru": "да", "uk": "так"}
#: Issue #10 point 4: an address in two messages.
ADDRESS_PARTS = {
    "zh": ("下洋田社区", "5栋1单元302"),
    "ru": ("ул. Красная Пресня, д. 12", "кв. 34"),
    "uk": ("вул. Європейська, 5", "кв. 7"),
}
WORKER_ID = 5001


def texts_of(replies: list) -> list[str]:
    """The visible texts of the bot's replies."""
    return [m.text or "" for m in replies]


def no_bare_menu_hint(locale: str, replies: list) -> None:
    """Never «choose from the menu» on its own."""
    assert replies, "no answer at all"
    assert [s for s in texts_of(replies) if s != MENU_HINT[locale]], texts_of(replies)


def card_of(harness: Harness, request: Request):  # type: ignore[no-untyped-def]
    """The latest card message of a request in the staff group."""
    cards = [m for m in harness.fake.messages.get(STAFF_CHAT, []) if f"№{request.id} ·" in (m.text or "")]
    assert cards, f"no card for {request.id}"
    return cards[-1]


async def join_worker(harness: Harness, name: str = "王社工") -> TgUser:
    """A worker who joined the staff group and started the bot privately."""
    worker = harness.staff(WORKER_ID, name)
    await worker.send_command("/join")
    await TgUser(harness.fake, WORKER_ID, name, language_code="zh").send_command("/start")
    return worker


def private_to_worker(harness: Harness) -> list:
    """What the bot sent the worker privately."""
    return [m for m in harness.fake.messages.get(WORKER_ID, []) if not m.deleted]


async def wrote_events(harness: Harness, request_id: int) -> list[dict]:
    """The stored «resident wrote again» events of a request."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        query = select(RequestEvent).where(RequestEvent.request_id == request_id, RequestEvent.action == "wrote")
        return [e.data for e in (await session.exec(query.order_by(col(RequestEvent.id)))).all()]


async def stored(harness: Harness, request: Request) -> Request:
    """The request as stored now."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        fresh = await session.get(Request, request.id)
    assert fresh is not None
    return fresh


# ------------------------------------------------------------------------- 2. free text outside a request


@pytest.mark.parametrize("locale", ["zh", "ru", "uk"])
async def test_writing_again_reaches_the_open_request(harness: Harness, locale: str) -> None:
    """The issue's anxious man: his message joins his open request, the card shows it with Claim, the claimer gets it."""
    user = await register(harness, locale)
    request = await submit(harness, user, locale, await to_summary(user, locale, "psych", FEELING[locale]))
    await harness.drain()

    replies = await user.send(AGAIN[locale])
    no_bare_menu_hint(locale, replies)
    status = catalog_text(locale, "waiting for a social worker")
    told = visible_text(locale, ADDED, number=f"№{request.id}", kind=catalog_text(locale, KIND["psych"]), status=status)
    answer = await user.expect(told)
    assert visible_text(locale, SEEN_BY_ALL) in answer.text
    assert await wrote_events(harness, request.id or 0) == [{"text": AGAIN[locale], "voice": None, "photo": None}]

    await harness.drain()
    card = card_of(harness, request)
    assert AGAIN[locale] in card.text and head("zh", "✉️ The resident wrote again ({when}): {what}") in card.text
    assert "+86" not in card.text and "+7" not in card.text  # still no phone on the card
    assert any(b["text"].startswith("✋") for b in card.buttons())  # Claim is still possible

    worker = await join_worker(harness)
    await worker.press(f"№{request.id}", message=card)
    await harness.drain()
    assert (await stored(harness, request)).status == RequestStatus.CLAIMED
    assert any(AGAIN[locale] in (m.text or "") for m in private_to_worker(harness))  # with the details
    assert AGAIN[locale] not in card_of(harness, request).text  # claimed: it went to the claimer privately

    replies = await user.send(THIRD[locale])
    no_bare_menu_hint(locale, replies)
    status = catalog_text(locale, "accepted by a social worker")
    answer = await user.expect(visible_text(locale, ADDED, number=f"№{request.id}", kind=catalog_text(locale, KIND["psych"]), status=status))
    assert visible_text(locale, RECEIVED_BY, name="王社工") in answer.text
    await harness.drain()
    private = private_to_worker(harness)[-1].text or ""
    assert THIRD[locale] in private and f"№{request.id}" in private
    assert THIRD[locale] not in card_of(harness, request).text


async def test_voice_and_photo_outside_a_request_reach_the_claimer(harness: Harness) -> None:
    """A voice note and a photo sent from the menu go to the claimer as files; the card mentions them."""
    user = await register(harness, "ru")
    request = await submit(harness, user, "ru", await to_summary(user, "ru", "supplies", "хлеб, молоко 2 л"))
    await harness.drain()
    replies = await user.send_voice()
    no_bare_menu_hint("ru", replies)
    voice_id = last_user_file_id(user, "voice")
    await user.expect(head("ru", ADDED))
    await harness.drain()
    assert catalog_text("zh", "🎤 voice message") in card_of(harness, request).text

    worker = await join_worker(harness)
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain()
    voices = [m for m in private_to_worker(harness) if m.kind == "voice"]
    assert [m.media["voice"]["file_id"] for m in voices] == [voice_id]

    await user.send_photo(caption="вот чек")
    photo_id = last_user_file_id(user, "photo")
    await user.expect(head("ru", ADDED))
    await harness.drain()
    private = private_to_worker(harness)
    assert any(m.is_photo and m.photo == photo_id for m in private)
    assert any("вот чек" in (m.text or "") for m in private)
    assert await wrote_events(harness, request.id or 0) == [
        {"text": None, "voice": voice_id, "photo": None}, {"text": "вот чек", "voice": None, "photo": photo_id},
    ]


@pytest.mark.parametrize("locale", ["zh", "ru", "uk"])
async def test_danger_in_a_follow_up_is_checked_first(harness: Harness, locale: str) -> None:
    """Danger in what a resident writes while a supplies request is open: the emergency numbers at once,
    and an urgent «someone to talk to» request with their words, so that a worker calls (the danger
    check runs before the message could be added to the supplies request)."""
    danger = {"zh": "我不想活了", "ru": "не хочу жить", "uk": "не хочу жити"}[locale]
    user = await register(harness, locale)
    request = await submit(harness, user, locale, await to_summary(user, locale, "supplies", "米 1袋"))
    replies = await user.send(danger)
    shown = texts_of(replies)
    assert shown and emergency_text(locale) in shown[0], shown
    assert not any(head(locale, ADDED) in s for s in shown), "a danger message is not filed under the supplies request"
    urgent = [r for r in await requests_of(harness, user) if r.id != request.id]
    assert len(urgent) == 1 and urgent[0].kind == RequestKind.PSYCH
    assert urgent[0].urgency == Urgency.URGENT and urgent[0].danger and urgent[0].details == danger


@pytest.mark.parametrize("locale", ["zh", "ru", "uk"])
async def test_without_an_open_request_text_is_offered_as_a_new_one(harness: Harness, locale: str) -> None:
    """No open request: «send this as a new request?», one tap for the kind, the text already filled in."""
    items = {"zh": "2斤青菜、2斤肉", "ru": "хлеб, молоко 2 л", "uk": "хліб, молоко 2 л"}[locale]
    expected = {"zh": [("青菜", "2斤"), ("肉", "2斤")], "ru": [("хлеб", ""), ("молоко", "2 л")],
                "uk": [("хліб", ""), ("молоко", "2 л")]}[locale]
    user = await register(harness, locale)
    await user.press(catalog_text(locale, "No, thank you"))  # the check-in offer
    replies = await user.send(items)
    no_bare_menu_hint(locale, replies)
    offer = await user.expect(visible_text(locale, OFFER))
    assert offer.button_texts() == [catalog_text(locale, MENU["supplies"]), catalog_text(locale, MENU["medicine"]), catalog_text(locale, MENU["psych"]),
                                    catalog_text(locale, "No, do not send it")]
    await user.press(catalog_text(locale, MENU["supplies"]))
    await user.expect(head(locale, REVIEW_PROMPT))  # the list parsed, not asked again
    await user.press(catalog_text(locale, "✅ Yes, that's right"))
    await user.press(catalog_text(locale, "Within 1–2 days"))
    await user.press("📍")
    await hand_over(user, locale)
    request = await submit(harness, user, locale, await user.expect(check_title(locale)))
    assert await items_of(harness, request.id or 0) == expected
    assert request.details == items

    await user.send("你好" if locale == "zh" else "привіт")  # open request now: joins it instead
    await user.expect(head(locale, ADDED))


async def test_offer_declined_or_taken_as_talk(harness: Harness) -> None:
    """«No» sends nothing; «someone to talk to» starts there with the words as the feeling."""
    user = await register(harness, "uk")
    await user.press(catalog_text("uk", "No, thank you"))  # the check-in offer
    await user.send("Мені сумно")
    await user.expect(visible_text("uk", OFFER))
    await user.press(catalog_text("uk", "No, do not send it"))
    await user.expect(visible_text("uk", "All right, nothing was sent. I am here whenever you need help."))
    assert await requests_of(harness, user) == []

    await user.send("Мені сумно")
    await user.press(catalog_text("uk", MENU["psych"]))
    await user.expect(visible_text("uk", "When is a good time for a social worker to call you? Press a button or write a time."))
    await user.press(catalog_text("uk", "Evening"))
    await user.press(catalog_text("uk", "Within 1–2 days"))
    request = await submit(harness, user, "uk", await user.expect(check_title("uk")))
    assert (request.kind, request.details) == ("psych", "Мені сумно")


async def test_voice_outside_a_request_becomes_a_new_one(harness: Harness) -> None:
    """A voice note with no open request: offered, and kept on the new request."""
    user = await register(harness, "zh")
    await user.send_voice()
    voice_id = last_user_file_id(user, "voice")
    await user.press(catalog_text("zh", MENU["medicine"]))
    await user.expect(visible_text("zh", "If you have a photo of the prescription or of the medicine box, send it now: "
                              "it helps the social worker.\nOtherwise press «Skip ▶️»."))
    await user.tap(catalog_text("zh", "Skip ▶️"))
    await user.press(catalog_text("zh", "Within 1–2 days"))
    await user.press("📍")
    await hand_over(user, "zh")
    request = await submit(harness, user, "zh", await user.expect(check_title("zh")))
    assert request.voice_file_ids == [voice_id]


# ------------------------------------------------------------------------- 3. typed answers at button questions


@pytest.mark.parametrize("locale", ["zh", "ru", "uk"])
async def test_typed_yes_enrols_in_daily_checkins(harness: Harness, locale: str) -> None:
    """The issue's elderly woman types «对» after the check-in offer: she is enrolled, and told so."""
    user = await register(harness, locale)
    await user.expect(visible_text(locale, OFFER_QUESTION), since_start=True)
    replies = await user.send(YES[locale])
    no_bare_menu_hint(locale, replies)
    await user.expect(head(locale, "<b>Daily check-in</b> at {times}"))
    resident = await resident_of(harness, user)
    assert harness.app is not None and resident is not None
    async with harness.app.sessions() as session:
        plan = (await session.exec(select(CheckinPlan).where(CheckinPlan.resident_id == resident.id))).first()
    assert plan is not None and plan.active


@pytest.mark.parametrize(("locale", "no"), [("zh", "不要"), ("ru", "нет"), ("uk", "ні")])
async def test_typed_no_and_unclear_text_at_the_checkin_offer(harness: Harness, locale: str, no: str) -> None:
    """Unclear text: the same question again with a hint; then a typed no is understood."""
    user = await register(harness, locale)
    replies = await user.send("？？")
    assert visible_text(locale, BUTTONS_ONLY) in texts_of(replies) and visible_text(locale, OFFER_QUESTION) in texts_of(replies)
    await user.send(no)
    await user.expect(visible_text(locale, "All right. You can start them any time with /checkin."))
    resident = await resident_of(harness, user)
    assert harness.app is not None and resident is not None
    async with harness.app.sessions() as session:
        assert (await session.exec(select(CheckinPlan).where(CheckinPlan.resident_id == resident.id))).first() is None


@pytest.mark.parametrize(
    ("locale", "agree", "flag", "done", "ok", "urgent", "send"),
    [
        ("zh", "好的", "独居", "完成", "对", "紧急", "是"),
        ("ru", "Да!", "живёт в одиночку", "нет", "ага", "срочно", "конечно"),
        ("uk", "звісно", "Живе на самоті", "Готово", "так", "терміново", "так"),
    ],
)
async def test_typed_answers_through_registration_and_a_request(
    harness: Harness, locale: str, agree: str, flag: str, done: str, ok: str, urgent: str, send: str
) -> None:
    """Consent, district, situation, the list, urgency, the address and the summary all answered by typing."""
    flag_label = seen(catalog_text(locale, "Lives alone")).casefold()
    assert flag.casefold() == flag_label, f"the test's flag word must be the label: {flag_label}"
    if done not in ("нет",):
        assert done.casefold() in seen(catalog_text(locale, "✅ Done")).casefold()
    assert urgent.casefold() in seen(catalog_text(locale, "🔴 Urgent: I need it today")).casefold()
    user = new_user(harness, locale)
    await user.send_command("/start")
    await user.expect(visible_text(locale, CONSENT))
    await user.send(agree)
    await user.expect(visible_text(locale, NAME_PROMPT))
    await user.tap(user.first_name)
    await user.expect(visible_text(locale, PHONE_PROMPT))
    await user.tap(catalog_text(locale, "📱 Share my phone number"))
    await user.expect(visible_text(locale, ADDRESS_PROMPT))
    await user.send(ADDRESS_PARTS[locale][0] + " " + ADDRESS_PARTS[locale][1])
    await user.send(ok)  # «is the address right?»
    await user.expect(visible_text(locale, DISTRICT_PROMPT))
    await user.send(district_title(DISTRICT_OF[locale], locale))
    await user.expect(visible_text(locale, FLAGS_PROMPT))
    await user.send(flag)
    await user.send(done)
    await user.expect(visible_text(locale, REGISTERED))
    resident = await resident_of(harness, user)
    assert resident is not None and resident.lives_alone and not resident.over_65
    assert resident.address == " ".join(ADDRESS_PARTS[locale])

    await user.tap(catalog_text(locale, MENU["supplies"]))
    await user.send("米 1袋")
    await user.expect(head(locale, REVIEW_PROMPT))
    await user.send(ok)
    await user.expect(visible_text(locale, "How urgent is it?"))
    await user.send(urgent)
    await user.expect(visible_text(locale, "Where should the help come?"))
    await user.send(catalog_text(locale, "Another address"))
    await user.expect(visible_text(locale, "Please write the address."))
    await user.send("下洋田社区 7栋")
    await user.send(ok)
    await user.expect(visible_text(locale, HANDOVER_PROMPT))
    await user.send(catalog_text(locale, HANDOVER_IN_PERSON))  # the button's words typed
    await user.expect(check_title(locale))
    await user.send(send)
    (request,) = await requests_of(harness, user)
    assert (request.urgency, request.address, request.answers) == (Urgency.URGENT, "下洋田社区 7栋", {"dl": "hand"})
    await confirmation(harness, user, locale, request)
    assert (await fsm_of(harness, user))[0] is None


@pytest.mark.parametrize("locale", ["zh", "ru", "uk"])
async def test_unclear_text_at_a_button_question_asks_again(harness: Harness, locale: str) -> None:
    """Text that means no choice: the same question again, with the hint to press a button; never silence."""
    user = await register(harness, locale)
    await user.tap(catalog_text(locale, MENU["supplies"]))
    await user.send("米 1袋")
    await user.press(catalog_text(locale, "✅ Yes, that's right"))
    await user.expect(visible_text(locale, "How urgent is it?"))
    replies = await user.send("嗯……我想想" if locale == "zh" else "ну не знаю")
    shown = texts_of(replies)
    assert shown.index(visible_text(locale, BUTTONS_ONLY)) < shown.index(visible_text(locale, "How urgent is it?")), shown
    assert (await fsm_of(harness, user))[0] == Intake.urgency.state


# ------------------------------------------------------------------------- 4. an answer in two messages


def readback(locale: str, address: str, late: bool = False) -> str:
    """The address read back, as seen."""
    return visible_text(locale, ADDRESS_CHECK_LATE if late else ADDRESS_CHECK, address=address)


async def to_address_question(harness: Harness, locale: str) -> TgUser:
    """A new resident at «Your home address»."""
    user = new_user(harness, locale)
    await user.send_command("/start")
    await user.press(catalog_text(locale, "✅ I agree"))
    await user.tap(user.first_name)
    await user.tap(catalog_text(locale, "📱 Share my phone number"))
    await user.expect(visible_text(locale, ADDRESS_PROMPT))
    return user


@pytest.mark.parametrize("locale", ["zh", "ru", "uk"])
async def test_address_in_two_messages_is_joined(harness: Harness, locale: str) -> None:
    """«下洋田社区» then «5栋1单元302» seconds later: one address, read back, stored whole."""
    first, second = ADDRESS_PARTS[locale]
    user = await to_address_question(harness, locale)
    await user.send(first)
    check = await user.expect(readback(locale, first))
    assert check.button_texts() == [catalog_text(locale, "✅ Correct"), catalog_text(locale, "✏️ Change")]
    replies = await user.send(second)
    assert visible_text(locale, BUTTONS_ONLY) not in texts_of(replies)
    await user.expect(readback(locale, f"{first} {second}"))
    await user.press(catalog_text(locale, "✅ Correct"))
    await user.expect(visible_text(locale, DISTRICT_PROMPT))
    resident = await resident_of(harness, user)
    assert resident is not None and resident.address == f"{first} {second}"


async def test_late_second_part_asks_whether_it_belongs(harness: Harness) -> None:
    """The second half long after the first: joined, and the bot asks whether it belongs; «Change» starts over."""
    first, second = ADDRESS_PARTS["zh"]
    user = await to_address_question(harness, "zh")
    await user.send(first)
    await user.expect(readback("zh", first))
    later = time.time() + 600
    harness.fake.clock = lambda: later  # ten minutes later (Telegram's message.date)
    await user.send(second)
    await user.expect(readback("zh", f"{first} {second}", late=True))
    await user.press(catalog_text("zh", "✏️ Change"))
    await user.expect(visible_text("zh", ADDRESS_PROMPT))
    assert (await fsm_of(harness, user))[0] == Reg.address.state
    await user.send("下洋田社区 6栋 101")
    await user.press(catalog_text("zh", "✅ Correct"))
    await user.expect(visible_text("zh", DISTRICT_PROMPT))
    resident = await resident_of(harness, user)
    assert resident is not None and resident.address == "下洋田社区 6栋 101"


@pytest.mark.parametrize("locale", ["zh", "ru", "uk"])
async def test_delivery_address_and_list_in_two_messages(harness: Harness, locale: str) -> None:
    """Another delivery address and a shopping list, each sent in two quick messages, are joined."""
    first, second = ADDRESS_PARTS[locale]
    user = await register(harness, locale)
    await user.tap(catalog_text(locale, MENU["supplies"]))
    await user.expect(visible_text(locale, ITEMS_PROMPT))
    await user.send("2斤青菜")
    await user.expect(head(locale, REVIEW_PROMPT))
    review = await user.send("2斤肉")
    assert any("肉" in s and "青菜" in s for s in texts_of(review)), texts_of(review)
    await user.press(catalog_text(locale, "✅ Yes, that's right"), message=review[-1])
    await user.press(catalog_text(locale, "Within 1–2 days"))
    await user.press(catalog_text(locale, "Another address"))
    await user.send(first)
    await user.send(second)
    await user.expect(readback(locale, f"{first} {second}"))
    await user.press(catalog_text(locale, "✅ Correct"))
    await hand_over(user, locale)
    request = await submit(harness, user, locale, await user.expect(check_title(locale)))
    assert request.address == f"{first} {second}"
    assert await items_of(harness, request.id or 0) == [("青菜", "2斤"), ("肉", "2斤")]


async def test_changing_the_address_from_my_details_reads_it_back(harness: Harness) -> None:
    """«My details» → address: read back, then saved."""
    user = await register(harness, "ru")
    await user.press(catalog_text("ru", "No, thank you"))
    await user.tap(catalog_text("ru", MENU["profile"]))
    await user.press(catalog_text("ru", "Change: {field}").format(field=catalog_text("ru", "Address")))
    await user.expect(visible_text("ru", ADDRESS_PROMPT))
    await user.send("ул. Тверская, 1")
    await user.send("кв. 5")
    await user.expect(readback("ru", "ул. Тверская, 1 кв. 5"))
    await user.press(catalog_text("ru", "✅ Correct"))
    await user.expect(visible_text("ru", "Saved."))
    resident = await resident_of(harness, user)
    assert resident is not None and resident.address == "ул. Тверская, 1 кв. 5"


@pytest.mark.parametrize(("locale", "typed", "answer"), [
    ("zh", "好的", "fine"), ("ru", "Не очень хорошо", "not_well"), ("uk", "так", "fine"),
])
async def test_typed_answer_to_the_daily_checkin(harness: Harness, locale: str, typed: str, answer: str) -> None:
    """«Are you OK today?» answered by typing: a yes is «I'm fine», a button's words are that button."""
    from tests.test_checkins import checkins_of, enrolled, tick_to_due

    if answer == "not_well":
        assert typed.casefold() == seen(catalog_text(locale, "😐 Not so well")).replace("😐", "").strip().casefold()
    user = await enrolled(harness, locale)
    await tick_to_due(harness, user)
    replies = await user.send(typed)
    no_bare_menu_hint(locale, replies)
    (checkin,) = await checkins_of(harness, user)
    if answer == "fine":
        await user.expect(visible_text(locale, "Thank you! We are glad. Have a good day. 🌷"))
        assert checkin.answer == "fine"
    else:
        what = await user.expect(visible_text(locale, "We are sorry to hear that. What is wrong?"))
        assert catalog_text(locale, "🩺 I feel ill") in what.button_texts()
        assert checkin.answer == "not_well"
    assert await requests_of(harness, user) == []


async def test_delete_erases_what_was_written_again(harness: Harness) -> None:
    """/delete blanks the follow-ups too: they are the resident's words like the request's details."""
    user = await register(harness, "zh")
    request = await submit(harness, user, "zh", await to_summary(user, "zh", "psych", FEELING["zh"]))
    await user.send(AGAIN["zh"])
    await user.expect(head("zh", ADDED))
    await user.send_command("/delete")
    await user.press(catalog_text("zh", "Yes, delete my data"))
    await user.expect(visible_text("zh", "Your personal data has been deleted. Send /start if you need help again."))
    assert await wrote_events(harness, request.id or 0) == [{}]


@pytest.mark.parametrize(("locale", "yes", "no"), [("zh", "是", "不"), ("ru", "да", "нет"), ("uk", "так", "ні")])
async def test_typed_answers_to_cancel_and_delete(harness: Harness, locale: str, yes: str, no: str) -> None:
    """«Cancel request №N?» and «Delete your data?» are yes/no questions too."""
    user = await register(harness, locale)
    request = await submit(harness, user, locale, await to_summary(user, locale, "supplies", "米 1袋"))
    await user.tap(catalog_text(locale, MENU["my"]))
    mine = user.last()
    assert mine is not None
    await user.press(catalog_text(locale, "Cancel request №{number}").format(number=request.id), message=mine)
    await user.expect(visible_text(locale, "Cancel request {number}?", number=f"№{request.id}"))
    await user.send(no)
    await user.expect(visible_text(locale, "The request stays open."))
    assert (await stored(harness, request)).status == RequestStatus.NEW
    await user.press(catalog_text(locale, "Cancel request №{number}").format(number=request.id), message=mine)
    await user.send(yes)
    await user.expect(visible_text(locale, "Request {number} is cancelled.", number=f"№{request.id}"))
    assert (await stored(harness, request)).status == RequestStatus.CANCELLED

    before = await resident_of(harness, user)
    assert before is not None and harness.app is not None
    await user.send_command("/delete")
    replies = await user.send("？")
    assert visible_text(locale, BUTTONS_ONLY) in texts_of(replies)
    await user.send(yes)
    await user.expect(visible_text(locale, "Your personal data has been deleted. Send /start if you need help again."))
    async with harness.app.sessions() as session:  # erased: found by its id, no longer by the Telegram id
        resident = await session.get(Resident, before.id)
    assert resident is not None and resident.name is None


async def test_more_words_while_the_offer_is_open_are_kept(harness: Harness) -> None:
    """A second message while «send this as a new request?» waits: added to the text, not dropped."""
    user = await register(harness, "zh")
    await user.press(catalog_text("zh", "No, thank you"))
    await user.send("我一个人在家")
    await user.expect(visible_text("zh", OFFER))
    await user.send("腿疼，出不了门")
    await user.expect(visible_text("zh", OFFER))
    await user.press(catalog_text("zh", MENU["psych"]))
    await user.press(catalog_text("zh", "Evening"))
    await user.press(catalog_text("zh", "Within 1–2 days"))
    request = await submit(harness, user, "zh", await user.expect(check_title("zh")))
    assert request.details == "我一个人在家\n腿疼，出不了门"


@pytest.mark.parametrize(("locale", "skip"), [("zh", "跳过"), ("ru", "нет"), ("uk", "ні")])
async def test_medicine_in_two_messages_and_a_typed_skip(harness: Harness, locale: str, skip: str) -> None:
    """The dose sent a moment after the name is added to it; «skip» or «no» in words skips the photo."""
    user = await register(harness, locale)
    await user.tap(catalog_text(locale, MENU["medicine"]))
    await user.send("二甲双胍")
    await user.send("500mg 60片")
    await user.expect(visible_text(locale, "Added: {text}", text="二甲双胍 500mg 60片"))
    await user.send(skip)
    await user.expect(visible_text(locale, "How urgent is it?"))
    await user.press(catalog_text(locale, "Within 1–2 days"))
    await user.press("📍")
    await hand_over(user, locale)
    request = await submit(harness, user, locale, await user.expect(check_title(locale)))
    assert (request.medicine, request.photo_file_id) == ("二甲双胍 500mg 60片", None)


async def test_typed_yes_to_delete_at_a_button_step_answers_the_delete_question(harness: Harness) -> None:
    """/delete at the summary, then «对»: the data is erased and no request is filed (the typed yes
    answers the question just asked, not the summary's «Send»); «不» keeps both and asks the step again."""
    user = await register(harness, "zh")
    summary = await to_summary(user, "zh", "supplies", "米 1袋")
    assert summary is not None
    await user.send_command("/delete")
    replies = await user.send("不")
    assert visible_text("zh", "Nothing was deleted.") in texts_of(replies)
    assert any(check_title("zh") in s for s in texts_of(replies)), "the summary is asked again"
    before = await resident_of(harness, user)
    assert before is not None and harness.app is not None
    await user.send_command("/delete")
    await user.send("对")
    await user.expect(visible_text("zh", "Your personal data has been deleted. Send /start if you need help again."))
    async with harness.app.sessions() as session:
        resident = await session.get(Resident, before.id)
        filed = (await session.exec(select(Request).where(Request.resident_id == before.id))).all()
    assert resident is not None and resident.name is None
    assert filed == [], "the typed yes filed the request instead of deleting the data"
