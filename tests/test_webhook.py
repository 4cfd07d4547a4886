"""Webhook mode end to end: the fake Bot API POSTs updates; each is handled before it is answered."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from sqlmodel import select

from bot import app as bot_app
from bot.core import clock
from bot.services import requests as requests_service
from bot.ui.states import Intake
from db.engine import make_engine, make_sessionmaker
from db.models import ProcessedUpdate, Request
from db.repo import metrics as metrics_repo
from sandbox.bot_api import FakeTelegram
from tests.conftest import BACKEND, STAFF_CHAT, TOKEN, running
from tests.helpers import (
    ITEMS_PROMPT,
    MENU,
    REVIEW_PROMPT,
    all_requests,
    assert_nothing_more,
    button_data,
    callback_query,
    confirmation,
    failed_updates,
    fsm_of,
    head,
    items_of,
    new_user,
    register,
    catalog_text,
    take_card,
    text_message,
    to_summary,
    visible_text,
)
from tests.webhook_support import SECRET, WebhookHarness

ROOT = Path(__file__).resolve().parent.parent


async def processed_ids(h: WebhookHarness) -> set[int]:
    """Update ids the ledger committed."""
    assert h.app is not None
    async with h.app.sessions() as session:
        return set((await session.exec(select(ProcessedUpdate.update_id))).all())


async def test_conversation_in_webhook_mode(webhook: WebhookHarness) -> None:
    """Registration and a supplies request work the same when Telegram posts the updates."""
    user = await register(webhook, "zh")
    summary = await to_summary(user, "zh", "supplies", "大米 1袋")
    await user.press(catalog_text("zh", "✅ Send the request"), message=summary)
    stored = await all_requests(webhook)
    assert len(stored) == 1
    await confirmation(webhook, user, "zh", stored[0])
    assert webhook.fake.webhook["last_error_message"] is None  # every delivery was answered 2xx
    assert user.last_update_id in await processed_ids(webhook)


async def test_wrong_or_missing_secret_is_401_and_changes_nothing(webhook: WebhookHarness) -> None:
    """Only Telegram (which knows the secret) may post updates."""
    user = webhook.user()
    update = {"update_id": 777, "message": text_message(user, "/start")}
    mark = webhook.fake.mark()
    async with ClientSession() as http:
        for headers in ({"X-Telegram-Bot-Api-Secret-Token": "wrong-secret-0123456789"}, {}):
            async with http.post(webhook.url, json=update, headers=headers) as resp:
                assert resp.status == 401
    await webhook.fake.settle(0.2, 2)
    assert webhook.fake.changes_since(mark) == []
    assert 777 not in await processed_ids(webhook)
    assert await fsm_of(webhook, user) == (None, {})


async def test_handler_failure_is_500_and_telegram_retry_processes_once(
    webhook: WebhookHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failing handler answers 500; Telegram delivers again; the retry files the request exactly once."""
    user = await register(webhook, "zh")
    summary = await to_summary(user, "zh", "supplies", "2斤青菜、2斤肉")
    real_submit = requests_service.submit
    calls = {"n": 0}

    async def flaky_submit(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return await real_submit(*args, **kwargs)

    monkeypatch.setattr(requests_service, "submit", flaky_submit)
    assert webhook.app is not None and webhook.app.scheduler is not None
    webhook.app.scheduler.pause()  # the test drives the retry tick itself

    query = callback_query(user, summary, button_data(summary, catalog_text("zh", "✅ Send the request")))
    update_id = webhook.fake.push_update({"callback_query": query})
    await webhook.fake.wait_processed(update_id)
    assert webhook.fake.webhook["last_error_message"] == "Wrong response from the webhook: 500"
    assert calls["n"] == 2  # failed once, then Telegram's redelivery went through
    stored = await all_requests(webhook)
    assert len(stored) == 1
    assert await items_of(webhook, stored[0].id or 0) == [("青菜", "2斤"), ("肉", "2斤")]
    assert [f.update_id for f in await failed_updates(webhook)] == [update_id]

    # The retry tick finds the kept failure already handled: it drops it instead of retrying forever.
    clock.advance(timedelta(seconds=11))
    await bot_app.retry_failed_updates(webhook.app)
    assert await failed_updates(webhook) == []
    assert calls["n"] == 2 and len(await all_requests(webhook)) == 1
    await confirmation(webhook, user, "zh", stored[0])
    take_card(webhook, f"№{stored[0].id}")
    await assert_nothing_more(webhook, user, STAFF_CHAT)  # one confirmation, one card


async def test_repeated_update_id_has_no_second_effect(webhook: WebhookHarness) -> None:
    """Telegram resending an update that was committed changes nothing."""
    user = await register(webhook, "zh")
    await user.tap(catalog_text("zh", MENU["supplies"]))
    await user.expect(visible_text("zh", ITEMS_PROMPT))
    update = {"update_id": 5000, "message": text_message(user, "大米 1袋")}
    mark = webhook.fake.mark()
    webhook.fake.push_update(dict(update))
    await webhook.fake.wait_processed(5000)
    async with ClientSession() as http:  # the same update again, as a redelivery would post it
        async with http.post(webhook.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
            assert resp.status == 200
    await webhook.fake.settle(0.1, 3)
    replies = [m.text for m in webhook.fake.changes_since(mark, user.chat_id)]
    assert len(replies) == 1 and replies[0].startswith(head("zh", REVIEW_PROMPT)), replies
    state, data = await fsm_of(webhook, user)
    assert state == Intake.items_review.state and data["history"] == [Intake.items.state]


async def test_one_chat_s_updates_are_handled_one_after_the_other(webhook: WebhookHarness) -> None:
    """Telegram may POST a chat's next update while the one before is still being handled (and, with
    several instances, to another process). The second waits for the first to commit, so it sees the
    conversation where the first left it: the second text, typed while the review of the list was on its
    way, meets the review step, where a text seconds after the list is the rest of it (joined, issue #10),
    rather than meeting the list step and replacing the list."""
    user = await register(webhook, "zh")
    await user.tap(catalog_text("zh", MENU["supplies"]))
    await user.expect(visible_text("zh", ITEMS_PROMPT))
    mark = webhook.fake.mark()
    webhook.fake.delay_next("sendMessage", user.chat_id, seconds=0.8)  # the first update's reply is slow
    first = {"update_id": 7001, "message": text_message(user, "大米 1袋")}
    second = {"update_id": 7002, "message": text_message(user, "牛奶 2瓶")}
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with ClientSession() as http:

        async def post(update: dict[str, Any], after: float) -> int:
            await asyncio.sleep(after)
            async with http.post(webhook.url, json=update, headers=headers) as resp:
                return resp.status

        assert await asyncio.gather(post(first, 0), post(second, 0.2)) == [200, 200]
    await webhook.fake.settle(0.1, 3)
    replies = [m.text or "" for m in webhook.fake.changes_since(mark, user.chat_id)]
    reviews = [r for r in replies if r.startswith(head("zh", REVIEW_PROMPT))]
    assert len(reviews) == 2, replies
    assert "大米" in reviews[0] and "牛奶" not in reviews[0], replies  # the first, alone
    assert "大米" in reviews[1] and "牛奶" in reviews[1], replies  # then the second joined to it
    state, data = await fsm_of(webhook, user)
    assert state == Intake.items_review.state
    assert data["draft"]["items"] == [["大米", "1袋"], ["牛奶", "2瓶"]]


async def test_webhook_handles_no_more_updates_at_once_than_configured(
    fake: FakeTelegram, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram opens up to 40 connections; beyond POLLING_CONCURRENCY the requests wait their turn
    (each would otherwise take a database connection beyond the pool's). SQLite: one at a time."""
    from bot.telegram.middlewares import UpdateLedger

    running_now, most = 0, 0
    real_handle = UpdateLedger.handle

    async def counted(self: UpdateLedger, *args: Any) -> Any:
        nonlocal running_now, most
        running_now += 1
        most = max(most, running_now)
        try:
            await asyncio.sleep(0.05)  # long enough for the others to arrive meanwhile
            return await real_handle(self, *args)
        finally:
            running_now -= 1

    monkeypatch.setattr(UpdateLedger, "handle", counted)
    async with running(WebhookHarness(fake, settings.model_copy(update={"polling_concurrency": 3}))) as h:
        users = [new_user(h, "ru") for _ in range(12)]
        ids = [h.fake.push_update({"message": text_message(user, "/start")}) for user in users]
        for update_id in ids:
            await h.fake.wait_processed(update_id, timeout=30)
        assert await processed_ids(h) >= set(ids)
    assert most == (1 if BACKEND != "postgres" else 3)


async def test_healthz(webhook: WebhookHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """200 while the database answers, 503 when it does not."""
    async with ClientSession() as http:
        async with http.get(webhook.base_url + "/healthz") as resp:
            assert resp.status == 200
            assert await resp.json() == {"status": "ok"}

        async def broken(session: Any) -> None:
            raise ConnectionRefusedError("database down")

        monkeypatch.setattr(metrics_repo, "ping", broken)
        async with http.get(webhook.base_url + "/healthz") as resp:
            assert resp.status == 503
            assert (await resp.json())["status"] == "unavailable"


async def test_graceful_shutdown_finishes_the_update_in_flight(
    webhook: WebhookHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shutdown signal during a slow update: the update completes and commits, then the sender stops."""
    user = await register(webhook, "zh")
    summary = await to_summary(user, "zh", "supplies", "牛奶 2盒")
    real_submit = requests_service.submit
    entered = asyncio.Event()

    async def slow_submit(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        await asyncio.sleep(1.0)
        return await real_submit(*args, **kwargs)

    monkeypatch.setattr(requests_service, "submit", slow_submit)
    app, task = webhook.app, webhook.task
    assert app is not None and task is not None
    sender_task = app.tasks[0]
    query = callback_query(user, summary, button_data(summary, catalog_text("zh", "✅ Send the request")))
    update_id = webhook.fake.push_update({"callback_query": query})
    await asyncio.wait_for(entered.wait(), 10)

    webhook.shutdown.set()  # what SIGTERM does
    await asyncio.sleep(0.2)
    async with ClientSession() as http:  # no longer accepting
        with pytest.raises(OSError):
            await http.get(webhook.base_url + "/healthz")
    await asyncio.wait_for(task, 30)

    assert webhook.fake.webhook["last_error_message"] is None  # the in-flight update was answered 200
    await webhook.fake.wait_processed(update_id, timeout=1)
    assert sender_task.done() and app.tasks == [] and app.scheduler is None
    engine = make_engine(webhook.settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            stored = (await session.exec(select(Request))).all()
            assert len(stored) == 1
            assert await session.get(ProcessedUpdate, update_id) is not None
    finally:
        await engine.dispose()
    webhook.app, webhook.task = None, None

    await webhook.start()  # after a restart the confirmation (kept in the outbox) goes out
    await confirmation(webhook, user, "zh", stored[0])


def cli_env(fake: FakeTelegram, database_url: str, secret: str | None = SECRET) -> dict[str, str]:
    """The environment of `python -m bot` pointing at the fake."""
    env = {
        "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.base_url,
        "DATABASE_URL": database_url, "STAFF_CHAT_ID": "-100", "DISTRICTS": '[{"code": "a", "name": "A"}]',
    }
    if secret:
        env["WEBHOOK_SECRET"] = secret
    return env


async def cli(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run `python -m bot ARGS` without blocking the fake's event loop."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_webhook_set_and_delete(fake: FakeTelegram, database_url: str, tmp_path: Path) -> None:
    """`webhook set URL` registers the https URL with the secret and the used update types; `delete` removes it."""
    env = cli_env(fake, database_url)
    url = "https://bot.example.org/telegram/webhook"
    code, out, err = await cli(["webhook", "set", url], env, tmp_path)
    assert code == 0, err
    assert fake.webhook["url"] == url and fake.webhook["secret_token"] == SECRET
    allowed = fake.webhook["allowed_updates"]
    assert "message" in allowed and "callback_query" in allowed
    assert url in out

    code, out, err = await cli(["webhook", "set", "http://bot.example.org/hook"], env, tmp_path)
    assert code == 1 and "HTTPS" in err and "Traceback" not in err
    assert fake.webhook["url"] == url

    code, out, err = await cli(["webhook", "delete"], env, tmp_path)
    assert code == 0, err
    assert fake.webhook["url"] == ""


async def test_webhook_without_secret_is_one_clear_line(fake: FakeTelegram, database_url: str, tmp_path: Path) -> None:
    """Webhook mode refuses to start without WEBHOOK_SECRET: one line, exit code 2, nothing served."""
    env = cli_env(fake, database_url, secret=None)
    for args in (["webhook"], ["webhook", "set", "https://bot.example.org/hook"]):
        code, _, err = await cli(args, env, tmp_path)
        assert code == 2
        assert err.strip().splitlines() == [
            "Configuration error: WEBHOOK_SECRET: required for webhook mode (see .env.example)"
        ]
    code, _, err = await cli(["webhook"], {**env, "WEBHOOK_SECRET": "short"}, tmp_path)
    assert code == 2 and err.strip().startswith("Configuration error: WEBHOOK_SECRET:") and "\n" not in err.strip()
    assert fake.webhook["url"] == ""
