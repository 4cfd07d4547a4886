"""Volunteers end to end (#16): a sign-up in ru approved by a coordinator, a delivery handed over by the
worker and taken from the volunteers' chat by one of two volunteers pressing at once, the card there never
showing the flat, the phone or the health flags (every version of it), the steps on the volunteer's
private copy, the resident's receipt; a suspended volunteer's delivery back with the worker; the stall
nudge; /volunteers and forged presses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.app import check_deliveries
from bot.core import clock
from bot.core.config import DistrictConfig, Settings
from db.models import Delivery, DeliveryStatus, Request, RequestStatus, Volunteer, VolunteerStatus
from sandbox.bot_api import FakeTelegram, SentMessage
from tests.conftest import COORDINATOR_ID, DISTRICTS, STAFF_CHAT, Harness, running
from tests.conversation import GroupChat, TgUser
from tests.helpers import (
    ADDRESSES,
    FLAG_LABELS,
    PHONES,
    catalog_plural,
    catalog_text,
    district_title,
    head,
    register,
    seen,
    requests_of,
    send_request,
    supplies_to_summary,
    to_summary,
    visible_text,
)
from tests.test_staff import card_of, join, reload

VOLUNTEER_CHAT = -1003000000333
SIGNED_UP = "✅ Thank you! A coordinator will look at your application; I will tell you here."
APPROVED = "✅ You are an approved volunteer."
TAKE = "🙋 I'll take it"
BRINGING = "🙋 A volunteer, {name}, is bringing your order {number}. Your social worker is still in charge of it."
CLOSED_DELIVERED = "✅ Delivery {number}: delivered. Thank you! The address and phone were removed."
CLOSED_BACK = "↩️ Delivery {number} went back to the social worker. The address and phone were removed."


@pytest.fixture
async def with_chat(fake: FakeTelegram, settings: Settings) -> AsyncIterator[Harness]:
    """Presnensky (ru) has a volunteers' chat; the other districts have none."""
    districts = [DistrictConfig(**({**d, "volunteer_chat_id": VOLUNTEER_CHAT, "volunteer_locale": "ru"} if d["code"] == "presnensky" else d))
                 for d in DISTRICTS]
    async with running(Harness(fake, settings.model_copy(update={"districts": districts}))) as h:
        yield h


async def sign_up(harness: Harness, user_id: int, name: str, locale: str, district: str,
                  skills: tuple[str, ...] = ("🛒 Deliver supplies",), phone: str | None = None) -> TgUser:
    """/volunteer through to the rules, pressing buttons; the phone shared as the sender's own contact."""
    user = TgUser(harness.fake, user_id, name, language_code=locale, phone=phone or PHONES[locale])
    await user.send_command("/volunteer")
    await user.expect(visible_text(locale, "🙋 Thank you for wanting to help! What is your name? You can press the "
                                           "button below to use your Telegram name."))
    await user.tap(name)
    await user.expect(visible_text(locale, "Your phone number, so that the workers can reach you: press «📱 Share my "
                                           "phone number» below."))
    await user.tap(catalog_text(locale, "📱 Share my phone number"))
    question = await user.expect(visible_text(locale, "Which districts can you cover? Tap every one that applies, then «Next step ▶️»."))
    await user.press(district_title(district, locale), message=question)
    await user.press(catalog_text(locale, "Next step ▶️"), message=question)
    for skill in skills:
        await user.press(catalog_text(locale, skill), message=question)
    await user.press(catalog_text(locale, "Next step ▶️"), message=question)
    await user.press(catalog_text(locale, "Evenings"), message=question)
    await user.press(catalog_text(locale, "✅ I agree"), message=question)
    await user.expect(visible_text(locale, SIGNED_UP))
    return user


async def coordinator(harness: Harness) -> TgUser:
    """The coordinator (in ADMINS) joins the staff chat."""
    boss = harness.staff(COORDINATOR_ID, "Координатор")
    await boss.send_command("/join")
    return boss


async def stored_volunteer(harness: Harness, user: TgUser) -> Volunteer:
    assert harness.app is not None
    async with harness.app.sessions() as session:
        row = (await session.exec(select(Volunteer).where(Volunteer.tg_user_id == user.user_id))).first()
    assert row is not None
    return row


