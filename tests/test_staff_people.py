"""People on the staff side, end to end: why a request is referred to another station, a worker who
blocked the bot, someone who leaves the staff group, an anonymous admin's /join, and a station that
always has a coordinator."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.core.config import Settings
from bot.app.webhook import set_webhook
from db.models import RequestEvent, RequestStatus, Staff, StaffRole
from sandbox.bot_api import FakeTelegram
from tests.conftest import COORDINATOR_ID, SECOND_CHAT, STAFF_CHAT, Harness, running
from tests.conversation import TgUser
from tests.helpers import register, seen, staff_messages, catalog_text, catalog_plural, visible_text
from tests.test_staff import card_of, events, file_request, join, reload
from tests.test_staff_ops import NO_PRIVATE_CHAT, REFUSAL, answer, file_more, number

REFERRAL_LINE = "↪️ Referred from {district} by {name}, {when}: {reason}"
PASSED_ON = "Request {number} has been passed to the social work station of {district}. They will contact you."
REASONS = ("Lives in their area", "Needs a service we don't have", "We are overloaded", "Other: type it")
TYPE_IT = "{name}, please type why request №{number} is referred, in one message."
BLOCKED = ("⚠️ The phone and address were not delivered to {name}: the bot is blocked. {name}: open the bot and press "
           "Start (or Restart) to receive them.")
DETAILS_HEAD = "<b>You took request {number}</b> · {kind}"
HELLO = "Hello, {name}. The phone, address and details of the requests you take will come here."
HELLO_BACK = "Hello, {name}. Here are the phone, address and details of the requests you took that did not reach you."
BACK_IN_QUEUE = "↩️ Back in the queue: {name} left this chat."
LEFT = ("👋 {name} left this chat. Their request {numbers} is back in the queue: who can take it?",
        "👋 {name} left this chat. Their requests {numbers} are back in the queue: who can take them?")
YOU_LEFT = ("You left the staff group, so request {numbers} went back to the queue there. If you are still handling "
            "it, join the group again, send /join and tell your team.",
            "You left the staff group, so requests {numbers} went back to the queue there. If you are still handling "
            "them, join the group again, send /join and tell your team.")
NOW_COORDINATES = "{name} now coordinates this chat (nobody from ADMINS has joined it)."
FIRST_COORDINATOR = "You coordinate this chat because you joined it first (nobody from ADMINS has joined it)."
ANONYMOUS = ("Please send the command as yourself, not on behalf of the group: in the group's admin settings "
             "turn off «Remain anonymous» for yourself, then send it again.")
GROUP_ANONYMOUS_BOT = 1087968824


def reason_line(card_text: str) -> str:
    """The card's referral line."""
    return next(line for line in card_text.splitlines() if line.startswith("↪️"))


async def trail(harness: Harness, request_id: int) -> list[tuple[str, dict[str, Any]]]:
    """(action, data) of a request's audit trail."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        rows = (await session.exec(select(RequestEvent).where(RequestEvent.request_id == request_id)
                                   .order_by(col(RequestEvent.id)))).all()
    return [(e.action, e.data) for e in rows]


async def staff_row(harness: Harness, user_id: int) -> Staff | None:
    """The stored staff member of a Telegram user."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        return (await session.exec(select(Staff).where(Staff.tg_user_id == user_id))).first()


def details_in(harness: Harness, user_id: int, locale: str = "zh") -> list[str]:
    """The claimer's private details messages."""
    head = catalog_text(locale, DETAILS_HEAD).split("{")[0].replace("<b>", "")
    return [m.text for m in harness.fake.messages.get(user_id, []) if m.text.startswith(head)]


# ------------------------------------------------------------------------ referral reasons


