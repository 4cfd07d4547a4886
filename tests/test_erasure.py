"""Erased means erased: /delete leaves the resident's name, phone and address nowhere (database, Redis,
outbox payloads, failed updates, conversation state, the claimer's private chat); the retention policy
anonymises old requests and prunes old rows in batches."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select

from bot import app as bot_app
from bot.core import clock
from bot.services import requests as requests_service
from bot.domain.phones import format_phone
from db.models import FailedUpdate, Outbox, OutboxStatus, ProcessedUpdate, Request, RequestStatus, Resident
from tests.conftest import STAFF_CHAT, Harness
from tests.helpers import (
    button_data,
    callback_query,
    failed_updates,
    register,
    requests_of,
    seen,
    send_request,
    staff_messages,
    supplies_to_summary,
    catalog_text,
    catalog_plural,
    visible_text,
)
from tests.test_staff import card_of, join

NAME = "Оксана Незабутня"
SURNAME = "Незабутня"
PHONE = "+380671112233"
ADDRESS = "вул. Калинова, 77, кв. 13"
OTHER_ADDRESS = "пров. Тихий, 9, кв. 4"
ERASED = "The resident erased their personal data; the details of request {number} were removed."


def needles() -> list[str]:
    """The person's name, phone (stored, displayed and dialled forms) and addresses."""
    return [NAME, SURNAME, PHONE, PHONE[1:], format_phone(PHONE), "0671112233", "67 111 22 33", ADDRESS, OTHER_ADDRESS]


def as_text(value: Any) -> str:
    """A column value as searchable text (JSON decoded, so non-ASCII is not hidden in \\u escapes)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


async def database_hits(harness: Harness) -> list[str]:
    """Every table's every column, read raw: where any needle still occurs."""
    assert harness.app is not None
    hits = []
    async with harness.app.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await conn.execute(sa_select(table))).mappings():
                for column, value in row.items():
                    text = as_text(value)
                    hits += [f"{table.name}.{column}: {needle}" for needle in needles() if needle in text]
    return hits


async def redis_hits(harness: Harness) -> list[str]:
    """Every key under the deployment's prefix and its value, when the bot uses Redis."""
    assert harness.app is not None
    if not harness.app.settings.redis_url:
        return []
    from redis.asyncio import Redis

    redis = Redis.from_url(harness.app.settings.redis_url)
    hits = []
    try:
        async for key in redis.scan_iter(match=f"{harness.app.settings.redis_prefix}*"):
            kind = (await redis.type(key)).decode()
            if kind == "string":
                values = [await redis.get(key)]
            elif kind == "hash":
                values = list((await redis.hgetall(key)).values())
            elif kind == "zset":
                values = [member for member, _ in await redis.zrange(key, 0, -1, withscores=True)]
            elif kind == "list":
                values = await redis.lrange(key, 0, -1)
            else:
                values = list(await redis.smembers(key))
            text = key.decode() + " " + " ".join(as_text(visible_text.decode(errors="replace")) for visible_text in values if visible_text is not None)
            hits += [f"redis {key!r}: {needle}" for needle in needles() if needle in text]
    finally:
        await redis.aclose()
    return hits