def application_card(harness: Harness, volunteer: Volunteer) -> SentMessage:
    cards = [m for m in harness.fake.messages.get(STAFF_CHAT, []) if f"#{volunteer.id}\n" in (m.text or "")]
    assert cards, "no application card"
    return cards[-1]


def district_has_chat(harness: Harness, code: str) -> bool:
    conf = harness.settings.district(code)
    return conf is not None and conf.volunteer_chat_id is not None


async def approve(harness: Harness, boss: TgUser, user: TgUser, locale: str, district: str) -> Volunteer:
    await harness.drain()
    volunteer = await stored_volunteer(harness, user)
    await boss.press(catalog_text("zh", "✅ Approve"), message=application_card(harness, volunteer))
    await harness.drain()
    told = await user.expect(visible_text(locale, APPROVED), since_start=True)
    where = "Deliveries in {districts} are offered in the volunteers' chat there (a coordinator adds you to it)." \
        if district_has_chat(harness, district) else "Deliveries in {districts} are offered to you here."
    assert visible_text(locale, where, districts=district_title(district, locale)) in told.text
    return await stored_volunteer(harness, user)


async def filed_and_claimed(harness: Harness, worker: TgUser, locale: str = "ru",
                            items: str = "хлеб, молоко 2 л, гречка") -> tuple[TgUser, Request]:
    resident = await register(harness, locale)
    summary = await supplies_to_summary(resident, locale, items)
    await send_request(resident, locale, summary)
    await harness.drain()
    (request,) = await requests_of(harness, resident)
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain()
    return resident, request


def before_when(locale: str, msgid: str, name: str) -> str:
    """A card line up to its time (the time is formatted by the bot)."""
    return seen(catalog_text(locale, msgid).split("{when}")[0].format(name=name)).strip()


def versions(message: SentMessage) -> list[str]:
    """Every text a message ever showed (its edits included), in HTML source and as seen."""
    return [t for m in [*message.edits, message] for t in (m.raw or "", m.text or "")]


def assert_no_personal_data(message: SentMessage, locale: str = "ru") -> None:
    """Never the flat, the phone, the name or the health flags: on every version of the card."""
    flags = [catalog_text(locale, FLAG_LABELS[f]) for f in ("lives_alone", "over_65")]
    for text in versions(message):
        assert "кв." not in text and "34" not in text  # the flat (ул. Красная Пресня, д. 12, кв. 34)
        assert "916" not in text and "+7" not in text
        assert not any(flag in text for flag in flags), text
        assert "Lin" not in text and "林" not in text