async def test_referral_with_a_typed_reason(two_stations: Harness) -> None:
    """Transfer → district → «Other: type it» → the typed words (escaped) reach the receiving card and
    the history; the resident is told it was passed on, not the staff's words; nobody else's press or
    message moves it."""
    harness = two_stations
    wang = await join(harness, 5001, "王社工", private=False)
    li = await join(harness, 5002, "李社工", private=False)
    receiving = harness.staff(5003, "赵社工", chat_id=SECOND_CHAT)
    await receiving.send_command("/join")
    resident, request = await file_request(harness, "zh")
    old_card = card_of(harness, request)
    await wang.press(f"№{request.id}", message=old_card)
    await wang.press(catalog_text("zh", "➡️ Transfer"), message=old_card)
    picker = wang.last()
    assert picker is not None
    await wang.press("普列斯尼亚区", message=picker)
    assert picker.button_texts() == [catalog_text("zh", r) for r in REASONS]
    await li.press(catalog_text("zh", "We are overloaded"), message=picker)  # not his request
    assert answer(li) == catalog_text("zh", REFUSAL["not_yours"], name="王社工")

    await wang.press(catalog_text("zh", "Other: type it"), message=picker)
    prompt = wang.last()
    assert prompt is not None and prompt.text == visible_text("zh", TYPE_IT, name="王社工", number=request.id)
    await li.send("随便说说")  # another worker's message is not the reason
    assert (await reload(harness, request)).status == RequestStatus.CLAIMED
    await wang.send("老人需要<b>上门</b>护理 & 助浴")
    await harness.drain()

    assert picker.deleted and prompt.deleted
    stored = await reload(harness, request)
    assert await harness_district(harness, stored.district_id) == "presnensky" and stored.status == RequestStatus.NEW
    assert old_card.text.startswith("➡️")
    line = reason_line(card_of(harness, request, SECOND_CHAT).text)
    head, tail = visible_text("zh", REFERRAL_LINE, district="下洋田社区", name="王社工", when="WHEN", reason="WHY").split("WHEN")
    assert line.startswith(head)
    assert line.endswith(tail.replace("WHY", "老人需要<b>上门</b>护理 & 助浴"))  # shown as typed, never as markup
    assert (await trail(harness, request.id or 0))[-1] == (
        "transferred", {"source": "xiayangtian", "target": "presnensky", "reason": "other",
                        "note": "老人需要<b>上门</b>护理 & 助浴"})
    told = await resident.expect(visible_text("zh", PASSED_ON, number=number(request), district="普列斯尼亚区"), since_start=True)
    assert "护理" not in told.text

    # The typed words may describe the person: /delete erases them with the rest.
    await resident.send_command("/delete")
    await resident.press(catalog_text("zh", "Yes, delete my data"))
    await harness.drain()
    referral = [data for action, data in await trail(harness, request.id or 0) if action == "transferred"]
    assert referral == [{"source": "xiayangtian", "target": "presnensky", "reason": "other"}]  # the note is gone
    assert "护理" not in card_of(harness, request, SECOND_CHAT).text


async def test_overloaded_is_not_told_to_the_resident_ru(harness: Harness) -> None:
    """«We are overloaded» shows on the card in the chat's language (ru) and stays among the staff: the
    resident only hears that another station has their request."""
    coordinator = await join(harness, COORDINATOR_ID, "Координатор", private=False)
    await coordinator.send_command("/chatlang ru")
    anna = await join(harness, 5001, "Анна", private=False)
    resident = await register(harness, "ru")
    request = await file_more(harness, resident, "ru", "хлеб, молоко 2 л")
    await anna.press(f"№{request.id}", message=card_of(harness, request))
    await anna.press(catalog_text("ru", "➡️ Transfer"), message=card_of(harness, request))
    await anna.press("Фуцинь", message=anna.last())
    picker = anna.last()
    assert picker is not None and picker.text == visible_text("ru", "Why are you referring request №{number} to {district}?",
                                                   number=request.id, district="Фуцинь")
    await anna.press(catalog_text("ru", "We are overloaded"), message=picker)
    await harness.drain()
    assert answer(anna) == catalog_text("ru", "Done.")
    card = card_of(harness, request)
    assert visible_text("ru", "District: {district}", district="Фуцинь") in card.text
    assert reason_line(card.text).endswith(": " + catalog_text("ru", "We are overloaded"))
    assert (await trail(harness, request.id or 0))[-1][1]["reason"] == "busy"
    told = await resident.expect(visible_text("ru", PASSED_ON, number=number(request), district="Фуцинь"), since_start=True)
    assert catalog_text("ru", "We are overloaded") not in told.text


async def harness_district(harness: Harness, district_id: int | None) -> str | None:
    """A stored district's code."""
    from tests.helpers import district_code

    return await district_code(harness, district_id)


