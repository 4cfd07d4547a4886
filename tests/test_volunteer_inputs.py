"""A new volunteer tries the sign-up as people do (#16, zh, ru and uk): a sticker where text was expected, a
name of 10,000 characters, HTML in the name, forged presses with ids that do not exist, double taps, the bot
restarting half-way; a coordinator deciding twice; a volunteer who blocked the bot; a removed volunteer
pressing an old card."""

from __future__ import annotations

import asyncio

from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from db.models import DeliveryStatus, Volunteer, VolunteerStatus
from tests.conftest import COORDINATOR_ID, STAFF_CHAT, Harness
from tests.conversation import GroupChat, TgUser
from tests.test_erasure import as_text
from tests.helpers import PHONES, catalog_text, district_title, visible_text
from tests.test_staff import card_of, join
from tests.test_volunteers import (
    SIGNED_UP, TAKE, VOLUNTEER_CHAT, application_card, approve, coordinator, filed_and_claimed, sign_up,
    stored_volunteer, the_delivery, with_chat,  # noqa: F401 (a fixture)
)

NAME_PROMPT = ("🙋 Thank you for wanting to help! What is your name? You can press the button below to use your "
               "Telegram name.")
PHONE_PROMPT = "Your phone number, so that the workers can reach you: press «📱 Share my phone number» below."
DISTRICTS_PROMPT = "Which districts can you cover? Tap every one that applies, then «Next step ▶️»."


async def volunteers(harness: Harness) -> list[Volunteer]:
    assert harness.app is not None
    async with harness.app.sessions() as session:
        return list((await session.exec(select(Volunteer))).all())


async def test_zh_sticker_huge_name_and_html_in_the_name(harness: Harness) -> None:
    user = TgUser(harness.fake, 7401, "小王", language_code="zh-hans", phone=PHONES["zh"])
    await user.send_command("/volunteer")
    await user.expect(visible_text("zh", NAME_PROMPT))
    await user.send_sticker()  # the name step takes text: it says so and asks again
    await user.expect(visible_text("zh", "Please answer with text."))
    await user.expect(visible_text("zh", NAME_PROMPT))
    await user.send("王" * 10_000)
    await user.expect(visible_text("zh", PHONE_PROMPT))
    await user.send_command("/cancel")
    await user.send_command("/volunteer")
    await user.send("<b>王</b> <script>alert(1)</script> & 李")
    await user.expect(visible_text("zh", PHONE_PROMPT))
    await user.send_sticker()
    await user.expect(visible_text("zh", "Please share your own number with the button «📱 Share my phone number»."))
    await user.tap(catalog_text("zh", "📱 Share my phone number"))
    question = await user.expect(visible_text("zh", DISTRICTS_PROMPT))
    await user.send_sticker()  # a sticker at a button step
    await user.press(district_title("xiayangtian", "zh"), message=question)
    await user.press(catalog_text("zh", "Next step ▶️"), message=question)
    await user.press(catalog_text("zh", "🛒 Deliver supplies"), message=question)
    await user.press(catalog_text("zh", "Next step ▶️"), message=question)
    await user.send("<i>周末</i>" + "晚" * 5000)
    await user.press(catalog_text("zh", "✅ I agree"))
    await user.expect(visible_text("zh", SIGNED_UP))
    await harness.drain()
    (row,) = await volunteers(harness)
    assert row.name == "<b>王</b> <script>alert(1)</script> & 李" and len(row.availability) <= 200
    card = application_card(harness, row)
    assert "&lt;b&gt;王&lt;/b&gt;" in (card.raw or "") and "<b>王</b>" in card.text and "<script>" in card.text


async def test_ru_forged_presses_double_taps_and_a_restart_half_way(harness: Harness) -> None:
    user = TgUser(harness.fake, 7402, "Пётр", language_code="ru", phone=PHONES["ru"])
    # presses with ids that do not exist, before any sign-up
    await user.send_command("/volunteer")
    await user.tap("Пётр")
    await user.tap(catalog_text("ru", "📱 Share my phone number"))
    question = await user.expect(visible_text("ru", DISTRICTS_PROMPT))
    await user.press_data("vs:d:atlantis", message=question)  # a district that is not configured
    await user.press_data("vs:s:fly", message=question)  # a skill at the districts step
    await user.press_data("vs:n:", message=question)  # next with nothing chosen
    assert user.last_answer is not None and user.last_answer["text"] == catalog_text("ru", "Please choose at least one.")
    await user.press_data("vs:y:", message=question)  # agreeing to the rules before they are shown
    await user.press_data("dv:t:999999999999:", message=question)
    await user.press_data("dv:d:-5:", message=question)
    await user.press_data("va:1:424242", message=question)
    await user.press_data("vs:q:zzz", message=question)  # an action that does not exist
    assert await volunteers(harness) == []
    # a double tap on a district: two toggles, one after the other
    await asyncio.gather(user.press(district_title("presnensky", "ru"), message=question),
                         user.press(district_title("presnensky", "ru"), message=question))
    await user.press(district_title("presnensky", "ru"), message=question)
    await user.press(catalog_text("ru", "Next step ▶️"), message=question)
    # the bot restarts half-way: the sign-up goes on where it was
    await harness.restart()
    await user.press(catalog_text("ru", "🛒 Deliver supplies"), message=question)
    await asyncio.gather(user.press(catalog_text("ru", "Next step ▶️"), message=question),
                         user.press(catalog_text("ru", "Next step ▶️"), message=question))
    await user.press(catalog_text("ru", "Evenings"), message=question)
    # a double tap on «I agree»: one application
    await asyncio.gather(user.press(catalog_text("ru", "✅ I agree"), message=question),
                         user.press(catalog_text("ru", "✅ I agree"), message=question))
    await harness.drain()
    (row,) = await volunteers(harness)
    assert row.districts == ["presnensky"] and row.skills == ["deliver"] and row.availability == "evenings"
    assert len([m for m in harness.fake.messages[STAFF_CHAT] if f"#{row.id}\n" in (m.text or "")]) == 1
    await user.send_command("/volunteer")
    await user.expect(visible_text("ru", "Your application is waiting for a coordinator."))


