"""A staff chat's life loses no request: deleted forum topics, a bot removed and added back, deleted
cards, a group upgraded to a supergroup, long /open lists, digests of check-in escalations, and replies
to commands deleted meanwhile."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bench.common import make_residents
from bot.core import clock
from bot.ui.checkin_texts import REASONS
from bot.core.config import DistrictConfig, Limits, Settings
from bot.ui.notify import Notifier
from bot.services import checkins as checkins_service
from db.models import Request, RequestStatus
from db.repo import districts
from sandbox.bot_api import FakeTelegram
from tests.conftest import DISTRICTS, SECOND_CHAT, STAFF_CHAT, Harness, running
from tests.helpers import requests_of, seen, staff_messages, supplies_to_summary, send_request, catalog_text, catalog_plural, text_message
from tests.test_staff import card_of, file_request, join, reload

TOPIC = 77
NEW_STAFF_CHAT = -1009000000009


def with_district(settings: Settings, code: str, **route: Any) -> Settings:
    """Settings whose district `code` is routed as given (staff_chat_id, topic_id)."""
    districts_ = [DistrictConfig(**({**d, **route} if d["code"] == code else d)) for d in DISTRICTS]
    return settings.model_copy(update={"districts": districts_})


@pytest.fixture
async def in_topic(fake: FakeTelegram, settings: Settings) -> AsyncIterator[Harness]:
    """Xiayangtian's requests go to a forum topic of the main staff chat."""
    async with running(Harness(fake, with_district(settings, "xiayangtian", staff_chat_id=STAFF_CHAT, topic_id=TOPIC))) as h:
        yield h


@pytest.fixture
async def station(fake: FakeTelegram, settings: Settings) -> AsyncIterator[Harness]:
    """Xiayangtian's requests go to a station chat of their own; the rest to the main one."""
    async with running(Harness(fake, with_district(settings, "xiayangtian", staff_chat_id=SECOND_CHAT))) as h:
        yield h


def cards_of(harness: Harness, request: Request, chat_id: int) -> list[Any]:
    """Messages of a chat that show the request's card."""
    return [m for m in staff_messages(harness, chat_id) if f"№{request.id} ·" in m.text]


# ------------------------------------------------------------------ a card that cannot go where it should


async def test_card_for_a_deleted_topic_is_posted_in_the_main_thread_saying_why(in_topic: Harness) -> None:
    """The district's forum topic was deleted: the card appears in the chat's main thread with a line
    that says why, and it is a working card (Claim)."""
    harness = in_topic
    worker = await join(harness, 5001, "王社工")
    harness.fake.delete_topic(STAFF_CHAT, TOPIC)
    user, request = await file_request(harness, "zh")
    (card,) = cards_of(harness, request, STAFF_CHAT)
    assert card.message_thread_id is None
    assert seen(catalog_text("zh", "⚠️ This district's forum topic could not be reached (it may have been deleted), so this card is in the main thread.")) in card.text
    await worker.press(f"№{request.id}", message=card)
    await harness.drain()
    assert (await reload(harness, request)).status == RequestStatus.CLAIMED


async def test_card_for_a_chat_the_bot_was_removed_from_reaches_the_main_staff_chat_and_returns(station: Harness) -> None:
    """The bot was removed from the station's chat: the main staff chat is told about the request at
    once; when the bot is added back, the station's chat gets the card with Claim."""
    harness = station
    harness.fake.kick_bot(SECOND_CHAT)
    _, request = await file_request(harness, "zh")
    notices = [m for m in staff_messages(harness, STAFF_CHAT) if f"№{request.id}" in m.text]
    assert len(notices) == 1
    assert seen(catalog_text("zh", "⚠️ Request {number} could not be posted in its station's chat: the bot was removed "
                        "from it. Add the bot to that chat again and its open requests will be posted there.",
                  number=f"№{request.id}")) in notices[0].text

    harness.fake.kicked.discard(SECOND_CHAT)
    admin = harness.staff(9001, "Coordinator", chat_id=SECOND_CHAT)
    bot_user = {"id": harness.fake.bot_id, "is_bot": True, "first_name": "Doorstep", "username": "doorstep_test_bot"}
    update = {"my_chat_member": {
        "chat": harness.fake.chat(SECOND_CHAT), "from": admin.user, "date": int(harness.fake.clock()),
        "old_chat_member": {"user": bot_user, "status": "kicked", "until_date": 0},
        "new_chat_member": {"user": bot_user, "status": "member"},
    }}
    await harness.fake.wait_processed(harness.fake.push_update(update))
    await harness.drain()
    (card,) = cards_of(harness, request, SECOND_CHAT)
    assert catalog_text("zh", "✋ Claim №{number}", number=request.id) in card.button_texts()


