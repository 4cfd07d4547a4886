"""The outbox sender against a misbehaving Bot API: 429, 5xx, timeouts, 403, entity errors, migrations."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.core import clock
from bot.app import check_requests, close, create_app, prepare
from bot.core.config import Limits, Settings
from bot.telegram import delivery
from bot.telegram.delivery import Plan, Sender, Step, method_for
from db.models import Outbox, OutboxStatus, RequestStatus
from db.repo import districts, outbox
from sandbox.bot_api import FakeTelegram
from tests.conftest import COORDINATOR_ID, SECOND_CHAT, STAFF_CHAT, Harness
from tests.helpers import (
    outbox_rows,
    requests_of,
    resident_of,
    seen,
    send_request,
    staff_messages,
    supplies_to_summary,
    catalog_text,
    catalog_plural,
    visible_text,
)
from tests.test_staff import card_of, file_request, join, reload

NEW_STAFF_CHAT = -1009000000009
SECOND_NEW = -1002000000333

ACCEPTED = "✅ Your request {number} has been accepted. Social worker {name} is handling it."
ON_THE_WAY = "🚚 Help for request {number} is on the way."
DONE = ("✅ Request {number} is done. Did you receive everything? Please press a button; "
        "you can also rate the help from 1 to 5 stars.")
UNREACHABLE = "⚠️ The resident has blocked the bot: call them instead of writing."
REMINDER = ("⏰ {urgent}Request {number} has been waiting for {n} minute. Who can take it?",
            "⏰ {urgent}Request {number} has been waiting for {n} minutes. Who can take it?")


def timed_calls(fake: FakeTelegram) -> list[tuple[float, str, str, int]]:
    """Record (monotonic time, method, chat_id, status) of every Bot API call from now on."""
    log: list[tuple[float, str, str, int]] = []
    original = fake._record

    def record(method: str, params: dict[str, Any], status: int) -> None:
        log.append((time.monotonic(), method, str(params.get("chat_id")), status))
        original(method, params, status)

    fake._record = record  # type: ignore[method-assign]
    return log


def texts_in(fake: FakeTelegram, chat_id: int) -> list[str]:
    """Texts of the bot's messages in a chat, oldest first."""
    return [m.text or "" for m in fake.messages.get(chat_id, []) if not m.deleted]


async def rows_of_chat(harness: Harness, chat_id: int, purpose: str) -> list[Outbox]:
    """Outbox rows of one chat and purpose, oldest first."""
    return [r for r in await outbox_rows(harness, purpose) if r.chat_id == chat_id]


# ------------------------------------------------------------------------------------- 429


async def test_429_retry_after_keeps_order_and_waits(harness: Harness) -> None:
    """Three 429s on the resident's chat: all three status messages arrive once, in order, after the pauses."""
    worker = await join(harness, 5001, "Анна")
    resident, request = await file_request(harness, "ru", "хлеб, молоко 2 л, гречка")
    calls = timed_calls(harness.fake)
    harness.fake.fail_next("sendMessage", resident.chat_id, status=429, retry_after=1, count=3)
    before = len(texts_in(harness.fake, resident.chat_id))

    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await worker.press(catalog_text("zh", "🚚 On the way"), message=card_of(harness, request))
    await worker.press(catalog_text("zh", "✅ Done"), message=card_of(harness, request))
    await harness.drain(timeout=30, step=timedelta(0))

    number = f"№{request.id}"
    assert texts_in(harness.fake, resident.chat_id)[before:] == [
        visible_text("ru", ACCEPTED, number=number, name="Анна"), visible_text("ru", ON_THE_WAY, number=number), visible_text("ru", DONE, number=number),
    ]
    assert harness.fake.stats["429"] == 3
    assert harness.app is not None and harness.app.sender.stats["429"] == 3
    to_resident = [(at, status) for at, method, chat, status in calls
                   if method == "sendMessage" and chat == str(resident.chat_id)]
    assert [status for _, status in to_resident] == [429, 429, 429, 200, 200, 200]
    for (first, _), (second, _) in zip(to_resident[:3], to_resident[1:4]):
        assert second - first >= 0.9, "the sender retried before retry_after had passed"
    statuses = await rows_of_chat(harness, resident.chat_id, "status")
    assert [r.status for r in statuses] == [OutboxStatus.SENT] * 3
    assert [r.attempts for r in statuses] == [1, 1, 1]  # a 429 is not a failed attempt
    assert (await reload(harness, request)).status == RequestStatus.DONE


