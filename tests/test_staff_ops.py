"""The staff group's daily work end to end: duty, SLA reminders, lists and stats, reasons, release,
transfers between stations, permissions, and the worker who has not opened the bot privately yet."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.core import clock
from bot.app import check_requests
from db.models import Request, RequestEvent, RequestStatus
from tests.conftest import COORDINATOR_ID, SECOND_CHAT, STAFF_CHAT, Harness
from tests.conversation import TgUser
from tests.helpers import register, requests_of, send_request, seen, staff_messages, supplies_to_summary, catalog_text, catalog_plural, visible_text
from tests.test_staff import card_of, events, file_request, join, reload


ON_DUTY = "On duty: {names}"
REMINDER = ("⏰ {urgent}Request {number} has been waiting for {n} minute. Who can take it?",
            "⏰ {urgent}Request {number} has been waiting for {n} minutes. Who can take it?")
ESCALATION = ("🚨 Request {number} is still unclaimed after {n} minute. Coordinators, please assign it.",
              "🚨 Request {number} is still unclaimed after {n} minutes. Coordinators, please assign it.")
NUDGE = ("⏳ Request {number} was taken {n} hour ago and is not done yet. Is everything all right?",
         "⏳ Request {number} was taken {n} hours ago and is not done yet. Is everything all right?")
REFUSAL = {
    "not_staff": "Only registered staff can do this. Send /join in the staff group first.",
    "wrong_chat": "This request belongs to another station's chat.",
    "gone": "This request no longer exists.",
    "taken": "Already taken by {name}.",
    "not_yours": "This request is handled by {name}; only they or a coordinator can change it.",
}
NO_PRIVATE_CHAT = ("⚠️ {name}: open a private chat with this bot and press Start to receive the resident's phone "
                   "and address.")


def number(request: Request) -> str:
    """The number as shown."""
    return f"№{request.id}"


async def file_more(harness: Harness, user: TgUser, locale: str, items: str, urgent: bool = False) -> Request:
    """One more supplies request by an already registered resident, its card delivered."""
    await send_request(user, locale, await supplies_to_summary(user, locale, items, urgent=urgent))
    await harness.drain()
    return (await requests_of(harness, user))[-1]


async def tick(harness: Harness) -> None:
    """The SLA tick, run twice (the second must find nothing), then delivery."""
    assert harness.app is not None
    await check_requests(harness.app)
    await check_requests(harness.app)
    await harness.drain()


def lines_starting(harness: Harness, prefix: str, chat_id: int = STAFF_CHAT) -> list[str]:
    """Texts of the staff chat's bot messages that start with prefix."""
    return [m.text for m in staff_messages(harness, chat_id) if m.text.startswith(prefix)]


def answer(user: TgUser) -> str:
    """The alert the user's last button press got."""
    assert user.last_answer is not None, "the press was not answered"
    return user.last_answer["text"]


# ---------------------------------------------------------------------------------- duty


async def test_duty_on_off_and_the_card_names_who_is_on_duty(harness: Harness) -> None:
    """/duty on and off answer in the chat's language; a new card names the on-duty workers only."""
    wang = await join(harness, 5001, "王社工", private=False)
    li = await join(harness, 5002, "李社工", private=False)
    await wang.send_command("/duty on")
    assert wang.last().text == visible_text("zh", "{name} is on duty.", name="王社工")  # type: ignore[union-attr]
    await li.send_command("/duty on")
    await li.send_command("/duty off")
    assert li.last().text == visible_text("zh", "{name} is off duty.", name="李社工")  # type: ignore[union-attr]
    await li.send_command("/duty maybe")
    assert li.last().text == visible_text("zh", "Use /duty on or /duty off.")  # type: ignore[union-attr]
    stranger = harness.staff(5009, "路人")
    await stranger.send_command("/duty on")
    assert stranger.last().text == visible_text("zh", REFUSAL["not_staff"])  # type: ignore[union-attr]

    _, request = await file_request(harness, "uk", "хліб, молоко 1 л")
    card = card_of(harness, request)
    assert card.text.endswith("\n" + visible_text("zh", ON_DUTY, names="王社工"))
    assert "李社工" not in card.text and "路人" not in card.text
    await wang.press(f"№{request.id}", message=card)
    await harness.drain()
    assert seen(catalog_text("zh", ON_DUTY).split("{")[0]) not in card_of(harness, request).text