# ------------------------------------------------------------------ the worker who blocked the bot


async def test_blocked_worker_gets_the_details_after_start(harness: Harness) -> None:
    """The claimer blocked the bot: the card says the details did not reach them; after they unblock and
    /start, only the details they missed arrive and the card's warning goes away."""
    wang = await join(harness, 5001, "王社工")
    resident, first = await file_request(harness, "zh")
    await wang.press(f"№{first.id}", message=card_of(harness, first))
    await harness.drain()
    assert len(details_in(harness, 5001)) == 1

    harness.fake.block_user(5001)
    second = await file_more(harness, resident, "zh", "药 1盒")
    await wang.press(f"№{second.id}", message=card_of(harness, second))
    await harness.drain()
    assert visible_text("zh", BLOCKED, name="王社工") in card_of(harness, second).text
    assert visible_text("zh", BLOCKED, name="王社工") not in card_of(harness, first).text  # those details did arrive
    assert len(details_in(harness, 5001)) == 1

    harness.fake.unblock_user(5001)
    private = TgUser(harness.fake, 5001, "王社工", language_code="zh-hans")
    await private.send_command("/start")
    await private.expect(visible_text("zh", HELLO, name="王社工"))
    await harness.drain()
    details = details_in(harness, 5001)
    assert len(details) == 2 and details[-1].startswith(catalog_text("zh", DETAILS_HEAD).split("{")[0].replace("<b>", "") + number(second))
    assert "下洋田社区 3栋 2单元 501" in details[-1]
    assert visible_text("zh", BLOCKED, name="王社工") not in card_of(harness, second).text
    assert "王社工" in card_of(harness, second).text
    assert (await reload(harness, second)).details_undelivered is None


async def test_blocked_worker_gets_the_details_with_any_message_uk(harness: Harness) -> None:
    """In a uk staff chat: the details refused while the worker blocked the bot arrive with the first
    message they write to it afterwards, whatever it says."""
    coordinator = await join(harness, COORDINATOR_ID, "Координатор", private=False)
    await coordinator.send_command("/chatlang uk")
    olena = await join(harness, 5001, "Олена")
    harness.fake.block_user(5001)
    _, request = await file_request(harness, "uk", "хліб, молоко 1 л")
    await olena.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain()
    assert visible_text("uk", BLOCKED, name="Олена") in card_of(harness, request).text

    harness.fake.unblock_user(5001)
    private = TgUser(harness.fake, 5001, "Олена", language_code="uk")
    await private.send("Добрий день")
    await private.expect(visible_text("uk", HELLO_BACK, name="Олена"))  # her app speaks uk
    await harness.drain()
    assert len(details_in(harness, 5001, "uk")) == 1
    assert "вул. Європейська, 5, кв. 7" in details_in(harness, 5001, "uk")[0]
    assert visible_text("uk", BLOCKED, name="Олена") not in card_of(harness, request).text


async def test_never_started_worker_still_sees_the_old_hint(harness: Harness) -> None:
    """A worker who never opened the bot keeps the first hint (not the 'blocked' one)."""
    wang = await join(harness, 5001, "王社工", private=False)
    _, request = await file_request(harness, "zh")
    await wang.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain()
    text = card_of(harness, request).text
    assert visible_text("zh", NO_PRIVATE_CHAT, name="王社工") in text and visible_text("zh", BLOCKED, name="王社工") not in text


# ----------------------------------------------------------------------- leaving the staff group