# ------------------------------------------------------------------------------- 5xx, timeouts


@pytest.fixture
async def quick_timeout(fake: FakeTelegram, settings: Settings) -> AsyncIterator[Harness]:
    """The bot with a one-second Bot API request timeout."""
    limits = settings.limits.model_copy(update={"request_timeout": 1.0})
    h = Harness(fake, settings.model_copy(update={"limits": limits}))
    await h.start()
    try:
        yield h
    finally:
        await h.stop()
        clock.reset()


async def test_5xx_and_timeouts_are_retried_with_backoff(quick_timeout: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """500, 502, 500 on a status message and slow answers on the card: retried later, delivered."""
    harness = quick_timeout
    assert harness.app is not None
    worker = await join(harness, 5001, "Оксана")
    resident, request = await file_request(harness, "uk", "хліб, молоко 1 л")
    before = len(texts_in(harness.fake, resident.chat_id))
    harness.fake.fail_next("sendMessage", resident.chat_id, status=500, count=1)
    harness.fake.fail_next("sendMessage", resident.chat_id, status=502, count=1)
    harness.fake.fail_next("sendMessage", resident.chat_id, status=500, count=1)
    harness.fake.delay_next("editMessageText", STAFF_CHAT, seconds=2.5, count=2)

    # Each try at the status message, on the application's clock (drain below moves that clock on).
    tries: list[tuple[datetime, int]] = []
    dispatch = harness.fake._dispatch

    async def recording(method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, body = await dispatch(method, params)
        if method == "sendMessage" and str(params.get("chat_id")) == str(resident.chat_id):
            tries.append((clock.now(), status))
        return status, body

    monkeypatch.setattr(harness.fake, "_dispatch", recording)
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    for _ in range(100):
        (row,) = await rows_of_chat(harness, resident.chat_id, "status")
        if row.attempts >= 1:
            break
        await asyncio.sleep(0.05)
    assert row.status == OutboxStatus.PENDING and row.error == "TelegramServerError"
    await harness.drain(timeout=30, step=timedelta(seconds=10))
    # A failure schedules the next try in the future (backoff), it is not retried at once: after the
    # n-th failure the sender waits at least 2**n * 0.5 s (the jitter's lower bound).
    assert [status for _, status in tries] == [500, 502, 500, 200]
    gaps = [(later - earlier).total_seconds() for (earlier, _), (later, _) in zip(tries, tries[1:])]
    assert all(gap >= 2**n * 0.5 for n, gap in enumerate(gaps, start=1)), gaps

    number = f"№{request.id}"
    assert texts_in(harness.fake, resident.chat_id)[before:] == [visible_text("uk", ACCEPTED, number=number, name="Оксана")]
    (row,) = await rows_of_chat(harness, resident.chat_id, "status")
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 4)
    card_rows = [r for r in await rows_of_chat(harness, STAFF_CHAT, "card") if r.request_id == request.id]
    assert card_rows[-1].status == OutboxStatus.SENT and card_rows[-1].attempts >= 2  # timed out, then sent
    card = card_of(harness, request)
    assert "Оксана" in card.text and catalog_text("zh", "🚚 On the way") in card.button_texts()
    assert len([m for m in staff_messages(harness, STAFF_CHAT) if f"№{request.id} ·" in m.text]) == 1


async def test_timed_out_send_is_delivered_at_least_once(quick_timeout: Harness) -> None:
    """A sendMessage whose answer comes after the timeout is retried: delivered, at worst twice."""
    harness = quick_timeout
    worker = await join(harness, 5001, "Li")
    resident, request = await file_request(harness, "zh")
    before = len(texts_in(harness.fake, resident.chat_id))
    harness.fake.delay_next("sendMessage", resident.chat_id, seconds=1.6, count=1)
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain(timeout=30, step=timedelta(seconds=10))
    await asyncio.sleep(0.8)  # let the slow first answer land too
    accepted = visible_text("zh", ACCEPTED, number=f"№{request.id}", name="Li")
    assert 1 <= texts_in(harness.fake, resident.chat_id)[before:].count(accepted) <= 2
    (row,) = await rows_of_chat(harness, resident.chat_id, "status")
    assert row.status == OutboxStatus.SENT and row.attempts == 2


# ------------------------------------------------------------------------------------ leases


async def test_a_slow_send_neither_holds_back_the_record_nor_outlives_the_lease(fake: FakeTelegram, settings: Settings) -> None:
    """On a 3 s lease, after which another instance may take a row: one resident's answer is slow, and
    the other rows of the batch are recorded as sent meanwhile, not when the slowest is done. A staff
    group row that could not start within the lease's first two thirds (one message per 6 s here) goes
    back untried at once, and the next sender (another instance) sends it. Each message arrives once."""
    limits = Limits(global_per_second=1000, private_chat_per_second=100, group_per_minute=10, lease_seconds=3)
    app = create_app(settings.model_copy(update={"limits": limits}))
    residents = range(40_000, 40_010)
    try:
        await prepare(app)
        async with app.sessions.begin() as session:
            for i in range(3):
                outbox.enqueue(session, STAFF_CHAT, "sendMessage", {"chat_id": STAFF_CHAT, "text": f"group {i}"}, purpose="test")
            for chat in residents:
                outbox.enqueue(session, chat, "sendMessage", {"chat_id": chat, "text": "hello"}, purpose="test")

        async def rows() -> list[Outbox]:
            async with app.sessions() as session:
                return list((await session.exec(select(Outbox).order_by(col(Outbox.id)))).all())

        fake.delay_next("sendMessage", residents[-1], seconds=1.0)
        draining = asyncio.create_task(app.sender.drain_once())
        recorded_while_sending = False
        while not draining.done():
            quick = [r for r in await rows() if r.chat_id in residents[:-1] or r.payload["text"] == "group 0"]
            if all(r.status == OutboxStatus.SENT for r in quick):
                recorded_while_sending = True
                break
            await asyncio.sleep(0.05)
        assert recorded_while_sending, "the batch's rows waited for its slowest send to be recorded"
        assert await draining == 11  # the first row of each chat

        given_back_at = clock.now()
        assert await app.sender.drain_once() == 0  # "group 1": its slot comes 6 s after "group 0"
        group = [r for r in await rows() if r.chat_id == STAFF_CHAT]
        assert [r.status for r in group] == [OutboxStatus.SENT, OutboxStatus.PENDING, OutboxStatus.PENDING]
        assert group[1].lease_owner is None and group[1].lease_until is None  # given back, not left to expire
        # ... due when the group's budget is back, so that no sender leases it over and over meanwhile
        assert group[1].next_attempt_at > given_back_at + timedelta(seconds=4)
        assert await app.sender.drain_once() == 0
        assert texts_in(fake, STAFF_CHAT) == ["group 0"]
        assert app.sender.stats["given_back"] == 1 and group[1].attempts == 0

        clock.advance(timedelta(seconds=7))
        for _ in range(2):  # two more instances, each with a fresh budget for the group
            assert await Sender(app.bot, app.sessions, limits).drain_once() == 1
        assert texts_in(fake, STAFF_CHAT) == ["group 0", "group 1", "group 2"]
        assert all(texts_in(fake, chat) == ["hello"] for chat in residents)
        assert all(r.status == OutboxStatus.SENT for r in await rows())
    finally:
        await close(app)
        clock.reset()


async def send_in_two_instances(fake: FakeTelegram, settings: Settings, shared: bool, chats: range) -> list[int]:
    """Two instances' senders (batches of 10, so both lease) drain one message to each chat at once,
    with the fake enforcing 20 messages a second per bot; rows each sender delivered."""
    limits = Limits(global_per_second=20, private_chat_per_second=100, group_per_minute=6000, shared=shared)
    apps = [create_app(settings.model_copy(update={"limits": limits})) for _ in range(2)]
    try:
        await prepare(apps[0])
        async with apps[0].sessions.begin() as session:
            for chat in chats:
                outbox.enqueue(session, chat, "sendMessage", {"chat_id": chat, "text": "hello"}, purpose="test")
        fake.enforce_limits(global_per_sec=20, per_private_chat_per_sec=100, per_group_per_min=6000)

        async def drain(sender: Sender) -> int:
            sender.batch, handled = 10, 0
            while (count := await sender.drain_once()) or await outbox_pending(apps[0]):
                handled += count
                if not count:
                    await asyncio.sleep(0.05)  # the other instance holds the rest, or a row waits for a retry
            return handled

        return list(await asyncio.gather(*(drain(app.sender) for app in apps)))
    finally:
        fake.disable_limits()
        for app in apps:
            await close(app)


async def outbox_pending(app: Any) -> bool:
    """Whether any outbox row is still to be sent."""
    async with app.sessions() as session:
        return (await session.exec(select(Outbox).where(col(Outbox.status) == OutboxStatus.PENDING))).first() is not None


async def test_instances_sharing_redis_send_within_one_bots_budget(fake: FakeTelegram, settings: Settings) -> None:
    """Telegram counts its limits per bot. Two instances with REDIS_URL keep to one budget together: 80
    messages, both senders sending, no 429. Each pacing itself (LIMITS__SHARED=false), the same two
    send twice the budget and Telegram answers 429 (retried, so nothing is lost either way)."""
    if not settings.redis_url:
        pytest.skip("the shared limits live in Redis (TEST_REDIS_URL)")
    alone = await send_in_two_instances(fake, settings, shared=False, chats=range(50_000, 50_040))
    assert fake.stats["429"] > 0 and all(alone)
    assert all(texts_in(fake, chat) == ["hello"] for chat in range(50_000, 50_040))
    floods = fake.stats["429"]
    together = await send_in_two_instances(fake, settings, shared=True, chats=range(60_000, 60_080))
    assert fake.stats["429"] == floods, "the instances together went over one bot's budget"
    assert sum(together) == 80 and all(together)
    assert all(texts_in(fake, chat) == ["hello"] for chat in range(60_000, 60_080))


async def send_with_a_stall(fake: FakeTelegram, settings: Settings, chats: range) -> Any:
    """One sender drains a message to each chat at 5 a second (the fake enforcing 5 a second too); the
    first send is held up for 150 ms after taking its slot, as a garbage collection or a batch being
    built holds the loop. Returns the sender."""
    limits = Limits(global_per_second=5, private_chat_per_second=100, group_per_minute=6000)
    app = create_app(settings.model_copy(update={"limits": limits, "redis_prefix": f"{settings.redis_prefix}-{chats.start}"}))
    stalled: list[int] = []

    async def stall_once(row: Outbox, _owner: str) -> Plan:
        if not stalled:
            stalled.append(row.chat_id)
            time.sleep(0.15)  # blocks the whole loop, between the slot and the call
        return Plan([Step(method_for(row))])

    try:
        await prepare(app)
        app.sender.planners["sendMessage"] = stall_once
        async with app.sessions.begin() as session:
            for chat in chats:
                outbox.enqueue(session, chat, "sendMessage", {"chat_id": chat, "text": "hello"}, purpose="test")
        fake.enforce_limits(global_per_sec=5, per_private_chat_per_sec=100, per_group_per_min=6000)
        while await app.sender.drain_once() or await outbox_pending(app):
            await asyncio.sleep(0.05)
        return app.sender
    finally:
        fake.disable_limits()
        await close(app)


async def test_a_send_held_up_after_its_slot_is_counted_when_it_leaves(
    fake: FakeTelegram, settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Telegram counts a message when it arrives. A send held up between taking its slot and leaving
    arrives squeezed against the sends after it: the fifth after it, on time, is the sixth in one second
    and Telegram answers 429 (a second's pause for every send). Counted again as it leaves
    (Limiters.leaving), the sends after it keep their distance: no 429, nothing lost either way."""
    monkeypatch.setattr(delivery, "LATE_AFTER", 10.0)  # as before: counted only when the slot was taken
    before = await send_with_a_stall(fake, settings, range(70_000, 70_008))
    assert fake.stats["429"] > 0 and before.limiters.restamped == 0
    assert all(texts_in(fake, chat) == ["hello"] for chat in range(70_000, 70_008))
    monkeypatch.undo()
    floods = fake.stats["429"]
    after = await send_with_a_stall(fake, settings, range(71_000, 71_008))
    assert fake.stats["429"] == floods, "the late send was squeezed against the ones after it"
    assert after.limiters.restamped >= 1
    assert all(texts_in(fake, chat) == ["hello"] for chat in range(71_000, 71_008))


# --------------------------------------------------------------------------------------- 403


async def test_blocked_resident_is_unreachable_and_the_request_goes_on(harness: Harness) -> None:
    """403 'blocked': the resident is flagged, the row failed once, the worker finishes, the card warns."""
    worker = await join(harness, 5001, "王社工")
    resident, request = await file_request(harness, "zh")
    harness.fake.block_user(resident.chat_id)
    calls_before = len(harness.fake.calls)

    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain(timeout=20, step=timedelta(0))
    stored = await resident_of(harness, resident)
    assert stored is not None and stored.unreachable
    (row,) = await rows_of_chat(harness, resident.chat_id, "status")
    assert (row.status, row.error, row.attempts) == (OutboxStatus.FAILED, "forbidden", 1)
    tries = [c for c in harness.fake.calls[calls_before:] if str(c[1].get("chat_id")) == str(resident.chat_id)]
    assert [c[2] for c in tries] == [403], "a 403 must not be retried"
    assert "+86 138 0013 8000" in harness.fake.messages[5001][-1].text  # the worker can call instead

    await worker.press(catalog_text("zh", "🚚 On the way"), message=card_of(harness, request))
    await harness.drain(timeout=20, step=timedelta(0))
    assert visible_text("zh", UNREACHABLE) in card_of(harness, request).text
    await worker.press(catalog_text("zh", "✅ Done"), message=card_of(harness, request))
    await harness.drain(timeout=20, step=timedelta(0))
    assert (await reload(harness, request)).status == RequestStatus.DONE
    card = card_of(harness, request)
    assert visible_text("zh", UNREACHABLE) in card.text and card.reply_markup is None
    assert [r.status for r in await rows_of_chat(harness, resident.chat_id, "status")] == [OutboxStatus.FAILED] * 3


async def test_card_warns_as_soon_as_the_resident_blocks_the_bot(harness: Harness) -> None:
    """The 403 itself brings the warning onto the card, before any worker acts again."""
    worker = await join(harness, 5001, "Оксана")
    resident, request = await file_request(harness, "uk", "хліб, молоко 1 л")
    harness.fake.deactivate_user(resident.chat_id)
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    await harness.drain(timeout=20, step=timedelta(0))
    assert (await resident_of(harness, resident)).unreachable  # type: ignore[union-attr]
    assert visible_text("zh", UNREACHABLE) in card_of(harness, request).text


# ------------------------------------------------------------------------ entity parse errors


async def test_entity_error_falls_back_to_plain_text(harness: Harness) -> None:
    """A 400 'can't parse entities' once: the same message goes out as plain text, tags gone, & kept."""
    description = 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3'
    harness.fake.fail_next("sendMessage", STAFF_CHAT, status=400, description=description, count=1)
    resident, request = await file_request(harness, "uk", "хліб, молоко 1 л")
    card = card_of(harness, request)
    assert card.parse_mode is None and card.entities is None
    assert "<b>" not in card.text and card.text.startswith(f"№{request.id} ·")
    assert card.button_texts() == [catalog_text("zh", "✋ Claim №{number}").format(number=request.id)]

    worker = await join(harness, 5001, "Оля & <Co>")
    harness.fake.fail_next("sendMessage", resident.chat_id, status=400, description=description, count=1)
    before = len(texts_in(harness.fake, resident.chat_id))
    await worker.press(f"№{request.id}", message=card)
    await harness.drain(timeout=20, step=timedelta(0))
    (message,) = harness.fake.messages[resident.chat_id][before:]
    assert message.parse_mode is None
    assert message.text == visible_text("uk", ACCEPTED, number=f"№{request.id}", name="Оля &amp; &lt;Co&gt;")
    assert "Оля & <Co>" in message.text
    (row,) = await rows_of_chat(harness, resident.chat_id, "status")
    assert row.status == OutboxStatus.SENT
    # The next message is HTML again: the fallback was for that one call only.
    await worker.press(catalog_text("zh", "🚚 On the way"), message=card_of(harness, request))
    await harness.drain(timeout=20, step=timedelta(0))
    assert harness.fake.messages[resident.chat_id][-1].parse_mode == "HTML"


# ---------------------------------------------------------------------------- not modified


async def test_message_not_modified_counts_as_sent(harness: Harness) -> None:
    """Telegram answers a card edit with 'message is not modified': the row is done, not retried, not failed."""
    worker = await join(harness, 5001, "Анна")
    _, request = await file_request(harness, "ru", "хлеб, молоко 2 л, гречка")
    card = card_of(harness, request)
    harness.fake.fail_next("editMessageText", STAFF_CHAT, status=400, count=1,
                           description="Bad Request: message is not modified: specified new message content and "
                                       "reply markup are exactly the same as a current content and reply markup")
    calls_before = len(harness.fake.calls)
    await worker.press(f"№{request.id}", message=card)
    await harness.drain(timeout=20, step=timedelta(0))
    assert (await reload(harness, request)).status == RequestStatus.CLAIMED
    edits_tried = [c for c in harness.fake.calls[calls_before:] if c[0] == "editMessageText"]
    assert [c[2] for c in edits_tried] == [400]
    rows = [r for r in await rows_of_chat(harness, STAFF_CHAT, "card") if r.request_id == request.id]
    assert [(r.status, r.error, r.attempts) for r in rows] == [(OutboxStatus.SENT, None, 1)] * 2
    # Nothing is wedged: the next change edits the card as usual.
    await worker.press_data(f"sf:w:{request.id}:", message=card)
    await harness.drain(timeout=20, step=timedelta(0))
    assert (await reload(harness, request)).status == RequestStatus.ON_THE_WAY
    assert "Анна" in card.text and catalog_text("zh", "✅ Done") in card.button_texts()
    assert catalog_text("zh", "🚚 On the way") not in card.button_texts()


# ------------------------------------------------------------------------------- migration


async def test_staff_group_upgraded_to_supergroup(harness: Harness) -> None:
    """The group migrates: pending rows follow, new cards go to the new id, the staff keep working there."""
    assert harness.app is not None
    await join(harness, 5001, "王社工")
    resident, first = await file_request(harness, "zh")
    await send_request(resident, "zh", await supplies_to_summary(resident, "zh", "牛奶 2盒"))
    await harness.drain()
    second = (await requests_of(harness, resident))[-1]
    old_cards = len(staff_messages(harness, STAFF_CHAT))

    harness.fake.migrate_group(STAFF_CHAT, NEW_STAFF_CHAT)
    clock.advance(timedelta(minutes=16))
    await check_requests(harness.app)  # two reminders queued for the old id
    await harness.drain(timeout=20, step=timedelta(0))

    assert len(staff_messages(harness, STAFF_CHAT)) == old_cards
    reminders = [m for m in staff_messages(harness, NEW_STAFF_CHAT) if m.text.startswith("⏰")]
    assert [m.text for m in reminders] == [
        seen(catalog_plural("zh", *REMINDER, 16, urgent="", number=f"№{r.id}")) for r in (first, second)
    ]
    rows = [r for r in await outbox_rows(harness) if r.purpose == "staff"]
    assert {(r.chat_id, r.payload["chat_id"], r.status) for r in rows} == {(NEW_STAFF_CHAT, NEW_STAFF_CHAT, OutboxStatus.SENT)}
    async with harness.app.sessions() as session:
        assert await districts.staff_chat_ids(session, harness.app.settings.staff_chat_id) == {NEW_STAFF_CHAT}

    # The staff write in the new chat now: the router accepts it and they are still staff there.
    in_new = harness.staff(5001, "王社工", chat_id=NEW_STAFF_CHAT)
    await in_new.send_command("/open")
    listing = in_new.last()
    assert listing is not None and f"№{first.id}" in listing.text and f"№{second.id}" in listing.text

    # A later request's card goes straight to the new chat and is edited there.
    await send_request(resident, "zh", await supplies_to_summary(resident, "zh", "鸡蛋 10个"))
    await harness.drain(timeout=20, step=timedelta(0))
    third = (await requests_of(harness, resident))[-1]
    card = card_of(harness, third, NEW_STAFF_CHAT)
    await in_new.press(f"№{third.id}", message=card)
    await harness.drain(timeout=20, step=timedelta(0))
    assert (await reload(harness, third)).status == RequestStatus.CLAIMED
    assert len([m for m in staff_messages(harness, NEW_STAFF_CHAT) if f"№{third.id} ·" in m.text]) == 1
    assert "王社工" in card.text and len(card.edits) == 1



async def test_card_shown_before_the_migration_reappears_in_the_supergroup(harness: Harness) -> None:
    """A request whose card lives in the old group: its next change shows a card in the new chat, edited after.
    (A check-in escalation, changed by the resident's late answer: a staff press must come from a message
    that shows the request, and the old group's cards are gone.)"""
    from bot.app import follow_up_checkins
    from tests.test_checkins import enrolled, tick_to_due

    await join(harness, 5001, "王社工")
    user = await enrolled(harness, "zh")
    await tick_to_due(harness, user)
    assert harness.app is not None
    for _ in range(2):  # a reminder, then the escalation card
        clock.advance(timedelta(minutes=61))
        await follow_up_checkins(harness.app)
        await harness.drain()
    (request,) = await requests_of(harness, user)
    assert card_of(harness, request)
    harness.fake.migrate_group(STAFF_CHAT, NEW_STAFF_CHAT)
    async with harness.app.sessions.begin() as session:
        await districts.migrate_chat(session, STAFF_CHAT, NEW_STAFF_CHAT)  # as the service message would
    await user.press(catalog_text("zh", "😊 I'm fine"))
    await harness.drain(timeout=3, step=timedelta(0))
    moved = card_of(harness, request, NEW_STAFF_CHAT)
    in_new = harness.staff(5001, "王社工", chat_id=NEW_STAFF_CHAT)
    in_new.settle_max = 1.0
    await in_new.press(catalog_text("zh", "🚶 Visit needed"), message=moved)
    await harness.drain(timeout=3, step=timedelta(0))
    assert (await reload(harness, request)).status == RequestStatus.ON_THE_WAY
    assert len([m for m in staff_messages(harness, NEW_STAFF_CHAT) if f"№{request.id} ·" in m.text]) == 1


async def test_configured_station_chat_migrates_and_survives_a_restart(two_stations: Harness) -> None:
    """A district's configured chat migrates: after a restart (settings still name the old id) it stays served."""
    harness = two_stations
    worker = harness.staff(5001, "Анна", chat_id=SECOND_CHAT)
    await worker.send_command("/join")
    await worker.send_command("/chatlang ru")  # a coordinator only: refused, the chat stays zh
    coordinator = harness.staff(COORDINATOR_ID, "Координатор", chat_id=SECOND_CHAT)
    await coordinator.send_command("/join")
    await coordinator.send_command("/chatlang ru")
    _, request = await file_request(harness, "ru", "хлеб, молоко 2 л, гречка")
    assert card_of(harness, request, SECOND_CHAT)

    harness.fake.migrate_group(SECOND_CHAT, SECOND_NEW)
    clock.advance(timedelta(minutes=16))
    assert harness.app is not None
    await check_requests(harness.app)
    await harness.drain(timeout=20, step=timedelta(0))
    assert [m.text for m in staff_messages(harness, SECOND_NEW)] == [
        seen(catalog_plural("ru", *REMINDER, 16, urgent="", number=f"№{request.id}"))
    ]

    app = await harness.restart()
    async with app.sessions() as session:
        assert await districts.staff_chat_ids(session, app.settings.staff_chat_id) == {STAFF_CHAT, SECOND_NEW}
    in_new = harness.staff(5001, "Анна", chat_id=SECOND_NEW)
    await in_new.send_command("/open")
    listing = in_new.last()
    assert listing is not None and listing.text.split("\n")[0] == seen(
        catalog_plural("ru", "{n} open request:", "{n} open requests:", 1))
    assert f"№{request.id}" in listing.text


async def test_a_wake_while_every_worker_leases_is_not_lost() -> None:
    """An update commits an outbox row (the Send confirmation) while the sender's lease is running and
    finds nothing (its query began before the commit): the wake-up that came meanwhile makes the worker
    lease again at once, rather than waiting for the next wake or the idle poll (an hour here)."""
    sender = Sender(None, None, Limits())  # type: ignore[arg-type]  # drain_once is scripted below
    stop = asyncio.Event()
    leasing, committed, leased_again = asyncio.Event(), asyncio.Event(), asyncio.Event()
    leases: list[int] = []

    async def drain_once() -> int:
        leases.append(len(leases))
        if len(leases) == 1:
            leasing.set()
            await committed.wait()  # meanwhile an update commits its row and wakes the sender
            return 0  # this lease's query saw the outbox before that commit
        leased_again.set()
        stop.set()
        return 1

    sender.drain_once = drain_once  # type: ignore[method-assign]
    worker = asyncio.create_task(sender.run(stop, idle=3600, workers=1))
    await leasing.wait()
    sender.wake()
    committed.set()
    try:
        await asyncio.wait_for(leased_again.wait(), 60)  # a bound for a broken sender, not a measurement
    finally:
        stop.set()
        await worker
    assert leases == [0, 1]


async def test_a_wake_sends_one_worker_and_a_full_batch_brings_another() -> None:
    """Each look is a query: a wake-up with a row or two sends one waiting worker (and the express
    worker) to lease, not all of them; a worker that leases a full batch wakes one more, so a backlog
    still gets every worker."""
    sender = Sender(None, None, Limits(), batch=2)  # type: ignore[arg-type]  # drain_once is scripted below
    stop = asyncio.Event()
    leases: list[str] = []
    backlog = [0]

    async def drain_once(up_to_class: Any = None, batch: int | None = None) -> int:
        kind = "express" if up_to_class is not None else "regular"
        leases.append(kind)
        await asyncio.sleep(0)
        if kind == "regular" and backlog[0]:
            taken = min(backlog[0], sender.batch)
            backlog[0] -= taken
            sender.leased(taken, sender.batch)  # as drain_once records its lease
            await asyncio.sleep(0.05)  # sending it
            return taken
        sender.leased(0, batch or sender.batch)
        return 0

    sender.drain_once = drain_once  # type: ignore[method-assign]
    running = asyncio.create_task(sender.run(stop, idle=3600, workers=3))
    try:
        for _ in range(20):
            await asyncio.sleep(0.01)
        assert leases.count("regular") == 3 and leases.count("express") == 1  # each looked once at the start
        leases.clear()
        sender.wake()  # an update queued its confirmation
        for _ in range(20):
            await asyncio.sleep(0.01)
        assert leases.count("regular") == 1 and leases.count("express") == 1
        leases.clear()
        backlog[0] = 12  # a wave: six full batches
        sender.wake()
        for _ in range(50):
            await asyncio.sleep(0.01)
        assert backlog[0] == 0
        assert len(set(id(w) for w in sender._waiting)) == 3  # all back to waiting
        assert leases.count("regular") >= 6 + 2  # every batch, then the workers that found nothing
    finally:
        stop.set()
        await running
