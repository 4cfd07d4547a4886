"""The staff group end to end: cards, one-tap claims, progress, the resident told at each step."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from db.models import Request, RequestEvent, RequestStatus
from tests.conftest import COORDINATOR_ID, STAFF_CHAT, Harness
from tests.conversation import TgUser
from tests.helpers import (
    assert_nothing_more,
    catalog_text,
    register,
    requests_of,
    send_request,
    supplies_to_summary,
    visible_text,
)


async def file_request(harness: Harness, locale: str = "zh", items: str = "2斤青菜、2斤肉、一包5公斤重的大米") -> tuple[TgUser, Request]:
    """A registered resident with one supplies request, its card delivered."""
    user = await register(harness, locale)
    summary = await supplies_to_summary(user, locale, items)
    await send_request(user, locale, summary)
    await harness.drain()
    (request,) = await requests_of(harness, user)
    return user, request


async def join(harness: Harness, user_id: int, name: str, private: bool = True) -> TgUser:
    """A worker joins the staff chat (and opens the bot privately)."""
    worker = harness.staff(user_id, name)
    await worker.send_command("/join")
    if private:
        private_chat = TgUser(harness.fake, user_id, name, language_code="zh")
        await private_chat.send_command("/start")
    return worker


def card_of(harness: Harness, request: Request, chat_id: int = STAFF_CHAT):  # type: ignore[no-untyped-def]
    """The card message of a request in a staff chat."""
    cards = [m for m in harness.fake.messages.get(chat_id, []) if f"№{request.id} ·" in m.text]
    assert cards, f"no card for {request.id} in {chat_id}"
    return cards[-1]


async def events(harness: Harness, request_id: int) -> list[str]:
    """The audit trail's actions."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        rows = (await session.exec(select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(col(RequestEvent.id)))).all()
    return [r.action for r in rows]