async def test_sign_up_in_ru_approve_take_race_deliver_and_receipt(with_chat: Harness) -> None:
    harness = with_chat
    worker = await join(harness, 5001, "Анна")
    boss = await coordinator(harness)
    first = await sign_up(harness, 7001, "Пётр", "ru", "presnensky")
    await harness.drain()
    volunteer = await stored_volunteer(harness, first)
    assert volunteer.status == VolunteerStatus.PENDING and volunteer.phone == PHONES["ru"]
    assert volunteer.districts == ["presnensky"] and volunteer.skills == ["deliver"] and volunteer.consent_at
    card = application_card(harness, volunteer)
    assert "Пётр" in card.text and visible_text("zh", "Waiting for a coordinator.") in card.text

    # a worker is no coordinator; then the coordinator presses twice at once: one decision
    await worker.press(catalog_text("zh", "✅ Approve"), message=card)
    assert worker.last_answer is not None and worker.last_answer["text"] == catalog_text("zh", "Only a coordinator can do this.")
    second_boss_tap = TgUser(harness.fake, COORDINATOR_ID, "Координатор", chat=GroupChat(id=STAFF_CHAT, title="Staff"))
    await asyncio.gather(boss.press(catalog_text("zh", "✅ Approve"), message=card),
                         second_boss_tap.press(catalog_text("zh", "✖️ Decline"), message=card))
    answers = sorted([boss.last_answer["text"], second_boss_tap.last_answer["text"]])  # type: ignore[index]
    assert answers == sorted([catalog_text("zh", "Done."), catalog_text("zh", "This cannot be done any more.")])
    await harness.drain()
    decided = await stored_volunteer(harness, first)
    assert decided.status in (VolunteerStatus.APPROVED, VolunteerStatus.DECLINED)
    if decided.status == VolunteerStatus.DECLINED:  # the decline won the race: sign up again and approve
        await first.expect(visible_text("ru", "Thank you for offering to help. A coordinator has declined your "
                                              "application this time."), since_start=True)
        first = await sign_up(harness, 7001, "Пётр", "ru", "presnensky")
        await approve(harness, boss, first, "ru", "presnensky")
    else:
        await first.expect(visible_text("ru", APPROVED), since_start=True)
    decided_card = application_card(harness, volunteer)
    assert decided_card.reply_markup is None or decided.status == VolunteerStatus.DECLINED
    assert visible_text("zh", "Status: {status} ({name})", status=catalog_text("zh", "approved"), name="Координатор") \
        in application_card(harness, await stored_volunteer(harness, first)).text
    second = await sign_up(harness, 7002, "Ольга", "ru", "presnensky")
    await approve(harness, boss, second, "ru", "presnensky")

    resident, request = await filed_and_claimed(harness, worker)
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    (offer,) = [m for m in harness.fake.messages[VOLUNTEER_CHAT] if f"№{request.id}" in (m.text or "")]
    assert "хлеб" in offer.text and "ул. Красная Пресня, д. 12" in offer.text
    assert_no_personal_data(offer)

    stranger = TgUser(harness.fake, 7999, "Чужой", chat=GroupChat(id=VOLUNTEER_CHAT, title="Volunteers"))
    await stranger.press(catalog_text("ru", TAKE), message=offer)
    assert stranger.last_answer is not None and stranger.last_answer["text"] == catalog_text(
        "ru", "Only approved volunteers can take deliveries. Send /volunteer to the bot to sign up.")
    in_chat = [TgUser(harness.fake, u.user_id, u.first_name, chat=GroupChat(id=VOLUNTEER_CHAT, title="Volunteers"))
               for u in (first, second)]
    await asyncio.gather(*(v.press(catalog_text("ru", TAKE), message=offer) for v in in_chat))
    delivery = await the_delivery(harness, request)
    assert delivery.status == DeliveryStatus.TAKEN
    winner_id = (await volunteer_by_id(harness, delivery.volunteer_id)).tg_user_id
    winner, loser = (first, second) if winner_id == first.user_id else (second, first)
    loser_press = next(v for v in in_chat if v.user_id == loser.user_id)
    assert loser_press.last_answer is not None
    assert loser_press.last_answer["text"] == catalog_text("ru", "Another volunteer has already taken this delivery.")
    await harness.drain()
    assert offer.reply_markup is None and winner.first_name in offer.text
    assert_no_personal_data(offer)

    copy = await winner.expect(visible_text("ru", "📦 <b>You are delivering {number}</b> · {kind}", number=f"№{request.id}",
                                            kind=catalog_text("ru", "Food and supplies")), since_start=True)
    assert ADDRESSES["ru"] in copy.text and "+7 916 123-45-67" in copy.text
    assert catalog_text("ru", FLAG_LABELS["lives_alone"]) not in copy.text
    assert not [m for m in loser.messages() if f"№{request.id}" in (m.text or "")]  # the loser got nothing privately
    await resident.expect(visible_text("ru", BRINGING, name=winner.first_name, number=f"№{request.id}"), since_start=True)
    assert before_when("zh", "🙋 Volunteer {name} took the delivery {when}", winner.first_name) in card_of(harness, request).text

    # the loser forges a press on the winner's copy's data from their own chat: refused
    await loser.press_data(f"dv:d:{delivery.id}:", message=loser.last())
    assert loser.last_answer is not None and loser.last_answer["text"] == catalog_text(
        "ru", "This button does not belong to this message.")

    await winner.press(catalog_text("ru", "📦 Picked up"), message=copy)
    await harness.drain()
    await resident.expect(visible_text("ru", "🚚 Help for request {number} is on the way.", number=f"№{request.id}"),
                          since_start=True)
    await winner.press(catalog_text("ru", "✅ Delivered"), message=copy)
    await harness.drain()
    assert copy.text == visible_text("ru", CLOSED_DELIVERED, number=f"№{request.id}") and copy.reply_markup is None
    assert (await reload(harness, request)).status == RequestStatus.DONE
    await resident.press(catalog_text("ru", "👍 Received"))
    await harness.drain()
    assert (await reload(harness, request)).status == RequestStatus.RECEIVED
    assert (await the_delivery(harness, request)).status == DeliveryStatus.DELIVERED
    staff_card = card_of(harness, request).text
    assert before_when("zh", "✅ Volunteer {name} delivered it {when}", winner.first_name) in staff_card
    assert_no_personal_data(offer)

    # the optional photo goes to the worker
    await winner.send_photo()
    await harness.drain()
    assert any(m.is_photo for m in harness.fake.messages[5001])

    # /volunteers: two approved, the winner with one delivery
    await boss.send_command("/volunteers")
    listing = await boss.expect(visible_text("zh", "🙋 <b>{n} approved volunteer</b>", n=2).split("2")[0])
    assert catalog_plural("zh", "{n} delivered", "{n} delivered", 1) in listing.text

    # /report today: one delivery handed over, delivered, by one volunteer
    await boss.send_command("/report today")
    await harness.drain()
    report = "\n".join(m.text or "" for m in harness.fake.messages[STAFF_CHAT] if catalog_text("zh", "<b>Volunteers</b>")
                       .replace("<b>", "").replace("</b>", "") in (m.text or ""))
    assert catalog_plural("zh", "{n} delivery handed to volunteers", "{n} deliveries handed to volunteers", 1) in report
    assert visible_text("zh", "delivered {delivered} · back with the worker {back} · in progress {open} · volunteers who "
                              "took one {people}", delivered=1, back=0, open=0, people=1) in report