async def test_uk_approve_twice_blocked_volunteer_and_a_removed_volunteers_old_card(harness: Harness) -> None:
    worker = await join(harness, 5001, "Олена")
    boss = await coordinator(harness)
    blocked = await sign_up(harness, 7501, "Остап", "uk", "uman-center", phone="+380671110001")
    await approve(harness, boss, blocked, "uk", "uman-center")
    helper = await sign_up(harness, 7502, "Ганна", "uk", "uman-center", phone="+380671110002")
    volunteer = await approve(harness, boss, helper, "uk", "uman-center")
    card = application_card(harness, volunteer)
    await boss.press_data(f"va:1:{volunteer.id}", message=card)  # approving again on the decided card
    assert boss.last_answer is not None and boss.last_answer["text"] == catalog_text("zh", "This cannot be done any more.")
    await boss.press_data(f"va:0:{volunteer.id}", message=card)  # declining an approved volunteer
    assert (await stored_volunteer(harness, helper)).status == VolunteerStatus.APPROVED
    await harness.drain()
    assert len([m for m in helper.messages() if visible_text("uk", "✅ You are an approved volunteer.") in (m.text or "")]) == 1

    # Остап blocked the bot: his private card gets 403, Ганна's arrives and she takes it
    harness.fake.block_user(blocked.user_id)
    _, request = await filed_and_claimed(harness, worker, "uk", "хліб, молоко 2 л")
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    offer = await helper.expect(f"№{request.id}", since_start=True)
    assert not [m for m in blocked.messages() if f"№{request.id}" in (m.text or "")]
    await helper.press(catalog_text("uk", TAKE), message=offer)
    await harness.drain()
    copy = await helper.expect("вул. Європейська, 5, кв. 7", since_start=True)

    # Ганна is removed: her delivery goes back; her old card and copy answer that she is not active
    await boss.send_command(f"/volunteers remove {volunteer.id}")
    await harness.drain()
    await helper.press_data(f"dv:p:{(await the_delivery_id(harness, request))}:", message=copy)
    assert helper.last_answer is not None and helper.last_answer["text"] in (
        catalog_text("uk", "Your volunteer account is not active."), catalog_text("uk", "This cannot be done any more."))
    await helper.press_data(f"dv:t:{(await the_delivery_id(harness, request))}:", message=offer)
    assert helper.last_answer is not None and helper.last_answer["text"] in (
        catalog_text("uk", "Your volunteer account is not active."), catalog_text("uk", "This cannot be done any more."))
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    second_offer = [m for m in helper.messages() if f"№{request.id}" in (m.text or "")]
    assert second_offer[-1].message_id in (offer.message_id, copy.message_id)  # nothing new for a removed volunteer


async def the_delivery_id(harness: Harness, request: object) -> int:
    from tests.test_volunteers import the_delivery
    return (await the_delivery(harness, request)).id or 0  # type: ignore[arg-type]


async def test_ru_a_volunteer_who_blocked_the_bot_takes_from_the_chat_and_the_delivery_comes_back(with_chat: Harness) -> None:
    """The volunteers' chat is reachable but the taker blocked the bot privately: the private copy (address,
    phone) gets 403. The delivery must not sit «taken» with nobody holding the address: it goes back to the
    worker, who is told why, and the card in the volunteers' chat no longer says it is taken."""
    harness = with_chat
    worker = await join(harness, 5001, "Анна")
    boss = await coordinator(harness)
    helper = await sign_up(harness, 7601, "Фёдор", "ru", "presnensky", phone="+79161110001")
    await approve(harness, boss, helper, "ru", "presnensky")
    _, request = await filed_and_claimed(harness, worker)
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    (offer,) = [m for m in harness.fake.messages[VOLUNTEER_CHAT] if f"№{request.id}" in (m.text or "")]
    harness.fake.block_user(helper.user_id)
    in_chat = TgUser(harness.fake, helper.user_id, "Фёдор", chat=GroupChat(id=VOLUNTEER_CHAT, title="Volunteers"))
    await in_chat.press(catalog_text("ru", TAKE), message=offer)
    await harness.drain()
    delivery = await the_delivery(harness, request)
    assert delivery.status == DeliveryStatus.RETURNED and delivery.reason == "volunteer_unreachable"
    told = [m.text for m in harness.fake.messages[5001] if f"№{request.id}" in (m.text or "")]
    assert visible_text("zh", "↩️ Request {number}: the delivery was taken back from volunteer {name} ({reason}). "
                              "It is yours again.", number=f"№{request.id}", name="Фёдор",
                        reason=catalog_text("zh", "the bot cannot write to the volunteer privately")) in told
    assert catalog_text("zh", "🙋 Hand to volunteers") in card_of(harness, request).button_texts()
    assert visible_text("ru", "✋ Taken by {name}", name="Фёдор") not in offer.text