async def test_delete_leaves_no_copy_of_name_phone_or_address(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Uman: a resident whose request was claimed (details delivered to one worker, still being retried
    for another), with a failed update kept and a request half-filled, erases their data. Afterwards
    the whole database and Redis hold neither name, phone nor address, and the claimer's private
    details message says the data was erased."""
    first = await join(harness, 5001, "Тарас")
    second = await join(harness, 5002, "Марія")
    user = await register(harness, "uk", name=NAME, address=ADDRESS, phone=PHONE, first_name="Оксана", last_name=SURNAME)

    # 1. A request claimed by the first worker: the details went to their private chat.
    await send_request(user, "uk", await supplies_to_summary(user, "uk", "хліб, молоко 1 л, гречка"))
    await harness.drain()
    (claimed,) = await requests_of(harness, user)
    await first.press(f"№{claimed.id}", message=card_of(harness, claimed))
    await harness.drain()
    details = harness.fake.messages[5001][-1]
    assert NAME in details.text and format_phone(PHONE) in details.text and ADDRESS in details.text

    # 2. A request to another address claimed by the second worker, whose details cannot be delivered yet.
    await send_request(user, "uk", await supplies_to_summary(user, "uk", "ліки від тиску", other_address=OTHER_ADDRESS))
    await harness.drain()
    retried = (await requests_of(harness, user))[-1]
    harness.fake.fail_next("sendMessage", chat_id=5002, status=500, count=50)
    await second.press(f"№{retried.id}", message=card_of(harness, retried))
    await harness.drain()
    pending = [row for row in await rows(harness, Outbox) if row.chat_id == 5002 and row.purpose == "details"]
    assert [row.status for row in pending] == [OutboxStatus.PENDING]

    # 3. A third request whose sending failed: the update (its summary shows the address) is kept.
    summary = await supplies_to_summary(user, "uk", "вода 5 л", other_address=OTHER_ADDRESS)
    real_submit = requests_service.submit

    async def failing_submit(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(requests_service, "submit", failing_submit)
    update_id = harness.fake.push_update(
        {"callback_query": callback_query(user, summary, button_data(summary, catalog_text("uk", "✅ Send the request")))}
    )
    await harness.fake.wait_processed(update_id)
    monkeypatch.setattr(requests_service, "submit", real_submit)
    assert [f.update_id for f in await failed_updates(harness)] == [update_id]

    # The draft of that request stays in the conversation state, half-way through the wizard.
    assert await database_hits(harness)  # the search finds them before
    assert await redis_hits(harness) or not harness.settings.redis_url  # the draft, in Redis when used

    await user.send_command("/delete")
    await user.press(catalog_text("uk", "Yes, delete my data"))
    await user.expect(visible_text("uk", "Your personal data has been deleted. Send /start if you need help again."))
    await harness.drain()

    assert await database_hits(harness) == []
    assert await redis_hits(harness) == []
    erased = harness.fake.messages[5001][-1]
    assert erased.message_id == details.message_id
    assert erased.text == visible_text("zh", ERASED, number=f"№{claimed.id}")  # the worker's chat speaks zh
    for chat in (5001, 5002, STAFF_CHAT):
        for message in staff_messages(harness, chat):
            assert not [n for n in needles() if n in (message.text or "")], (chat, message.text)
    assert await failed_updates(harness) == []
    stored = {r.id: r for r in await rows(harness, Request)}
    assert stored[claimed.id].status == stored[retried.id].status == RequestStatus.CANCELLED
    assert stored[claimed.id].anonymized_at is not None


async def rows(harness: Harness, model: Any) -> list[Any]:
    """Every row of a table."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        return list((await session.exec(select(model))).all())


async def test_retention_anonymises_old_closed_requests_and_prunes_old_rows(fake: Any, settings: Any) -> None:
    """Moscow, 91 days later: three done requests lose their address, texts and items (in batches of
    two) and the claimer's details message says why; the open one keeps them; delivered outbox rows,
    processed update ids and a given-up failed update are pruned; a second run changes nothing."""
    from bot.core.config import Retention
    from tests.conftest import running

    policy = Retention(closed_request_days=90, outbox_days=30, update_days=7, failed_update_days=14, batch=2)
    async with running(Harness(fake, settings.model_copy(update={"retention": policy}))) as harness:
        worker = await join(harness, 5001, "Ирина")
        user = await register(harness, "ru", name="Пётр Ильич Самоваров", address="ул. Гончарная, 8, кв. 21", flags=())
        for items in ("хлеб, молоко", "гречка 2 кг", "чай", "сахар 1 кг"):
            await send_request(user, "ru", await supplies_to_summary(user, "ru", items))
            await harness.drain()  # the confirmation brings the menu back
        done = (await requests_of(harness, user))[:3]
        for request in done:
            await worker.press(f"№{request.id}", message=card_of(harness, request))
            await harness.drain()
            await worker.press(catalog_text("zh", "✅ Done"), message=card_of(harness, request))
            await harness.drain()
        detail_messages = [m for m in staff_messages(harness, 5001) if "ул. Гончарная" in (m.text or "")]
        assert len(detail_messages) == 3
        assert harness.app is not None
        async with harness.app.sessions.begin() as session:
            session.add(FailedUpdate(update_id=10**9, payload={"message": {"text": "ул. Гончарная"}}, gave_up=True))
            session.add(FailedUpdate(update_id=10**9 + 1, payload={"message": {"text": "still retried"}}))
        sent_before = [r for r in await rows(harness, Outbox) if r.status == OutboxStatus.SENT]

        clock.advance(timedelta(days=91))
        handled = await bot_app.apply_retention(harness.app)
        await harness.drain()

        assert handled["anonymize_closed"] == 3
        stored = {r.id: r for r in await rows(harness, Request)}
        for request in done:
            assert (stored[request.id].address, stored[request.id].details) == (None, None)
            assert stored[request.id].anonymized_at is not None
        still_open = (await requests_of(harness, user))[3]
        assert stored[still_open.id].address == "ул. Гончарная, 8, кв. 21" and stored[still_open.id].anonymized_at is None
        for message, request in zip(detail_messages, done):
            edited = next(m for m in staff_messages(harness, 5001) if m.message_id == message.message_id)
            assert edited.text == seen(catalog_plural("zh", "The details of request {number} were removed: it closed more than {days} day ago.",
                                          "The details of request {number} were removed: it closed more than {days} days ago.",
                                          90, number=f"№{request.id}", days=90))
        remaining = {r.id for r in await rows(harness, Outbox)}
        assert not remaining & {r.id for r in sent_before}  # every row delivered 91 days ago is gone
        assert await rows(harness, ProcessedUpdate) == []  # all from 91 days ago
        assert [f.update_id for f in await failed_updates(harness)] == [10**9 + 1]
        resident = (await rows(harness, Resident))[0]
        assert resident.name == "Пётр Ильич Самоваров"  # a resident's own details stay while they use the bot

        again = await bot_app.apply_retention(harness.app)
        assert set(again.values()) == {0}


async def test_details_in_flight_when_the_resident_erases_are_replaced(harness: Harness) -> None:
    """The details message was on its way (leased, Telegram slow to answer) when the resident erased
    their data: once it arrives, the bot edits it too."""
    worker = await join(harness, 5001, "Тарас")
    user = await register(harness, "uk", name=NAME, address=ADDRESS, phone=PHONE)
    await send_request(user, "uk", await supplies_to_summary(user, "uk", "хліб"))
    await harness.drain()
    (request,) = await requests_of(harness, user)
    harness.fake.delay_next("sendMessage", chat_id=5001, seconds=5)
    worker.settle_max = user.settle_max = 0.5  # do not wait for the slow answer
    await worker.press(f"№{request.id}", message=card_of(harness, request))
    assert harness.app is not None
    for _ in range(100):  # the sender has leased the details row and waits for Telegram's answer
        (row,) = [r for r in await rows(harness, Outbox) if r.purpose == "details"]
        if row.lease_owner:
            break
        await asyncio.sleep(0.05)
    assert row.status == OutboxStatus.PENDING and row.lease_owner
    await user.send_command("/delete")
    await user.press(catalog_text("uk", "Yes, delete my data"))
    assert next(r for r in await rows(harness, Outbox) if r.id == row.id).payload == {}  # erased while in flight
    for _ in range(200):  # Telegram answers; the delivery is recorded
        if next(r for r in await rows(harness, Outbox) if r.id == row.id).status == OutboxStatus.SENT:
            break
        await asyncio.sleep(0.05)
    await harness.drain()
    (details,) = [m for m in staff_messages(harness, 5001) if f"№{request.id}" in (m.text or "")]
    assert details.text == visible_text("zh", ERASED, number=f"№{request.id}")
    assert await database_hits(harness) == []