async def the_delivery(harness: Harness, request: Request) -> Delivery:
    assert harness.app is not None
    async with harness.app.sessions() as session:
        row = (await session.exec(select(Delivery).where(Delivery.request_id == request.id).order_by(Delivery.id.desc()))).first()  # type: ignore[union-attr]
    assert row is not None
    return row


async def volunteer_by_id(harness: Harness, volunteer_id: int | None) -> Volunteer:
    assert harness.app is not None
    async with harness.app.sessions() as session:
        row = await session.get(Volunteer, volunteer_id)
    assert row is not None
    return row


async def test_a_suspended_volunteers_delivery_goes_back_to_the_worker(harness: Harness) -> None:
    """uk, no volunteers' chat: the card comes privately; the coordinator suspends the volunteer who took it;
    the worker is told, the copy loses the address, the card offers the hand-over again."""
    worker = await join(harness, 5001, "Олена")
    boss = await coordinator(harness)
    helper = await sign_up(harness, 7101, "Тарас", "uk", "uman-center")
    volunteer = await approve(harness, boss, helper, "uk", "uman-center")
    resident, request = await filed_and_claimed(harness, worker, "uk", "хліб, молоко 2 л")
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    offer = await helper.expect(visible_text("uk", "📦 <b>Delivery</b> {number} · {kind}", number=f"№{request.id}",
                                             kind=catalog_text("uk", "Food and supplies")), since_start=True)
    assert "кв. 7" not in offer.text and "вул. Європейська, 5" in offer.text
    await helper.press(catalog_text("uk", TAKE), message=offer)
    await harness.drain()
    copy = await helper.expect(ADDRESSES["uk"], since_start=True)
    await worker.send_command(f"/volunteers suspend {volunteer.id}")  # a worker is no coordinator
    await worker.expect(visible_text("zh", "Only a coordinator can do this."))
    assert (await stored_volunteer(harness, helper)).status == VolunteerStatus.APPROVED
    await boss.send_command(f"/volunteers suspend {volunteer.id}")
    await harness.drain()
    assert (await stored_volunteer(harness, helper)).status == VolunteerStatus.SUSPENDED
    assert (await the_delivery(harness, request)).status == DeliveryStatus.RETURNED
    assert copy.text == visible_text("uk", CLOSED_BACK, number=f"№{request.id}")
    told = [m.text for m in harness.fake.messages[5001] if f"№{request.id}" in (m.text or "")]
    assert any(visible_text("zh", "↩️ Request {number}: the delivery was taken back from volunteer {name} ({reason}). "
                                  "It is yours again.", number=f"№{request.id}", name="Тарас",
                            reason=catalog_text("zh", "the volunteer was suspended")) in t for t in told)
    stored = await reload(harness, request)
    assert stored.status == RequestStatus.CLAIMED and stored.claimed_by is not None
    assert catalog_text("zh", "🙋 Hand to volunteers") in card_of(harness, request).button_texts()
    # a suspended volunteer cannot take the next one
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    assert worker.last_answer is not None and worker.last_answer["text"] == catalog_text(
        "zh", "This district has no volunteers' chat and no approved volunteer who can do this.")