async def reload(harness: Harness, request: Request) -> Request:
    """The request as stored now."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        fresh = await session.get(Request, request.id)
    assert fresh is not None
    return fresh


async def test_full_life_of_a_request_zh(harness: Harness) -> None:
    """Confirm → card → claim → details privately → on the way → done → received (case 1, Sanya)."""
    worker = await join(harness, 5001, "王社工")
    resident, request = await file_request(harness, "zh")
    card = card_of(harness, request)
    assert "青菜" in card.text and "2斤" in card.text
    assert "+86" not in card.text and "下洋田社区 3栋" not in card.text  # no phone, no exact address on the card

    await worker.press(f"№{request.id}", message=card)
    await harness.drain()
    assert (await reload(harness, request)).status == RequestStatus.CLAIMED
    assert "王社工" in card_of(harness, request).text
    details = harness.fake.messages[5001][-1].text
    assert "+86 138 0013 8000" in details and "下洋田社区 3栋 2单元 501" in details
    await resident.expect(visible_text("zh", "✅ Your request {number} has been accepted. Social worker {name} is handling it.",
                            number=f"№{request.id}", name="王社工"), since_start=True)

    await worker.press(catalog_text("zh", "🚚 On the way"), message=card_of(harness, request))
    await harness.drain()
    await resident.expect(visible_text("zh", "🚚 Help for request {number} is on the way.", number=f"№{request.id}"), since_start=True)
    await worker.press(catalog_text("zh", "✅ Done"), message=card_of(harness, request))
    await harness.drain()
    assert (await reload(harness, request)).status == RequestStatus.DONE
    await resident.press(catalog_text("zh", "👍 Received"))
    await resident.press("5⭐")
    await harness.drain()
    stored = await reload(harness, request)
    assert stored.status == RequestStatus.RECEIVED and stored.rating == 5
    assert await events(harness, request.id or 0) == ["created", "claimed", "on_the_way", "done", "received", "rated"]
    assert card_of(harness, request).reply_markup is None


async def test_two_workers_race_on_claim(harness: Harness) -> None:
    """Both press Claim at the same moment: exactly one wins, the other is told who has it."""
    first = await join(harness, 5001, "Анна")
    second = await join(harness, 5002, "Богдан")
    _, request = await file_request(harness, "ru", "хлеб, молоко 2 л, гречка")
    card = card_of(harness, request)
    for worker in (first, second):
        harness.fake.mark_read(worker.user_id)  # their private chats: what /start answered
    await asyncio.gather(first.press(f"№{request.id}", message=card), second.press(f"№{request.id}", message=card))
    stored = await reload(harness, request)
    assert stored.status == RequestStatus.CLAIMED
    winner, loser = (first, second) if stored.claimed_by == 1 else (second, first)
    assert loser.last_answer is not None and winner.first_name in loser.last_answer["text"]
    assert (await events(harness, request.id or 0)).count("claimed") == 1
    await harness.drain()
    (details,) = harness.fake.unread(winner.user_id)  # the winner gets the details privately, once
    assert "+7 916 123-45-67" in (details.text or "")
    await assert_nothing_more(harness, loser.user_id)  # the loser gets nothing privately


async def test_forged_and_foreign_presses_change_nothing(harness: Harness) -> None:
    """A resident pressing a staff button, and a worker of another chat, are refused."""
    _, request = await file_request(harness, "uk", "хліб, молоко 1 л")
    resident = TgUser(harness.fake, 7777, "Олена", language_code="uk")
    await resident.press_data(f"sf:c:{request.id}:", message=card_of(harness, request))
    other_chat = -1002000000002
    outsider = harness.staff(5003, "Чужий", chat_id=other_chat)
    await outsider.send_command("/join")  # not a staff chat: ignored
    insider_elsewhere = harness.staff(5004, "Інший")
    await insider_elsewhere.press_data(f"sf:d:{request.id}:", message=card_of(harness, request))
    assert insider_elsewhere.last_answer is not None
    assert (await reload(harness, request)).status == RequestStatus.NEW
    assert harness.fake.messages.get(other_chat, []) == []


async def test_restart_between_claim_and_done(harness: Harness) -> None:
    """Claimed before a restart, done after it: the card and the resident follow."""
    worker = await join(harness, 5001, "Li")
    resident, request = await file_request(harness, "zh")
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await harness.restart()
    await worker.press(catalog_text("zh", "✅ Done"), message=card_of(harness, request))
    await harness.drain()
    assert (await reload(harness, request)).status == RequestStatus.DONE
    await resident.expect(visible_text("zh", "✅ Request {number} is done. Did you receive everything? Please press a button; "
                            "you can also rate the help from 1 to 5 stars.", number=f"№{request.id}"), since_start=True)


async def test_not_received_reopens_and_tells_staff(harness: Harness) -> None:
    """'Not received' puts the request back to new and says so in the staff chat."""
    worker = await join(harness, 5001, "Li")
    resident, request = await file_request(harness, "zh")
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await worker.press(catalog_text("zh", "✅ Done"), message=card_of(harness, request))
    await harness.drain()
    await resident.press(catalog_text("zh", "👎 Not received"))
    await harness.drain()
    assert (await reload(harness, request)).status == RequestStatus.NEW
    text = visible_text("zh", "⚠️ The resident says request {number} was NOT received. It is open again.", number=f"№{request.id}")
    assert any(text in m.text for m in harness.fake.messages[STAFF_CHAT])


async def test_coordinator_is_listed_from_settings(harness: Harness) -> None:
    """A settings admin joins as coordinator."""
    coordinator = await join(harness, COORDINATOR_ID, "Coordinator", private=False)
    assert catalog_text("zh", "coordinator") in coordinator.last().text


async def test_busy_group_gets_a_digest_with_a_claim_button_per_request(fake, settings) -> None:  # type: ignore[no-untyped-def]
    """When new requests queue faster than the group's budget, they share one message; claiming one
    from it gives that request its own card and marks it taken in the digest."""
    from bench.common import draft, make_residents
    from bot.core.config import Limits
    from bot.services import requests as requests_service
    from bot.ui.notify import Notifier
    from db.repo import districts

    slow = settings.model_copy(update={"limits": Limits(group_per_minute=20, private_chat_per_second=1, global_per_second=30)})
    harness = Harness(fake, slow)
    app = await harness.start()
    fake.enforce_limits(global_per_sec=30, per_private_chat_per_sec=1, per_group_per_min=20)
    try:
        worker = await join(harness, 5001, "王社工")
        async with app.sessions() as session:
            district = await districts.by_code(session, "xiayangtian")
        people = await make_residents(app, 4, district.id)
        with app.i18n.context():
            async with app.sessions.begin() as session:
                ids = []
                for person in people:
                    submitted = await requests_service.submit(session, app.i18n, slow, person, draft())
                    await Notifier(session, app.i18n, slow).tell(submitted.told)
                    ids.append(submitted.request.id)
        app.sender.wake()
        await harness.drain(timeout=15)
        messages = [m for m in fake.messages[STAFF_CHAT] if any(f"№{i}" in m.text for i in ids)]
        assert all(any(f"№{i}" in m.text for m in messages) for i in ids)
        assert len(messages) < len(ids)  # at least some shared a digest
        digest = next(m for m in messages if sum(f"№{i}" in m.text for i in ids) > 1)
        member = next(i for i in ids if f"№{i}" in digest.text and any(f"№{i}" in b for b in digest.button_texts()))
        await worker.press(f"№{member}", message=digest)
        await harness.drain(timeout=15)
        assert not any(f"№{member}" in b for b in digest.button_texts())
        assert "王社工" in digest.text
        own_card = [m for m in fake.messages[STAFF_CHAT] if f"№{member} ·" in m.text and m is not digest]
        assert own_card and catalog_text("zh", "✅ Done") in own_card[-1].button_texts()
        assert fake.stats["429"] == 0, [(m, p.get("chat_id"), s) for m, p, s in fake.calls if s == 429]
    finally:
        await harness.stop()


async def test_coordinator_makes_a_new_group_a_station_with_route(harness: Harness) -> None:
    """/route in a group that is not a staff chat yet: from a settings coordinator it works, from
    anyone else it is ignored; afterwards the district's cards come to the new group."""
    new_group = -1003000000003
    stranger = harness.staff(5009, "Stranger", chat_id=new_group)
    await stranger.send_command("/route xiayangtian")
    assert harness.fake.messages.get(new_group, []) == []
    coordinator = harness.staff(COORDINATOR_ID, "Coordinator", chat_id=new_group)
    await coordinator.send_command("/route xiayangtian")
    assert coordinator.last().text == visible_text("zh", "Requests from {district} now come to this chat. Staff: send /join here.",
                                        district="下洋田社区")
    _, request = await file_request(harness, "zh")
    assert card_of(harness, request, new_group).reply_markup is not None
    assert not [m for m in harness.fake.messages.get(STAFF_CHAT, []) if f"№{request.id} ·" in m.text]