# ------------------------------------------------------------------------ reminders, SLA


async def test_reminders_escalation_and_nudge_fire_once(harness: Harness) -> None:
    """Urgent reminded after 5 min, normal after 15; escalation to the coordinator; a nudge 4 h after a claim."""
    coordinator = await join(harness, COORDINATOR_ID, "Координатор", private=False)
    await coordinator.send_command("/chatlang ru")
    assert coordinator.last().text == visible_text("ru", "This chat's language is now {language}.", language="Русский")  # type: ignore[union-attr]
    anna = await join(harness, 5001, "Анна", private=False)
    await anna.send_command("/duty on")
    resident, normal = await file_request(harness, "zh")
    urgent = await file_more(harness, resident, "zh", "药 1盒", urgent=True)

    clock.advance(timedelta(minutes=6))
    await tick(harness)
    assert lines_starting(harness, "⏰") == [
        seen(catalog_plural("ru", *REMINDER, 6, urgent="🔴 ", number=number(urgent))) + "\nАнна",
    ]
    clock.advance(timedelta(minutes=10))
    await tick(harness)
    assert lines_starting(harness, "⏰")[1:] == [
        seen(catalog_plural("ru", *REMINDER, 16, urgent="", number=number(normal))) + "\nАнна",
    ]
    assert lines_starting(harness, "🚨") == [seen(catalog_plural("ru", *ESCALATION, 16, number=number(urgent))) + "\nКоординатор"]

    await anna.press(f"№{urgent.id}", message=card_of(harness, urgent))
    clock.advance(timedelta(minutes=30))
    await tick(harness)
    assert lines_starting(harness, "🚨")[1:] == [seen(catalog_plural("ru", *ESCALATION, 46, number=number(normal))) + "\nКоординатор"]
    assert len(lines_starting(harness, "⏰")) == 2

    clock.advance(timedelta(hours=4))
    await tick(harness)
    assert [m for m in lines_starting(harness, "Анна: ")] == [
        "Анна: " + seen(catalog_plural("ru", *NUDGE, 4, number=number(urgent))),
    ]
    assert len(lines_starting(harness, "🚨")) == 2 and len(lines_starting(harness, "⏰")) == 2
    assert await events(harness, normal.id or 0) == ["created", "reminded", "escalated"]
    assert await events(harness, urgent.id or 0) == ["created", "reminded", "escalated", "claimed", "nudged"]


# ------------------------------------------------------------------------- /open /mine /stats


def to_daytime() -> None:
    """Move the clock to 09:00 local if it is near midnight, so 'today' holds for the whole test."""
    local = clock.now().astimezone(ZoneInfo("Asia/Shanghai"))
    if 2 <= local.hour < 20:
        return
    day = local + timedelta(days=1) if local.hour >= 20 else local
    clock.advance(day.replace(hour=9, minute=0) - local)


