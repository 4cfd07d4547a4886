"""The per-update hot path: what was made cheaper must stay correct (bench/updates_throughput.py
measures how much cheaper)."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from aiogram.methods import Response, SendMessage
from aiogram.types import Message
from sqlalchemy import select

from bot.telegram import middlewares
from db.engine import asyncpg_of
from db.models import FsmState
from db.repo import fsm
from handlers import build_router, callables
from tests.conftest import BACKEND, Harness
from tests.helpers import (
    ITEMS_PROMPT,
    MENU,
    new_user,
    register,
    send_request,
    supplies_to_summary,
    catalog_text,
    visible_text,
)


def test_every_filter_and_handler_is_awaited_on_the_loop() -> None:
    """aiogram hands plain functions to a worker thread; after build_router none is left plain."""
    objects = list(callables(build_router()))
    assert len(objects) > 100
    plain = [obj.callback for obj in objects if not obj.awaitable]
    assert plain == []


async def test_a_conversation_uses_no_worker_thread(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Registration and the start of a request run without a single asyncio.to_thread hand-off."""
    handed_off: list[Any] = []
    real = asyncio.to_thread

    async def counting(function: Any, *args: Any, **kwargs: Any) -> Any:
        handed_off.append(function)
        return await real(function, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    user = await register(harness, "ru")
    await user.tap(catalog_text("ru", MENU["supplies"]))
    await user.expect(visible_text("ru", ITEMS_PROMPT))
    assert handed_off == []


async def test_sender_is_woken_only_after_updates_that_queued_messages(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reply-only update commits without waking the outbox sender; a sent request wakes it."""
    user = await register(harness, "zh")
    assert harness.app is not None
    wakes: list[int] = []
    ledger = next(m for m in harness.app.dp.update.outer_middleware if isinstance(m, middlewares.UpdateLedger))
    monkeypatch.setattr(ledger, "on_commit", lambda: wakes.append(1))
    await user.send_command("/help")
    assert wakes == []
    summary = await supplies_to_summary(user, "zh", "大米 1袋")
    await send_request(user, "zh", summary)
    assert wakes, "the request's staff card was queued but the sender was not woken"


async def test_response_models_survive_garbage_collection(harness: Harness) -> None:
    """The Response[Message] aiogram validates with is built once, not after every collection."""
    user = new_user(harness, "uk")
    await user.send_command("/start")
    pinned = middlewares._RESPONSE_MODELS[SendMessage]
    gc.collect()
    assert Response[Message] is pinned


async def test_conversation_state_is_written_once_at_commit(harness: Harness) -> None:
    """Changes wait in the session (read back with them on top) and one upsert writes them."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        assert await fsm.load(session, "k") is None
        fsm.save(session, "k", state="Intake:items")
        fsm.save(session, "k", data={"kind": "supplies"})
        assert await fsm.load(session, "k") == {"state": "Intake:items", "data": {"kind": "supplies"}}
        rows = (await session.execute(select(FsmState.key))).all()
        assert rows == []  # nothing written yet
        await fsm.flush(session)
        await session.commit()
    async with harness.app.sessions() as session:
        fsm.save(session, "k", data={"kind": "medicine"})  # only the data: the state stays
        await fsm.flush(session)
        await session.commit()
    async with harness.app.sessions() as session:
        assert await fsm.load(session, "k") == {"state": "Intake:items", "data": {"kind": "medicine"}}
        assert len((await session.execute(select(FsmState.key))).all()) == 1


@pytest.mark.skipif(BACKEND != "postgres", reason="asyncpg is PostgreSQL's driver")
async def test_asyncpg_is_used_only_inside_the_sessions_transaction(harness: Harness) -> None:
    """Before SQLAlchemy sends BEGIN there is no raw connection to use; after it, the one in the
    transaction (a rollback undoes what went through it)."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        assert await asyncpg_of(session) is None
        await session.execute(select(1))
        raw = await asyncpg_of(session)
        assert raw is not None
        await raw.execute("INSERT INTO fsmstate (key, state, data) VALUES ('rolled-back', NULL, '{}')")
        await session.rollback()
    async with harness.app.sessions() as session:
        assert (await session.execute(select(FsmState).where(FsmState.key == "rolled-back"))).first() is None


async def test_unchanged_state_is_not_rewritten_but_changed_nested_data_is(harness: Harness) -> None:
    """Re-setting what is stored writes nothing (on PostgreSQL: a change made meanwhile by another
    transaction survives); a list changed in place inside the data is still written."""
    assert harness.app is not None
    async with harness.app.sessions() as session:
        fsm.save(session, "k", state="Intake:items", data={"history": ["Intake:kind"]})
        await fsm.flush(session)
        await session.commit()
    async with harness.app.sessions() as session:
        row = await fsm.load(session, "k")
        assert row is not None
        if BACKEND == "postgres":  # SQLite would make the other writer wait for this transaction
            async with harness.app.sessions() as other:
                fsm.save(other, "k", state="Intake:urgency")
                await fsm.flush(other)
                await other.commit()
        fsm.save(session, "k", state="Intake:items", data=dict(row["data"]))  # what it read
        await fsm.flush(session)
        await session.commit()
    async with harness.app.sessions() as session:
        row = await fsm.load(session, "k")
        assert row is not None
        assert row["state"] == ("Intake:urgency" if BACKEND == "postgres" else "Intake:items")
        data = dict(row["data"])
        data["history"].append("Intake:items")  # in place, in the list the session's cache also holds
        fsm.save(session, "k", data=data)
        await fsm.flush(session)
        await session.commit()
    async with harness.app.sessions() as session:
        assert (await fsm.load(session, "k") or {})["data"] == {"history": ["Intake:kind", "Intake:items"]}


async def test_heap_frozen_at_start_and_once_more_when_warm(
    fake: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m bot` freezes what startup built, and once more after the first updates."""
    from bot import app as bot_app
    monkeypatch.setattr(bot_app, "WARM_AFTER_UPDATES", 3)
    counts: list[int] = []
    real_freeze = gc.freeze
    monkeypatch.setattr(gc, "freeze", lambda: counts.append(gc.get_freeze_count()) or real_freeze())
    harness = Harness(fake, settings)
    original = bot_app.create_app

    def frozen_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        app.freeze_heap = True
        return app

    monkeypatch.setattr("tests.conftest.create_app", frozen_app)
    try:
        await harness.start()
        assert len(counts) == 1
        user = new_user(harness, "ru")
        for _ in range(2):
            await user.send_command("/help")
        assert len(counts) == 1
        await user.send_command("/help")  # the third update
        await user.send_command("/help")
        assert len(counts) == 2
    finally:
        await harness.stop()
        gc.unfreeze()


def test_keyboard_builders_make_aiogram_s_markup_without_deep_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    """bot.ui.keyboards' builders give the same markup as aiogram's, and never deep-copy the buttons."""
    from aiogram.utils import keyboard as aiogram_keyboard

    from bot.ui import keyboards
    def build(inline: type, reply: type) -> list[dict[str, Any]]:
        kb = inline()
        for i in range(5):
            kb.button(text=f"b{i}", callback_data=f"st:x:{i}")
        kb.adjust(2, 1)
        kb.row(aiogram_keyboard.InlineKeyboardButton(text="back", callback_data="st:back:"))
        kb.add(aiogram_keyboard.InlineKeyboardButton(text="more", callback_data="st:more:"))
        menu = reply()
        for label in ("a", "b", "c"):
            menu.button(text=label)
        menu.adjust(2)
        return [kb.as_markup().model_dump(), menu.as_markup(resize_keyboard=True).model_dump()]

    expected = build(aiogram_keyboard.InlineKeyboardBuilder, aiogram_keyboard.ReplyKeyboardBuilder)

    def no_deepcopy(*_: Any) -> Any:
        raise AssertionError("a keyboard was deep-copied")

    monkeypatch.setattr(aiogram_keyboard, "deepcopy", no_deepcopy)
    assert build(keyboards.InlineKeyboardBuilder, keyboards.ReplyKeyboardBuilder) == expected
    districts = [(f"d{i}", f"District {i}") for i in range(6)]
    assert len(keyboards.choices(keyboards.DistrictCb, districts, columns=2, back=False).inline_keyboard) == 3


async def test_the_sender_resident_is_the_row_the_orm_would_load(harness: Harness) -> None:
    """residents.sender (one raw round trip on PostgreSQL) gives what an ORM query gives, attached to
    the session: a change to it is written at commit."""
    from db.repo import residents

    user = await register(harness, "uk")
    assert harness.app is not None
    async with harness.app.sessions() as session:
        expected = await residents.by_tg_user(session, user.user_id)
        assert expected is not None
        expected_columns = expected.model_dump()
    async with harness.app.sessions() as session:
        await session.execute(select(1))  # in a transaction, as under UpdateLedger
        resident = await residents.sender(session, user.user_id)
        assert resident is not None
        assert resident.model_dump() == expected_columns
        assert isinstance(resident.imported_checkin_times, list)
        assert resident in session
        resident.name = "Оксана Changed"
        await session.commit()
    async with harness.app.sessions() as session:
        reloaded = await residents.by_tg_user(session, user.user_id)
        assert reloaded is not None and reloaded.name == "Оксана Changed"