async def test_worker_who_leaves_loses_claims_and_rights_ru(harness: Harness) -> None:
    """Анна leaves the group: her requests go back to the queue (the cards and the chat say so), her
    presses and commands are refused; Богдан, removed by the coordinator, loses his too."""
    coordinator = await join(harness, COORDINATOR_ID, "Координатор", private=False)
    await coordinator.send_command("/chatlang ru")
    anna = await join(harness, 5001, "Анна")
    bohdan = await join(harness, 5002, "Богдан", private=False)
    await anna.send_command("/duty on")
    resident = await register(harness, "ru")
    first = await file_more(harness, resident, "ru", "хлеб")
    second = await file_more(harness, resident, "ru", "молоко 1 л")
    await anna.press(f"№{first.id}", message=card_of(harness, first))
    await anna.press(catalog_text("ru", "🚚 On the way"), message=card_of(harness, first))
    await anna.press(f"№{second.id}", message=card_of(harness, second))
    old_card = card_of(harness, first)

    await anna.leave_group()
    await harness.drain()
    for request in (first, second):
        stored = await reload(harness, request)
        assert (stored.status, stored.claimed_by) == (RequestStatus.NEW, None)
        card = card_of(harness, request)
        assert visible_text("ru", BACK_IN_QUEUE, name="Анна") in card.text
        assert card.button_texts() == [catalog_text("ru", "✋ Claim №{number}").format(number=request.id)]
        assert (await events(harness, request.id or 0))[-1] == "left_chat"
    notice = [m.text for m in staff_messages(harness, STAFF_CHAT) if m.text.startswith("👋")]
    assert notice == [seen(catalog_plural("ru", *LEFT, 2, name="Анна", numbers=f"{number(first)}, {number(second)}"))]
    assert "Анна" not in card_of(harness, first).text.split(visible_text("ru", BACK_IN_QUEUE, name="Анна"))[1]  # not on duty
    assert harness.fake.messages[5001][-1].text == seen(catalog_plural("ru", *YOU_LEFT, 2, numbers=f"{number(first)}, {number(second)}"))

    await anna.press_data(f"sf:d:{first.id}:", message=old_card)
    assert answer(anna) == catalog_text("ru", REFUSAL["not_staff"])
    await anna.send_command("/mine")
    assert anna.last().text == visible_text("ru", REFUSAL["not_staff"])  # type: ignore[union-attr]
    assert (await reload(harness, first)).status == RequestStatus.NEW

    # Removed by an admin; Telegram's service message in a small group says the same.
    await bohdan.press(f"№{first.id}", message=card_of(harness, first))
    message = coordinator._message(left_chat_member=bohdan.user)
    await coordinator.send_message(message)
    await harness.drain()
    stored = await reload(harness, first)
    assert (stored.status, stored.claimed_by) == (RequestStatus.NEW, None)
    await bohdan.press(f"№{first.id}", message=card_of(harness, first))
    assert answer(bohdan) == catalog_text("ru", REFUSAL["not_staff"])
    assert (await reload(harness, first)).status == RequestStatus.NEW

    # Coming back takes a /join, as a worker.
    await anna.send_command("/join")
    await anna.press(f"№{first.id}", message=card_of(harness, first))
    assert (await reload(harness, first)).status == RequestStatus.CLAIMED
    row = await staff_row(harness, 5001)
    assert row is not None and row.left_at is None and row.role == StaffRole.WORKER


async def test_leaving_reaches_a_webhook_bot(webhook: Any) -> None:
    """`webhook set` asks Telegram for chat_member updates too, so a departure reaches a webhook bot."""
    harness = webhook
    await set_webhook(harness.app, "https://bot.example.org/telegram/webhook")
    assert "chat_member" in harness.fake.webhook["allowed_updates"]
    wang = await join(harness, 5001, "王社工", private=False)
    _, request = await file_request(harness, "zh")
    await wang.press(f"№{request.id}", message=card_of(harness, request))
    await wang.leave_group()
    await harness.drain()
    assert (await reload(harness, request)).status == RequestStatus.NEW
    assert visible_text("zh", BACK_IN_QUEUE, name="王社工") in card_of(harness, request).text


# ------------------------------------------------------------------------- anonymous admins