async def test_open_mine_and_stats_in_zh_then_ru(harness: Harness) -> None:
    """/open: urgent first, then oldest; /mine per worker; /stats counts today and the median wait."""
    to_daytime()
    wang = await join(harness, 5001, "王社工", private=False)
    li = await join(harness, 5002, "李社工", private=False)
    coordinator = await join(harness, COORDINATOR_ID, "Coordinator", private=False)
    resident = await register(harness, "ru")
    first = await file_more(harness, resident, "ru", "хлеб")
    second = await file_more(harness, resident, "ru", "лекарство", urgent=True)
    third = await file_more(harness, resident, "ru", "молоко 1 л")

    await li.send_command("/open")
    listing = li.last().text.split("\n")  # type: ignore[union-attr]
    assert listing[0] == seen(catalog_plural("zh", "{n} open request:", "{n} open requests:", 3))
    assert [line.split(" ")[1 if line.startswith("🔴") else 0] for line in listing[1:]] == [
        number(second), number(first), number(third)
    ]
    assert listing[1].startswith("🔴 ") and catalog_text("zh", "waiting for a social worker") in listing[1]

    clock.advance(timedelta(minutes=10))
    await wang.press(f"№{first.id}", message=card_of(harness, first))
    clock.advance(timedelta(minutes=10))
    await wang.press(f"№{second.id}", message=card_of(harness, second))
    await wang.press(catalog_text("zh", "✅ Done"), message=card_of(harness, first))
    await wang.send_command("/mine")
    mine = wang.last().text.split("\n")  # type: ignore[union-attr]
    assert mine[0] == seen(catalog_plural("zh", "You have {n} request in progress:", "You have {n} requests in progress:", 1))
    assert len(mine) == 2 and number(second) in mine[1]
    await li.send_command("/mine")
    assert li.last().text == visible_text("zh", "You have no requests in progress.")  # type: ignore[union-attr]

    def expected_stats(locale: str) -> str:
        return "\n".join([
            visible_text(locale, "<b>Today</b>"), visible_text(locale, "New: {n}", n=3), visible_text(locale, "Claimed: {n}", n=2),
            visible_text(locale, "Done: {n}", n=1), visible_text(locale, "Cancelled: {n}", n=0),
            visible_text(locale, "Median time to claim: {value}",
              value=catalog_plural(locale, "{n} minute", "{n} minutes", 15)),
        ])

    await li.send_command("/stats")
    assert li.last().text == expected_stats("zh")  # type: ignore[union-attr]
    await li.send_command("/chatlang ru")
    assert li.last().text == visible_text("zh", "Only a coordinator can do this.")  # type: ignore[union-attr]
    await coordinator.send_command("/chatlang ru")
    assert coordinator.last().text == visible_text("ru", "This chat's language is now {language}.", language="Русский")  # type: ignore[union-attr]
    await li.send_command("/stats")
    assert li.last().text == expected_stats("ru")  # type: ignore[union-attr]
    await li.send_command("/open")
    assert li.last().text.split("\n")[0] == seen(catalog_plural("ru", "{n} open request:", "{n} open requests:", 2))  # type: ignore[union-attr]


# -------------------------------------------------------------------- can't fulfil, release


async def test_cant_fulfil_with_a_reason_and_release(harness: Harness) -> None:
    """The reason picker tells the resident why in their language; Release puts Claim back on the card."""
    wang = await join(harness, 5001, "王社工", private=False)
    li = await join(harness, 5002, "李社工", private=False)
    resident, request = await file_request(harness, "ru", "хлеб, молоко 2 л, гречка")
    await wang.press(f"№{request.id}", message=card_of(harness, request))
    await wang.press(catalog_text("zh", "❌ Can't fulfil"), message=card_of(harness, request))
    picker = wang.last()
    assert picker is not None and picker.text == visible_text("zh", "Why can request №{number} not be fulfilled?", number=request.id)
    assert picker.button_texts() == [catalog_text("zh", r) for r in (
        "Not available anywhere", "Could not reach the resident", "Outside our area", "Other reason")]
    await wang.press(catalog_text("zh", "Not available anywhere"), message=picker)
    await harness.drain()
    assert picker.deleted
    assert (await reload(harness, request)).status == RequestStatus.FAILED
    await resident.expect(visible_text("ru", "We are sorry: request {number} could not be fulfilled ({reason}). You can file a "
                                  "new one from the menu.", number=number(request), reason=catalog_text("ru", "Not available anywhere")),
                          since_start=True)
    card = card_of(harness, request)
    assert card.text.endswith(visible_text("zh", "❌ Could not be fulfilled ({name}): {reason}", name="王社工",
                                reason=catalog_text("zh", "Not available anywhere")))
    assert card.reply_markup is None
    assert (await events(harness, request.id or 0))[-1] == "failed"

    second = await file_more(harness, resident, "ru", "гречка 1 кг")
    await wang.press(f"№{second.id}", message=card_of(harness, second))
    before = len(harness.fake.messages[resident.chat_id])
    await wang.press(catalog_text("zh", "↩️ Release"), message=card_of(harness, second))
    await harness.drain()
    stored = await reload(harness, second)
    assert (stored.status, stored.claimed_by, stored.claimed_at) == (RequestStatus.NEW, None, None)
    card = card_of(harness, second)
    assert card.button_texts() == [catalog_text("zh", "✋ Claim №{number}").format(number=second.id)]
    assert visible_text("zh", "🆕 Waiting for a social worker") in card.text and "王社工" not in card.text
    assert len(harness.fake.messages[resident.chat_id]) == before  # the resident is not bothered
    await li.press(f"№{second.id}", message=card)
    await harness.drain()
    assert (await reload(harness, second)).status == RequestStatus.CLAIMED and "李社工" in card_of(harness, second).text