async def test_reopened_request_whose_card_was_deleted_gets_a_new_card(harness: Harness) -> None:
    """Someone deleted the card of a claimed request; the worker releases it: a new card with Claim."""
    worker = await join(harness, 5001, "王社工")
    _, request = await file_request(harness, "zh")
    card = card_of(harness, request)
    await worker.press(f"№{request.id}", message=card)
    await harness.drain()
    harness.fake.delete_message(STAFF_CHAT, card.message_id)
    await worker.press_data(f"sf:l:{request.id}:", message=card)
    await harness.drain(timeout=10, step=timedelta(0))
    assert (await reload(harness, request)).status == RequestStatus.NEW
    (new_card,) = cards_of(harness, request, STAFF_CHAT)
    assert new_card.message_id != card.message_id
    assert catalog_text("zh", "✋ Claim №{number}", number=request.id) in new_card.button_texts()


async def test_claim_on_a_card_from_before_the_supergroup_upgrade_is_answered(harness: Harness) -> None:
    """The group became a supergroup; a worker presses Claim on a card that is still in the old group:
    the press is answered and the claim goes through."""
    worker = await join(harness, 5001, "王社工")
    _, request = await file_request(harness, "zh")
    card = card_of(harness, request)
    harness.fake.migrate_group(STAFF_CHAT, NEW_STAFF_CHAT)
    assert harness.app is not None
    async with harness.app.sessions.begin() as session:
        await districts.migrate_chat(session, STAFF_CHAT, NEW_STAFF_CHAT)  # as the service message does
    await worker.press(f"№{request.id}", message=card)
    assert worker.last_answer is not None
    await harness.drain(timeout=10, step=timedelta(0))
    assert (await reload(harness, request)).status == RequestStatus.CLAIMED


# ------------------------------------------------------------------ lists, digests, replies


async def test_open_pages_through_every_open_request_with_the_true_total(harness: Harness) -> None:
    """150 open requests: /open says 150 and pages through all of them."""
    assert harness.app is not None
    app = harness.app
    worker = await join(harness, 5001, "王社工")
    async with app.sessions() as session:
        district = await districts.by_code(session, "xiayangtian")
    assert district is not None and district.id is not None
    people = await make_residents(app, 150, district.id)
    async with app.sessions.begin() as session:
        for person in people:
            session.add(Request(resident_id=person.id or 0, district_id=district.id, kind="supplies",
                                draft_key=f"k{person.id}", details="x"))
    await worker.send_command("/open")
    listing = worker.last()
    assert listing is not None
    assert listing.text.split("\n")[0] == seen(catalog_plural("zh", "{n} open request:", "{n} open requests:", 150))
    shown: set[str] = set()
    for _ in range(10):
        shown |= {word for word in listing.text.split() if word.startswith("№")}
        labels = listing.button_texts()
        if catalog_text("zh", "Next ▶️") not in labels:
            break
        await worker.press(catalog_text("zh", "Next ▶️"), message=listing)
    assert len(shown) == 150


async def test_digest_of_checkin_escalations_shows_the_reason_in_words(fake: FakeTelegram, settings: Settings) -> None:
    """Several urgent check-in cards share one digest message: each says why in the chat's language,
    never the internal key."""
    slow = settings.model_copy(update={"limits": Limits(group_per_minute=20, private_chat_per_second=1, global_per_second=30)})
    async with running(Harness(fake, slow)) as harness:
        app = harness.app
        assert app is not None
        fake.enforce_limits(global_per_sec=30, per_private_chat_per_sec=1, per_group_per_min=20)
        await join(harness, 5001, "王社工")
        async with app.sessions() as session:
            district = await districts.by_code(session, "xiayangtian")
        assert district is not None and district.id is not None
        people = await make_residents(app, 4, district.id)
        with app.i18n.context():
            async with app.sessions.begin() as session:
                notify = Notifier(session, app.i18n, slow)
                raised = []
                for person in people:
                    result = await checkins_service.raise_request(session, slow, person, checkins_service.Reason.HELP)
                    await notify.tell(result.told)
                    raised.append(result.request)
        app.sender.wake()
        await harness.drain(timeout=15)
        digests = [m for m in staff_messages(harness, STAFF_CHAT) if sum(f"№{r.id}" in m.text for r in raised) > 1]
        assert digests, "no digest formed"
        for digest in digests:
            assert "\nhelp\n" not in digest.text
            assert digest.text.count(seen(catalog_text("zh", REASONS["help"]))) == sum(f"№{r.id}" in digest.text for r in raised)


async def test_reply_to_a_deleted_command_is_still_sent(harness: Harness) -> None:
    """A worker sends /open and deletes it before the bot answers: the answer comes anyway."""
    worker = await join(harness, 5001, "王社工")
    message = text_message(worker, "/open")
    message["entities"] = [{"type": "bot_command", "offset": 0, "length": 5}]
    harness.fake.delete_message(STAFF_CHAT, message["message_id"])
    await harness.fake.wait_processed(harness.fake.push_update({"message": message}))
    await harness.fake.settle(0.2, 3)
    assert worker.last() is not None and worker.last().text == seen(catalog_text("zh", "No open requests. 🎉"))