async def test_a_stalled_delivery_nudges_the_worker_once(with_chat: Harness) -> None:
    """Nobody takes the delivery: after VOLUNTEERS__STALL_HOURS (3) the worker is nudged in the staff chat,
    not before; a double tap on the hand-over and a forged one are refused."""
    harness = with_chat
    worker = await join(harness, 5001, "Анна")
    _, request = await filed_and_claimed(harness, worker)
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    assert catalog_text("zh", "🙋 Hand to volunteers") not in card_of(harness, request).button_texts()
    await worker.press_data(f"sf:h:{request.id}:", message=card_of(harness, request))  # a late second tap
    assert worker.last_answer is not None and worker.last_answer["text"] == catalog_text(
        "zh", "This delivery is already with the volunteers.")
    assert harness.app is not None
    clock.advance(timedelta(hours=2))
    await check_deliveries(harness.app)
    await harness.drain()
    nudge = catalog_plural("zh", "⏰ {name}: the delivery of request {number} handed to volunteers has not moved on for {n} hour.",
                           "⏰ {name}: the delivery of request {number} handed to volunteers has not moved on for {n} hours.",
                           3, name="Анна", number=f"№{request.id}")
    assert not [m for m in harness.fake.messages[STAFF_CHAT] if f"№{request.id} handed" in (m.text or "") or m.text == nudge]
    clock.advance(timedelta(hours=1, minutes=1))
    await check_deliveries(harness.app)
    await harness.drain()
    assert [m for m in harness.fake.messages[STAFF_CHAT] if (m.text or "") == seen(nudge)]
    # a forged hand-over of a request this message does not show is refused
    await worker.press_data(f"sf:h:{(request.id or 0) + 1000}:", message=card_of(harness, request))
    assert worker.last_answer is not None and worker.last_answer["text"] == catalog_text(
        "zh", "This request no longer exists.")
    clock.advance(timedelta(hours=5))  # nudged once per step
    await check_deliveries(harness.app)
    await harness.drain()
    assert len([m for m in harness.fake.messages[STAFF_CHAT] if (m.text or "") == seen(nudge)]) == 1


async def test_the_residents_erasure_reaches_the_volunteers_copy(harness: Harness) -> None:
    """uk: the resident deletes their data while a volunteer holds the delivery: the volunteer's private copy
    no longer shows the address or the phone."""
    worker = await join(harness, 5001, "Олена")
    boss = await coordinator(harness)
    helper = await sign_up(harness, 7101, "Тарас", "uk", "uman-center")
    await approve(harness, boss, helper, "uk", "uman-center")
    resident, request = await filed_and_claimed(harness, worker, "uk", "хліб, молоко 2 л")
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    offer = await helper.expect(f"№{request.id}", since_start=True)
    await helper.press(catalog_text("uk", TAKE), message=offer)
    await harness.drain()
    copy = await helper.expect(ADDRESSES["uk"], since_start=True)
    await resident.send_command("/delete")
    await resident.press(catalog_text("uk", "Yes, delete my data"))
    await harness.drain()
    assert copy.text == visible_text("uk", "The resident erased their personal data; the details of request {number} "
                                           "were removed.", number=f"№{request.id}")
    assert copy.reply_markup is None


async def test_a_typed_phone_is_refused_and_cancel_leaves_nothing(harness: Harness) -> None:
    """zh: a typed number (or someone else's contact) is not taken; /cancel ends the sign-up, nothing kept."""
    user = TgUser(harness.fake, 7201, "小李", language_code="zh-hans", phone=PHONES["zh"])
    await user.send_command("/volunteer")
    await user.tap("小李")
    await user.send("13800138000")
    await user.expect(visible_text("zh", "Please share your own number with the button «📱 Share my phone number»."))
    await user.send_contact("+8613900139000", first_name="妈妈", user_id=99999)
    await user.expect(visible_text("zh", "Please share your own number with the button «📱 Share my phone number»."))
    await user.send_command("/cancel")
    await user.expect(visible_text("zh", "Cancelled. Nothing was sent."))
    assert harness.app is not None
    async with harness.app.sessions() as session:
        assert (await session.exec(select(Volunteer))).first() is None