# ------------------------------------------------------------------------------- transfer



async def test_transfer_to_another_stations_chat(two_stations: Harness) -> None:
    """Transfer: the old card says where it went, the other chat gets a card in its language, the resident is told."""
    harness = two_stations
    wang = await join(harness, 5001, "王社工", private=False)
    coordinator = harness.staff(COORDINATOR_ID, "Координатор", chat_id=SECOND_CHAT)
    await coordinator.send_command("/join")
    await coordinator.send_command("/chatlang ru")
    resident = await register(harness, "uk", district="xiayangtian")
    request = await file_more(harness, resident, "uk", "хліб, молоко 1 л")
    old_card = card_of(harness, request)
    await wang.press(f"№{request.id}", message=old_card)

    await wang.press(catalog_text("zh", "➡️ Transfer"), message=card_of(harness, request))
    picker = wang.last()
    assert picker is not None and picker.text == visible_text("zh", "Transfer request №{number} to which district?", number=request.id)
    assert sorted(picker.button_texts()) == sorted(["抚琴街道", "普列斯尼亚区", "中心区"])
    await wang.press("普列斯尼亚区", message=picker)
    assert picker.text == visible_text("zh", "Why are you referring request №{number} to {district}?", number=request.id,
                            district="普列斯尼亚区")
    assert picker.button_texts() == [catalog_text("zh", r) for r in (
        "Lives in their area", "Needs a service we don't have", "We are overloaded", "Other: type it")]
    await wang.press(catalog_text("zh", "Lives in their area"), message=picker)
    await harness.drain()

    assert picker.deleted
    assert old_card.text == visible_text("zh", "➡️ Request {number} was transferred to {district}.",
                              number=number(request), district="普列斯尼亚区")
    assert old_card.reply_markup is None
    new_card = card_of(harness, request, SECOND_CHAT)
    assert visible_text("ru", "District: {district}", district="Пресненский") in new_card.text
    referral = next(line for line in new_card.text.splitlines() if line.startswith("↪️"))  # where it came from
    assert referral.startswith(visible_text("ru", "↪️ Referred from {district} by {name}, {when}: {reason}", district="Сяянтянь",
                                 name=wang.first_name, when="", reason="").split(",")[0])
    assert referral.endswith(": " + catalog_text("ru", "Lives in their area"))  # why, in the receiving chat's language
    assert visible_text("ru", "🆕 Waiting for a social worker") in new_card.text
    assert new_card.button_texts() == [catalog_text("ru", "✋ Claim №{number}").format(number=request.id)]
    await resident.expect(visible_text("uk", "Request {number} has been passed to the social work station of {district}, which "
                                  "serves your address. They will contact you.", number=number(request),
                            district="Пресненський"), since_start=True)
    stored = await reload(harness, request)
    assert (stored.status, stored.claimed_by) == (RequestStatus.NEW, None)
    assert harness.app is not None
    async with harness.app.sessions() as session:
        trail = (await session.exec(select(RequestEvent).where(RequestEvent.request_id == request.id)
                                    .order_by(col(RequestEvent.id)))).all()
    assert [(e.action, e.data) for e in trail][-1] == ("transferred", {"source": "xiayangtian", "target": "presnensky",
                                                                 "reason": "area"})

    # The old chat can no longer act on it; the new one can.
    await wang.press_data(f"sf:c:{request.id}:", message=old_card)
    assert answer(wang) == catalog_text("zh", REFUSAL["wrong_chat"])
    await coordinator.press(f"№{request.id}", message=new_card)
    await harness.drain()
    assert (await reload(harness, request)).status == RequestStatus.CLAIMED
    assert "Координатор" in new_card.text and old_card.text.startswith("➡️")

    # A coordinator routes another district to their chat.
    await coordinator.send_command("/route uman-center")
    assert coordinator.last().text == visible_text("ru", "Requests from {district} now come to this chat. Staff: send /join here.", district="Центральный")  # type: ignore[union-attr]
    await coordinator.send_command("/open")
    listing = coordinator.last().text.split("\n")  # type: ignore[union-attr]
    assert listing[0] == seen(catalog_plural("ru", "{n} open request:", "{n} open requests:", 1)) and number(request) in listing[1]