async def test_uk_delete_half_way_through_the_sign_up_leaves_no_draft(harness: Harness) -> None:
    """The name and the phone typed so far live in the conversation state: /delete half-way must not say
    «we have no personal data» and keep them."""
    user = TgUser(harness.fake, 7701, "Мирослава", language_code="uk", phone="+380671119999")
    await user.send_command("/volunteer")
    await user.send("Мирослава Квітка")
    await user.tap(catalog_text("uk", "📱 Share my phone number"))
    await user.expect(visible_text("uk", DISTRICTS_PROMPT))
    await user.send_command("/delete")
    await user.expect(visible_text("uk", "We have no personal data of yours."))
    await harness.drain()
    assert harness.app is not None
    hits = []
    async with harness.app.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await conn.execute(sa_select(table))).mappings():
                hits += [f"{table.name}.{c}" for c, v in row.items() if "Квітка" in as_text(v) or "671119999" in as_text(v)]
    if harness.app.settings.redis_url:
        from redis.asyncio import Redis
        redis = Redis.from_url(harness.app.settings.redis_url)
        try:
            async for key in redis.scan_iter(match=f"{harness.app.settings.redis_prefix}*"):
                if (await redis.type(key)).decode() == "string" and "Квітка" in ((await redis.get(key)) or b"").decode(errors="replace"):
                    hits.append(str(key))
        finally:
            await redis.aclose()
    assert hits == []


async def test_uk_a_double_tap_on_a_step_is_not_an_error(harness: Harness) -> None:
    """«Picked up» and «Delivered» tapped twice (the second before the first's edit arrived): the same answer
    twice, not «This cannot be done any more.» for a step that was done; one message to the resident."""
    worker = await join(harness, 5001, "Олена")
    boss = await coordinator(harness)
    helper = await sign_up(harness, 7801, "Тарас", "uk", "uman-center")
    await approve(harness, boss, helper, "uk", "uman-center")
    resident, request = await filed_and_claimed(harness, worker, "uk", "хліб, молоко 2 л")
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    offer = await helper.expect(f"№{request.id}", since_start=True)
    await helper.press(catalog_text("uk", TAKE), message=offer)
    await harness.drain()
    copy = await helper.expect("вул. Європейська, 5, кв. 7", since_start=True)
    delivery_id = await the_delivery_id(harness, request)
    for action in ("p", "d"):
        answers = []
        for _ in range(2):
            await helper.press_data(f"dv:{action}:{delivery_id}:", message=copy)
            assert helper.last_answer is not None
            answers.append(helper.last_answer.get("text"))
        assert answers == [catalog_text("uk", "Done.")] * 2, answers
        await harness.drain()
    on_the_way = [m for m in resident.messages() if visible_text("uk", "🚚 Help for request {number} is on the way.",
                                                                   number=f"№{request.id}") in (m.text or "")]
    assert len(on_the_way) == 1


async def test_uk_when_no_volunteer_can_be_reached_the_delivery_comes_back_at_once(harness: Harness) -> None:
    """No volunteers' chat and the district's only volunteer blocked the bot: every private card gets 403.
    The worker must not wait for the stall nudge believing volunteers have it: it is theirs again at once."""
    worker = await join(harness, 5001, "Олена")
    boss = await coordinator(harness)
    blocked = await sign_up(harness, 7901, "Остап", "uk", "uman-center", phone="+380671110009")
    await approve(harness, boss, blocked, "uk", "uman-center")
    harness.fake.block_user(blocked.user_id)
    _, request = await filed_and_claimed(harness, worker, "uk", "хліб, молоко 2 л")
    await worker.press(catalog_text("zh", "🙋 Hand to volunteers"), message=card_of(harness, request))
    await harness.drain()
    await harness.drain()
    delivery = await the_delivery(harness, request)
    assert delivery.status == DeliveryStatus.RETURNED and delivery.reason == "unreachable"
    told = [m.text for m in harness.fake.messages[5001] if f"№{request.id}" in (m.text or "")]
    assert visible_text("zh", "↩️ Request {number}: no volunteer could be reached privately. The delivery is yours "
                              "again.", number=f"№{request.id}") in told
    assert catalog_text("zh", "🙋 Hand to volunteers") in card_of(harness, request).button_texts()