async def test_medicine_goes_to_volunteers_who_collect_medicine_and_forged_decisions_are_refused(with_chat: Harness) -> None:
    """ru: the card of a medicine request shows the medicine; a volunteer who signed up only to deliver
    supplies cannot take it, one who collects medicine can. A decision pressed on another message is refused."""
    harness = with_chat
    worker = await join(harness, 5001, "Анна")
    boss = await coordinator(harness)
    shopper = await sign_up(harness, 7301, "Иван", "ru", "presnensky")
    await approve(harness, boss, shopper, "ru", "presnensky")
    courier = await sign_up(harness, 7302, "Мария", "ru", "presnensky", skills=("💊 Collect medicine",))
    volunteer = await stored_volunteer(harness, courier)
    await boss.press_data(f"va:1:{volunteer.id}", message=card_of_any(harness))  # a message that is no application card
    assert boss.last_answer is not None and boss.last_answer["text"] == catalog_text(
        "zh", "This button does not belong to this message.")
    assert (await stored_volunteer(harness, courier)).status == VolunteerStatus.PENDING
    await approve(harness, boss, courier, "ru", "presnensky")

    resident = await register(harness, "ru")
    summary = await to_summary(resident, "ru", "medicine", "Метформин 500 мг, 2 упаковки")
    await send_request(resident, "ru", summary)
    await harness.drain()
    (request,) = await requests_of(harness, resident)
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain()
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    (offer,) = [m for m in harness.fake.messages[VOLUNTEER_CHAT] if f"№{request.id}" in (m.text or "")]
    assert "Метформин 500 мг, 2 упаковки" in offer.text and catalog_text("ru", "Medicine") in offer.text
    assert_no_personal_data(offer)
    in_chat = {u.user_id: TgUser(harness.fake, u.user_id, u.first_name, chat=GroupChat(id=VOLUNTEER_CHAT, title="V"))
               for u in (shopper, courier)}
    await in_chat[shopper.user_id].press(catalog_text("ru", TAKE), message=offer)
    assert in_chat[shopper.user_id].last_answer["text"] == catalog_text(  # type: ignore[index]
        "ru", "This delivery is outside your districts or what you signed up for.")
    await in_chat[courier.user_id].press(catalog_text("ru", TAKE), message=offer)
    await harness.drain()
    await courier.expect("Метформин 500 мг, 2 упаковки", since_start=True)
    assert (await the_delivery(harness, request)).volunteer_id == volunteer.id


def card_of_any(harness: Harness) -> SentMessage:
    """The newest bot message in the staff chat that is not an application card."""
    return next(m for m in reversed(harness.fake.messages[STAFF_CHAT]) if "#" not in (m.text or ""))


async def test_a_coordinator_binds_a_volunteers_chat_with_a_command(harness: Harness) -> None:
    """/volunteerchat uman-center uk in a new group (like /route for staff): a stranger's command is ignored,
    the coordinator's binds it; the next hand-over's card comes there, in Ukrainian."""
    worker = await join(harness, 5001, "Олена")
    boss = await coordinator(harness)
    helper = await sign_up(harness, 7101, "Тарас", "uk", "uman-center")
    await approve(harness, boss, helper, "uk", "uman-center")
    group = GroupChat(id=-1004000000444, title="Волонтери Умані")
    stranger = TgUser(harness.fake, 7999, "Хтось", chat=group)
    await stranger.send_command("/volunteerchat uman-center uk")
    await stranger.expect_nothing_more()
    in_group = TgUser(harness.fake, COORDINATOR_ID, "Координатор", chat=group)
    await in_group.send_command("/volunteerchat nowhere")
    await in_group.expect(head("zh", "Use /volunteerchat followed by a district code ({codes}) and optionally the chat's "
                                     "language ({languages})."))
    await in_group.send_command("/volunteerchat uman-center uk")
    await in_group.expect(visible_text("uk", "Deliveries of {district} that workers hand to volunteers now come to this chat.",
                                       district=district_title("uman-center", "uk")))
    _, request = await filed_and_claimed(harness, worker, "uk", "хліб, молоко 2 л")
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    offer = await in_group.expect(visible_text("uk", "📦 <b>Delivery</b> {number} · {kind}", number=f"№{request.id}",
                                               kind=catalog_text("uk", "Food and supplies")))
    assert catalog_text("uk", TAKE) in offer.button_texts()
    assert not [m for m in helper.messages() if f"№{request.id}" in (m.text or "")]  # not privately any more