# ---------------------------------------------------------------------------- permissions


async def test_who_may_press_what(harness: Harness) -> None:
    """Outsiders, forged ids, stale Claims and other workers' requests are refused; nothing changes."""
    anna = await join(harness, 5001, "Анна", private=False)
    bohdan = await join(harness, 5002, "Богдан", private=False)
    _, request = await file_request(harness, "uk", "хліб, молоко 1 л")
    card = card_of(harness, request)

    outsider = harness.staff(5009, "Сторонній")  # in the group, never joined
    await outsider.press(f"№{request.id}", message=card)
    assert answer(outsider) == catalog_text("zh", REFUSAL["not_staff"]) and outsider.last_answer["show_alert"]  # type: ignore[index]
    await anna.press_data("sf:c:99999:", message=card)
    assert answer(anna) == catalog_text("zh", REFUSAL["gone"])
    await anna.press_data(f"sf:x:{request.id}:nowhere", message=card)
    assert answer(anna) == catalog_text("zh", "This cannot be done in the request's current state.")
    stored = await reload(harness, request)
    assert (stored.status, stored.claimed_by) == (RequestStatus.NEW, None)
    assert await events(harness, request.id or 0) == ["created"]

    await anna.press(f"№{request.id}", message=card)
    await bohdan.press_data(f"sf:c:{request.id}:", message=card)  # the Claim he still saw
    assert answer(bohdan) == catalog_text("zh", REFUSAL["taken"], name="Анна")
    for label in ("✅ Done", "🚚 On the way", "↩️ Release", "❌ Can't fulfil", "➡️ Transfer"):
        await bohdan.press(catalog_text("zh", label), message=card_of(harness, request))
        assert answer(bohdan) == catalog_text("zh", REFUSAL["not_yours"], name="Анна"), label
    await harness.drain()
    stored = await reload(harness, request)
    assert (stored.status, stored.claimed_by) == (RequestStatus.CLAIMED, 1)
    assert await events(harness, request.id or 0) == ["created", "claimed"]
    assert "Анна" in card_of(harness, request).text

    # A coordinator may finish someone else's request.
    coordinator = await join(harness, COORDINATOR_ID, "Coordinator", private=False)
    await coordinator.press(catalog_text("zh", "✅ Done"), message=card_of(harness, request))
    assert answer(coordinator) == catalog_text("zh", "Done.")
    assert (await reload(harness, request)).status == RequestStatus.DONE


# --------------------------------------------------------------------- no private chat yet


async def test_worker_without_a_private_chat_gets_details_after_start(harness: Harness) -> None:
    """The card asks the claimer to start the bot; after /start the phone and address arrive privately."""
    wang = await join(harness, 5001, "王社工", private=False)
    _, request = await file_request(harness, "zh")
    await wang.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain()
    card = card_of(harness, request)
    assert visible_text("zh", NO_PRIVATE_CHAT, name="王社工") in card.text
    assert harness.fake.messages.get(5001, []) == []

    private = TgUser(harness.fake, 5001, "王社工", language_code="zh-hans")
    await private.send_command("/start")
    await private.expect(visible_text("zh", "Hello, {name}. The phone, address and details of the requests you take will come here.",
                           name="王社工"))
    await harness.drain()
    details = [m.text for m in harness.fake.messages[5001] if m.text.startswith(catalog_text("zh", "<b>You took request {number}</b> · {kind}").split("{")[0].replace("<b>", ""))]
    assert len(details) == 1
    assert "+86 138 0013 8000" in details[0] and "下洋田社区 3栋 2单元 501" in details[0]
    assert visible_text("zh", NO_PRIVATE_CHAT, name="王社工") not in card_of(harness, request).text
    assert "王社工" in card_of(harness, request).text