async def test_claimer_gets_the_relatives_contact(harness: Harness) -> None:
    """A register entry names a relative: the worker who claims gets their contact with the address."""
    from bench.common import draft
    from bot.services import requests as requests_service
    from bot.ui.notify import Notifier
    from db.models import Resident
    from db.repo import districts

    worker = await join(harness, 5001, "王社工")
    app = harness.app
    assert app is not None
    async with app.sessions.begin() as session:
        district = await districts.by_code(session, "fuqin")
        lin = Resident(tg_user_id=7100, chat_id=7100, locale="zh", name="林婆婆", phone="+8613800138000",
                       address="抚琴街道 12号", district_id=district.id, lives_alone=True, over_65=True,
                       contact_name="林晓", contact_phone="+8613900139000", consent_at=clock_now(), registered_at=clock_now())
        session.add(lin)
    with app.i18n.context():
        async with app.sessions.begin() as session:
            submitted = await requests_service.submit(session, app.i18n, harness.settings, lin, draft())
            await Notifier(session, app.i18n, harness.settings).tell(submitted.told)
            request = submitted.request
    await harness.drain()
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain()
    details = harness.fake.messages[5001][-1].text
    assert visible_text("zh", "Contact (relative): {contact}", contact="林晓 +86 139 0013 9000") in details


def clock_now():  # type: ignore[no-untyped-def]
    """The application clock."""
    from bot.core import clock
    return clock.now()