async def test_cant_deliver_with_a_reason_goes_back_to_the_worker(harness: Harness) -> None:
    """uk: «Can't deliver» asks why (Back returns to the steps); «Nobody at home» gives the delivery back to the
    worker, who is told privately; the copy loses the address; the card shows why and offers the hand-over again."""
    worker = await join(harness, 5001, "Олена")
    boss = await coordinator(harness)
    helper = await sign_up(harness, 7101, "Тарас", "uk", "uman-center")
    await approve(harness, boss, helper, "uk", "uman-center")
    _, request = await filed_and_claimed(harness, worker, "uk", "хліб, молоко 2 л")
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    offer = await helper.expect(f"№{request.id}", since_start=True)
    await helper.press(catalog_text("uk", TAKE), message=offer)
    await harness.drain()
    copy = await helper.expect(ADDRESSES["uk"], since_start=True)
    await helper.press(catalog_text("uk", "❌ Can't deliver"), message=copy)
    assert copy.button_texts() == [catalog_text("uk", r) for r in (
        "Nobody at home", "Could not get the items", "I can't go after all", "Other reason", "◀️ Back")]
    await helper.press(catalog_text("uk", "◀️ Back"), message=copy)
    assert copy.button_texts() == [catalog_text("uk", b) for b in ("📦 Picked up", "✅ Delivered", "❌ Can't deliver")]
    await helper.press(catalog_text("uk", "❌ Can't deliver"), message=copy)
    await helper.press(catalog_text("uk", "Nobody at home"), message=copy)
    await harness.drain()
    assert copy.text == visible_text("uk", CLOSED_BACK, number=f"№{request.id}") and copy.reply_markup is None
    told = [m.text for m in harness.fake.messages[5001] if f"№{request.id}" in (m.text or "")]
    assert visible_text("zh", "↩️ Request {number}: volunteer {name} could not deliver ({reason}). The delivery is yours "
                              "again.", number=f"№{request.id}", name="Тарас",
                        reason=catalog_text("zh", "Nobody at home")) in told
    card = card_of(harness, request)
    assert before_when("zh", "↩️ Volunteer {name} could not deliver {when}: {reason}", "Тарас") in card.text
    assert catalog_text("zh", "🙋 Hand to volunteers") in card.button_texts()
    assert (await the_delivery(harness, request)).status == DeliveryStatus.FAILED
    assert (await reload(harness, request)).status == RequestStatus.CLAIMED


async def test_without_a_volunteers_chat_every_volunteer_gets_the_card_and_one_takes_it(harness: Harness) -> None:
    """uk and ru volunteers of Uman (no volunteers' chat): each gets the card privately, in their language; the
    first tap wins, the other's card shows who took it and loses its button; nobody else gets it."""
    worker = await join(harness, 5001, "Олена")
    boss = await coordinator(harness)
    taras = await sign_up(harness, 7101, "Тарас", "uk", "uman-center")
    await approve(harness, boss, taras, "uk", "uman-center")
    olga = await sign_up(harness, 7102, "Ольга", "ru", "uman-center")
    await approve(harness, boss, olga, "ru", "uman-center")
    other = await sign_up(harness, 7103, "Пётр", "ru", "presnensky")
    await approve(harness, boss, other, "ru", "presnensky")
    _, request = await filed_and_claimed(harness, worker, "uk", "хліб, молоко 2 л")
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    mine = await taras.expect(visible_text("uk", "📦 <b>Delivery</b> {number} · {kind}", number=f"№{request.id}",
                                           kind=catalog_text("uk", "Food and supplies")), since_start=True)
    hers = await olga.expect(visible_text("ru", "📦 <b>Delivery</b> {number} · {kind}", number=f"№{request.id}",
                                          kind=catalog_text("ru", "Food and supplies")), since_start=True)
    assert not [m for m in other.messages() if f"№{request.id}" in (m.text or "")]
    await taras.press(catalog_text("uk", TAKE), message=mine)
    await harness.drain()
    assert hers.reply_markup is None and visible_text("ru", "✋ Taken by {name}", name="Тарас") in hers.text
    await olga.press_data(f"dv:t:{(await the_delivery(harness, request)).id}:", message=hers)
    assert olga.last_answer is not None and olga.last_answer["text"] == catalog_text(
        "ru", "Another volunteer has already taken this delivery.")
    for card in (mine, hers):
        for text in versions(card):
            assert "кв. 7" not in text and "+380" not in text