async def test_anonymous_admin_is_asked_to_join_as_themselves(harness: Harness) -> None:
    """/join sent as the group (an anonymous admin): nobody named "Group" is registered."""
    anonymous = harness.staff(GROUP_ANONYMOUS_BOT, "Group")
    message = anonymous._message(text="/join", entities=[{"type": "bot_command", "offset": 0, "length": 5}],
                                 sender_chat=harness.fake.chat(STAFF_CHAT))
    message["from"] = {"id": GROUP_ANONYMOUS_BOT, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
    await anonymous.send_message(message)
    assert anonymous.last().text == visible_text("zh", ANONYMOUS)  # type: ignore[union-attr]
    assert await staff_row(harness, GROUP_ANONYMOUS_BOT) is None
    message = anonymous._message(text="/open", entities=[{"type": "bot_command", "offset": 0, "length": 5}],
                                 sender_chat=harness.fake.chat(STAFF_CHAT))
    await anonymous.send_message(message)
    assert anonymous.last().text == visible_text("zh", ANONYMOUS)  # type: ignore[union-attr]


# ---------------------------------------------------------------------- someone can reassign


async def test_first_to_join_coordinates_while_admins_is_empty(fake: FakeTelegram, settings: Settings) -> None:
    """ADMINS empty: the first to /join coordinates the chat (can finish someone else's request);
    when they leave, the next one takes over and the chat is told."""
    async with running(Harness(fake, settings.model_copy(update={"admins": []}))) as harness:
        wang = harness.staff(5001, "王社工")
        await wang.send_command("/join")
        assert visible_text("zh", FIRST_COORDINATOR) in wang.last().text  # type: ignore[union-attr]
        assert catalog_text("zh", "coordinator") in wang.last().text  # type: ignore[union-attr]
        li = await join(harness, 5002, "李社工", private=False)
        assert visible_text("zh", FIRST_COORDINATOR) not in li.last().text  # type: ignore[union-attr]
        zhao = await join(harness, 5003, "赵社工", private=False)
        _, request = await file_request(harness, "zh")
        await li.press(f"№{request.id}", message=card_of(harness, request))
        await wang.press(catalog_text("zh", "✅ Done"), message=card_of(harness, request))
        assert answer(wang) == catalog_text("zh", "Done.")
        assert (await reload(harness, request)).status == RequestStatus.DONE

        await wang.leave_group()
        await harness.drain()
        assert [m.text for m in staff_messages(harness, STAFF_CHAT) if m.text.startswith("👋")] == [
            visible_text("zh", "👋 {name} left this chat.", name="王社工") + "\n" + visible_text("zh", NOW_COORDINATES, name="李社工")]
        row = await staff_row(harness, 5002)
        assert row is not None and row.role == StaffRole.COORDINATOR
        await li.send_command("/chatlang uk")
        assert li.last().text == visible_text("uk", "This chat's language is now {language}.", language="Українська")  # type: ignore[union-attr]
        await zhao.send_command("/chatlang ru")
        assert zhao.last().text == visible_text("uk", "Only a coordinator can do this.")  # type: ignore[union-attr]


async def test_an_admin_joining_ends_the_stand_in(harness: Harness) -> None:
    """ADMINS set, but none of them in this chat yet: the first worker stands in; once an admin joins
    the chat, the stand-in is a worker again."""
    wang = await join(harness, 5001, "王社工", private=False)
    assert visible_text("zh", FIRST_COORDINATOR) in wang.last().text  # type: ignore[union-attr]
    await join(harness, COORDINATOR_ID, "Coordinator", private=False)
    row = await staff_row(harness, 5001)
    assert row is not None and row.role == StaffRole.WORKER
    await wang.send_command("/chatlang ru")
    assert wang.last().text == visible_text("zh", "Only a coordinator can do this.")  # type: ignore[union-attr]


def test_which_referral_reasons_the_resident_hears() -> None:
    """Area and service explain the move to the resident; being overloaded and typed words do not."""
    from bot.ui import staff_texts
    from bot.ui.i18n import build_i18n
    from db.models import Request

    i18n = build_i18n("zh")
    request = Request(id=7, resident_id=1, kind="supplies", draft_key="k")
    told = {}
    with i18n.context(), i18n.use_locale("uk"):
        for reason in ("area", "service", "busy", "other", None):
            told[reason] = staff_texts.transferred(request, "Пресненський", reason)
    generic = catalog_text("uk", PASSED_ON, number="№7", district="Пресненський")
    assert told["busy"] == told["other"] == told[None] == generic
    assert told["area"] == catalog_text("uk", "Request {number} has been passed to the social work station of {district}, which "
                                   "serves your address. They will contact you.", number="№7", district="Пресненський")
    assert told["service"] == catalog_text("uk", "Request {number} has been passed to the social work station of {district}, "
                                      "which can offer the help you need. They will contact you.", number="№7",
                                district="Пресненський")
