"""The sandbox (python -m bot sandbox): its command line and refusals, the rendering of chats, and its
HTTP API driving the real bot against the embedded Bot API (aiohttp test client)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from bot.__main__ import main as bot_main
from bot.core import clock
from bot.domain.phones import normalize_phone
from sandbox import tour
from sandbox.app import check_arguments, is_loopback, real_telegram_problem
from sandbox.bot_api import FakeTelegram
from sandbox.people import Telegram
from sandbox.render import entities_html
from sandbox.runtime import Sandbox, next_morning
from sandbox.web import authorized, make_web_app
from sandbox.world import EAST_GROUP, WEST_GROUP, State, World
from tests.helpers import ITEMS_PROMPT, catalog_text, visible_text

LIN, WANG, CHEN, LI = 1001, 5001, 9001, 5002
POST = {"X-Sandbox": "1"}
REAL_TOKEN = "123456789:AAEhBP0av28bkdl2R3a4xSrWgUqLnEC31-Q"


# ------------------------------------------------------------------ command line and refusals


def test_real_token_pointing_at_telegram_is_refused(tmp_path: Path) -> None:
    """A real token with Telegram's own API (environment or .env) stops the sandbox; a fake token, or a
    token pointed at another Bot API server, does not."""
    none = tmp_path / "missing.env"
    assert real_telegram_problem({"BOT_TOKEN": REAL_TOKEN}, none) is not None
    assert real_telegram_problem({"BOT_TOKEN": REAL_TOKEN, "TELEGRAM_API_URL": "https://api.telegram.org"}, none)
    assert real_telegram_problem({"BOT_TOKEN": REAL_TOKEN, "TELEGRAM_API_URL": "http://127.0.0.1:8081"}, none) is None
    assert real_telegram_problem({"BOT_TOKEN": "123456:TEST-TOKEN"}, none) is None
    assert real_telegram_problem({}, none) is None
    env = tmp_path / ".env"
    env.write_text(f"BOT_TOKEN={REAL_TOKEN}\nSTAFF_CHAT_ID=-100123\n", encoding="utf-8")
    assert "Refusing" in (real_telegram_problem({}, env) or "")


def test_command_line_refuses_real_token_and_open_host(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m bot sandbox` exits 2 with one line: with a real token, or on a public address without
    a password."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", REAL_TOKEN)
    monkeypatch.delenv("TELEGRAM_API_URL", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        bot_main(["sandbox", "--dir", str(tmp_path / "data")])
    assert exit_info.value.code == 2
    assert "Refusing to start the sandbox" in capsys.readouterr().err
    monkeypatch.delenv("BOT_TOKEN")
    with pytest.raises(SystemExit) as exit_info:
        bot_main(["sandbox", "--host", "0.0.0.0", "--dir", str(tmp_path / "data")])
    assert exit_info.value.code == 2
    assert "--password" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_host_checks() -> None:
    """Loopback needs nothing; anything else a password."""
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")

    class Args:
        port, host, password = 8470, "0.0.0.0", None

    assert check_arguments(Args()) is not None  # type: ignore[arg-type]
    Args.password = "secret"
    assert check_arguments(Args()) is None  # type: ignore[arg-type]


def test_basic_auth() -> None:
    """Any user name, the right password."""
    def header(user: str, password: str) -> str:
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    assert authorized(header("trainer", "s3cret"), "s3cret")
    assert authorized(header("", "s3cret"), "s3cret")
    assert not authorized(header("trainer", "wrong"), "s3cret")
    assert not authorized("Bearer s3cret", "s3cret")
    assert not authorized("Basic !!!", "s3cret")


def test_next_morning() -> None:
    """Today's 09:00 while it is ahead, else tomorrow's."""
    tz = ZoneInfo("Asia/Shanghai")
    assert next_morning(datetime(2026, 3, 2, 7, 30, tzinfo=tz)) == datetime(2026, 3, 2, 9, 0, tzinfo=tz)
    assert next_morning(datetime(2026, 3, 2, 9, 0, tzinfo=tz)) == datetime(2026, 3, 3, 9, 0, tzinfo=tz)
    assert next_morning(datetime(2026, 3, 2, 22, 5, tzinfo=tz)) == datetime(2026, 3, 3, 9, 0, tzinfo=tz)


# ------------------------------------------------------------------ rendering


def test_entities_render_as_safe_html() -> None:
    """Formatting comes from the entities only; every text is escaped; links only http(s)."""
    text = "Bold <script>alert(1)</script> 你好😀 link"
    entities = [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 31, "length": 4},  # 你好😀 is 4 UTF-16 units (the emoji is two)
        {"type": "text_link", "offset": 36, "length": 4, "url": "javascript:alert(1)"},
    ]
    rendered = entities_html(text, entities)
    assert rendered.startswith("<b>Bold</b>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered and "<script>" not in rendered
    assert "<i>你好😀</i>" in rendered
    assert "javascript" not in rendered
    linked = entities_html("see docs", [{"type": "text_link", "offset": 4, "length": 4,
                                         "url": 'https://example.org/"><x'}])
    assert linked == ('see <a href="https://example.org/&quot;&gt;&lt;x" target="_blank" '
                      'rel="noopener noreferrer">docs</a>')
    nested = entities_html("abcdef", [{"type": "bold", "offset": 0, "length": 6},
                                      {"type": "italic", "offset": 2, "length": 2}])
    assert nested == "<b>ab</b><b><i>cd</i></b><b>ef</b>"


def test_tour_recognises_catalogue_texts() -> None:
    """A tour step is seen in the catalogue's text with its placeholders filled, and not in another
    message that merely starts the same way."""
    parts = tour.pieces("✅ Request {number} is done. Did you receive everything? Please press a button; "
                        "you can also rate the help from 1 to 5 stars.")
    done = visible_text("zh", "✅ Request {number} is done. Did you receive everything? Please press a button; "
                              "you can also rate the help from 1 to 5 stars.", number="№3")
    claimed = visible_text("zh", "✅ Your request {number} has been accepted. Social worker {name} is handling it.",
                           number="№3", name="王芳")
    assert tour.shows(done, parts)
    assert not tour.shows(claimed, parts)


def test_tour_ticks_for_the_russian_and_ukrainian_personas() -> None:
    """A trainee who follows the tour in Russian as Николай Петрович (whose district is 抚琴街道) or in
    Ukrainian as Оксана sees the first steps ticked: they are seen in any resident's language and chat,
    and a referral to either station counts (they used to be looked for only in 林婆婆's chat and in
    下洋田社区's group, so the tour never ticked for the ru and uk personas)."""
    def said(*texts: str) -> list[SimpleNamespace]:
        return [SimpleNamespace(text=text, deleted=False) for text in texts]

    nikolai, oksana = 1002, 1003
    fake = SimpleNamespace(messages={
        nikolai: said(
            visible_text("ru", "✅ Your request {number} ({kind}) has been registered.\n"
                               "A social worker will take it soon and we will tell you at every step.\n"
                               "You can follow it under «📋 My requests».", number="№1", kind="Продукты"),
            visible_text("ru", "✅ Your request {number} has been accepted. Social worker {name} is handling it.",
                         number="№1", name="李强"),
        ),
        oksana: said(visible_text("uk", "✅ Request {number} is done. Did you receive everything? Please press a "
                                        "button; you can also rate the help from 1 to 5 stars.", number="№2")),
        EAST_GROUP: said(visible_text("zh", "↪️ Referred from {district} by {name}, {when}",
                                      district="抚琴街道", name="李强", when="11月30日 18:02")),
    })
    assert tour.progress(fake, None) == ["request", "claim", "done", "referral"]  # type: ignore[arg-type]
    assert tour.progress(SimpleNamespace(messages={}), None) == []  # type: ignore[arg-type]


# ------------------------------------------------------------------ the running sandbox over HTTP


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    """A started sandbox (bot, fake, seeded world) in a temporary folder."""
    box = Sandbox(tmp_path / "sandbox-data")
    await box.start()
    try:
        yield box
    finally:
        await box.stop()
        clock.reset()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[TestClient[Any, Any]]:
    """The page's HTTP API."""
    async with TestClient(TestServer(make_web_app(sandbox))) as test_client:
        yield test_client


async def post(client: TestClient[Any, Any], path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """POST JSON like the page does."""
    response = await client.post(path, json=body, headers=POST)
    data = await response.json()
    assert response.status == status, data
    return data


async def view(client: TestClient[Any, Any], chat_id: int) -> dict[str, Any]:
    """A chat as the page gets it."""
    response = await client.get(f"/api/chat/{chat_id}")
    assert response.status == 200
    return await response.json()


async def wait_for(client: TestClient[Any, Any], chat_id: int, needle: str, timeout: float = 15) -> dict[str, Any]:
    """The newest message of a chat that contains `needle` (in its rendered HTML or a button), once the
    bot has sent it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        messages = (await view(client, chat_id))["messages"]
        found = [m for m in messages
                 if needle in m["html"] or any(needle in b["text"] for row in m["buttons"] for b in row)]
        if found:
            return found[-1]
        assert loop.time() < deadline, f"no {needle!r} in chat {chat_id}: {[m['html'][:60] for m in messages[-4:]]}"
        await asyncio.sleep(0.1)


def button(message: dict[str, Any], label: str) -> str:
    """The callback data of a button of a rendered message."""
    for row in message["buttons"]:
        for item in row:
            if label in item["text"]:
                return item["data"]
    raise AssertionError(f"no button {label!r} in {[b['text'] for row in message['buttons'] for b in row]}")


async def press(client: TestClient[Any, Any], chat_id: int, person: int, message: dict[str, Any], label: str) -> Any:
    """Press an inline button in the page."""
    data = await post(client, "/api/press", {"chat": chat_id, "as": person, "message": message["id"],
                                             "data": button(message, label)})
    return data["answer"]


async def register_lin(client: TestClient[Any, Any]) -> None:
    """林婆婆 opens her invite link and agrees: registered from the register, check-ins at 09:00."""
    await post(client, "/api/invite", {"as": LIN})
    consent = await wait_for(client, LIN, catalog_text("zh", "✅ I agree"))
    assert (await view(client, LIN))["messages"][0]["html"] == '<span class="command">/start</span>'  # not the code
    await press(client, LIN, LIN, consent, catalog_text("zh", "✅ I agree"))
    await wait_for(client, LIN, visible_text("zh", "✅ You are registered. Whenever you need help, choose below."))


async def test_world_is_seeded(client: TestClient[Any, Any]) -> None:
    """Two stations with their staff joined through the bot, residents with invite links."""
    world = await (await client.get("/api/world")).json()
    people = {p["id"]: p for p in world["people"]}
    assert people[LIN]["name"] == "林婆婆" and people[LIN]["invite_link"].startswith("https://t.me/doorstep_sandbox_bot?start=")
    assert {p["language"] for p in people.values() if p["role"] == "resident"} == {"zh-hans", "ru", "uk"}
    assert sorted(p["role"] for p in people.values() if p["role"] != "resident") == ["coordinator", "worker", "worker"]
    assert {g["id"]: sorted(g["members"]) for g in world["groups"]} == {EAST_GROUP: [WANG, CHEN], WEST_GROUP: [LI]}
    welcome = await wait_for(client, EAST_GROUP, "王芳")
    assert "/join" not in welcome["html"]
    assert [step["key"] for step in world["tour"]] == ["request", "claim", "done", "escalation", "referral"]
    assert all(set(step["text"]) == {"zh", "ru", "uk"} for step in world["tour"])
    page = await client.get("/")
    assert page.status == 200 and "Doorstep" in await page.text()
    assert (await client.get("/static/app.js")).status == 200


async def test_posts_need_the_sandbox_header_and_a_speaker_of_the_chat(client: TestClient[Any, Any]) -> None:
    """A cross-site form cannot act (no X-Sandbox header); nobody writes in a chat that is not theirs."""
    response = await client.post("/api/send", json={"chat": LIN, "as": LIN, "text": "/start"})
    assert response.status == 403
    await post(client, "/api/send", {"chat": WEST_GROUP, "as": WANG, "text": "/open"}, status=400)
    await post(client, "/api/send", {"chat": LIN, "as": WANG, "text": "hi"}, status=400)
    await post(client, "/api/send", {"chat": LIN, "as": LIN, "text": "  "}, status=400)
    await post(client, "/api/clock", {"step": "1d"}, status=400)
    assert (await client.get("/api/chat/42")).status == 404


async def test_password(sandbox: Sandbox) -> None:
    """With --password every request needs it (HTTP basic auth)."""
    async with TestClient(TestServer(make_web_app(sandbox, password="s3cret"))) as locked:
        response = await locked.get("/api/world")
        assert response.status == 401 and "Basic" in response.headers["WWW-Authenticate"]
        assert (await locked.get("/")).status == 401
        auth = {"Authorization": "Basic " + base64.b64encode(b"trainer:s3cret").decode()}
        assert (await locked.get("/api/world", headers=auth)).status == 200


async def test_request_claimed_and_told_with_events(client: TestClient[Any, Any]) -> None:
    """林婆婆 files 2斤青菜 in the page, 王芳 claims the card in the staff column, 林婆婆 is told;
    the page hears of each change by server-sent events; the tour ticks its first steps."""
    events = await client.get("/api/events")
    assert events.headers["Content-Type"] == "text/event-stream"
    await register_lin(client)
    await post(client, "/api/send", {"chat": LIN, "as": LIN, "text": catalog_text("zh", "🛒 Food and supplies")})
    await wait_for(client, LIN, visible_text("zh", ITEMS_PROMPT).split("\n")[0])
    await post(client, "/api/send", {"chat": LIN, "as": LIN, "text": "2斤青菜"})
    review = await wait_for(client, LIN, catalog_text("zh", "✅ Yes, that's right"))
    await press(client, LIN, LIN, review, catalog_text("zh", "✅ Yes, that's right"))
    urgency = await wait_for(client, LIN, visible_text("zh", "How urgent is it?"))
    await press(client, LIN, LIN, urgency, catalog_text("zh", "Within 1–2 days"))
    address = await wait_for(client, LIN, visible_text("zh", "Where should the help come?"))
    await press(client, LIN, LIN, address, "📍")
    handover = await wait_for(client, LIN, visible_text("zh", "How should the social worker hand it over?"))
    await press(client, LIN, LIN, handover, "🚪")
    summary = await wait_for(client, LIN, catalog_text("zh", "✅ Send the request"))
    await press(client, LIN, LIN, summary, catalog_text("zh", "✅ Send the request"))
    card = await wait_for(client, EAST_GROUP, "青菜")
    await press(client, EAST_GROUP, WANG, card, "№")
    told = await wait_for(client, LIN, "已接单")
    assert "王芳" in told["html"]
    edited = await wait_for(client, EAST_GROUP, "已接单")
    assert edited["id"] == card["id"] and edited["edited"]  # the card is edited in place

    seen: list[dict[str, Any]] = []
    while not any(e.get("id") == LIN and any("已接单" in m["html"] for m in e["messages"]) for e in seen):
        line = await asyncio.wait_for(events.content.readline(), 15)
        if line.startswith(b"data: {") and b'"messages"' in line:
            seen.append(json.loads(line[6:]))
    events.close()
    world = await (await client.get("/api/world")).json()
    assert world["tour_done"][:2] == ["request", "claim"] and "done" not in world["tour_done"]

    # 王芳 refers it to the other station: its card appears there; the tour keeps its ticks
    await press(client, EAST_GROUP, WANG, edited, catalog_text("zh", "➡️ Transfer"))
    picker = await wait_for(client, EAST_GROUP, "抚琴街道")
    await press(client, EAST_GROUP, WANG, picker, "抚琴街道")
    reasons = await wait_for(client, EAST_GROUP, catalog_text("zh", "Lives in their area"))
    await press(client, EAST_GROUP, WANG, reasons, catalog_text("zh", "Lives in their area"))
    moved = await wait_for(client, WEST_GROUP, "青菜")
    assert "王芳" in moved["html"] and button(moved, "№")
    for _ in range(50):
        world = await (await client.get("/api/world")).json()
        if "referral" in world["tour_done"]:
            break
        await asyncio.sleep(0.1)
    assert world["tour_done"] == ["request", "claim", "referral"]


async def test_clock_brings_checkin_and_escalation(client: TestClient[Any, Any], sandbox: Sandbox) -> None:
    """Next morning 09:00 sends 林婆婆 her check-in; two hours without an answer bring the reminder
    and the escalation card in the staff group."""
    await register_lin(client)
    before = clock.now()
    data = await post(client, "/api/clock", {"step": "morning"})
    assert data["clock"]["time"].endswith("09:00")
    assert clock.now() - before > timedelta(0)
    checkin = await wait_for(client, LIN, visible_text("zh", "☀️ Good day, {name}! Are you OK today?", name="林婆婆"))
    assert len(checkin["buttons"]) == 3
    await post(client, "/api/clock", {"step": "1h"})
    await post(client, "/api/clock", {"step": "1h"})
    card = await wait_for(client, EAST_GROUP, visible_text("zh", "No answer to the daily check-in, not even after a reminder."))
    assert "林**" in card["html"]  # the short name on a card
    for _ in range(50):
        if "escalation" in (await (await client.get("/api/world")).json())["tour_done"]:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the tour did not tick the escalation")


async def test_photo_contact_and_new_person(client: TestClient[Any, Any]) -> None:
    """A person added in the page registers through the bot, sharing the contact by the keyboard; a
    photo from the computer reaches the chat and its file is served back."""
    added = (await post(client, "/api/people", {"name": "Марія", "language": "uk"}))["person"]
    await post(client, "/api/send", {"chat": added["id"], "as": added["id"], "text": "/start"})
    consent = await wait_for(client, added["id"], catalog_text("uk", "✅ I agree"))
    await press(client, added["id"], added["id"], consent, catalog_text("uk", "✅ I agree"))
    await wait_for(client, added["id"], visible_text("uk", "What is your name? You can press the button below to use your Telegram name."))
    await post(client, "/api/send", {"chat": added["id"], "as": added["id"], "text": "Марія"})
    chat = await view(client, added["id"])
    for _ in range(100):
        if chat["keyboard"] and any(b["contact"] for row in chat["keyboard"] for b in row):
            break
        await asyncio.sleep(0.1)
        chat = await view(client, added["id"])
    else:
        raise AssertionError(f"no contact button: {chat['keyboard']}")
    await post(client, "/api/contact", {"chat": added["id"], "as": added["id"]})
    await wait_for(client, added["id"], visible_text("uk", "Your home address (street, building, flat), where help should come."))
    shared = [m for m in (await view(client, added["id"]))["messages"] if "contact" in m]
    assert shared and shared[0]["contact"]["phone"] == added["phone"]

    form = FormData()
    form.add_field("chat", str(LIN))
    form.add_field("as", str(LIN))
    form.add_field("file", b"\x89PNG\r\n\x1a\nfake-image", filename="box.png", content_type="image/png")
    response = await client.post("/api/photo", data=form, headers=POST)
    assert response.status == 200, await response.text()
    photo = next(m for m in (await view(client, LIN))["messages"] if m.get("photo"))
    served = await client.get(photo["photo"])
    assert served.status == 200 and served.content_type == "image/png"
    assert await served.read() == b"\x89PNG\r\n\x1a\nfake-image"

    form = FormData()
    for name, value in (("chat", str(LIN)), ("as", str(LIN)), ("duration", "4.4"), ("mime", "audio/webm")):
        form.add_field(name, value)
    form.add_field("file", b"\x1aE\xdf\xa3fake-voice", filename="voice", content_type="audio/webm")
    response = await client.post("/api/voice", data=form, headers=POST)
    assert response.status == 200, await response.text()
    voice = next(m for m in (await view(client, LIN))["messages"] if m.get("voice"))
    played = await client.get(voice["voice"])
    assert played.status == 200 and played.content_type == "audio/webm"


async def test_reset_starts_over(client: TestClient[Any, Any], sandbox: Sandbox) -> None:
    """Reset: a new database and world, the clock back to now, the residents' chats empty again."""
    await register_lin(client)
    await post(client, "/api/clock", {"step": "1h"})
    generation = sandbox.generation
    data = await post(client, "/api/reset", {})
    assert data["generation"] == generation + 1
    assert abs((clock.now() - datetime.now(clock.now().tzinfo)).total_seconds()) < 60
    assert (await view(client, LIN))["messages"] == []
    await post(client, "/api/invite", {"as": LIN})
    await wait_for(client, LIN, catalog_text("zh", "✅ I agree"))


async def test_restart_keeps_the_world(tmp_path: Path) -> None:
    """Stopped and started again on the same folder: the database and the people stay, the update ids
    go on (the bot would drop a repeated one as a duplicate), the clock keeps its lead."""
    box = Sandbox(tmp_path / "data")
    await box.start()
    try:
        assert box.world is not None
        lin = box.world.people[LIN]
        await box.world.telegram.send_text(lin, LIN, f"/start {lin.invite}")
        await box.advance("1h")
        next_update = box.world.telegram.next_update_id
        lead = clock.now() - datetime.now(clock.now().tzinfo)
    finally:
        await box.stop()
    assert abs((clock.now() - datetime.now(clock.now().tzinfo)).total_seconds()) < 5
    again = Sandbox(tmp_path / "data")
    await again.start()
    try:
        assert again.world is not None and again.world.telegram.next_update_id == next_update
        assert again.world.people[LIN].invite == lin.invite
        assert abs((clock.now() - datetime.now(clock.now().tzinfo)) - lead) < timedelta(seconds=5)
        await again.world.telegram.send_text(again.world.people[LIN], LIN, "/start")
        assert again.fake is not None
        await again.fake.wait_activity(lambda: bool(again.fake and again.fake.messages.get(LIN)), 10)
        assert again.fake.messages.get(LIN), "the bot ignored the first update after the restart"
        assert again.fake.messages[LIN][0].message_id > 2  # message ids go on too
    finally:
        await again.stop()
        clock.reset()


def test_people_added_in_the_page_have_valid_phones(tmp_path: Path) -> None:
    """Someone added with a name and a language gets a mobile number the bot accepts (shared by the
    keyboard's contact button), and is remembered for the next start."""
    world = World(Telegram(FakeTelegram()), State(tmp_path / "sandbox.json"))
    world.restore()
    added = [world.add_resident(name, language) for name, language in (("小明", "zh"), ("Иван", "ru"), ("Петро", "uk"))]
    for person in added:
        assert normalize_phone(person.phone, "CN") == person.phone, person
    assert len({p.user_id for p in added}) == 3
    again = World(Telegram(FakeTelegram()), State.load(tmp_path / "sandbox.json"))
    again.restore()
    assert {p.user_id for p in added} <= set(again.people)
    clock.reset()


async def test_an_invisible_message_is_empty(client: TestClient[Any, Any]) -> None:
    """A message of only a zero-width space (it gets past the page and Telegram, which do not count it as
    blank) is told to be empty at the list question, instead of becoming an invisible item «1.» of the
    request a social worker would be sent to buy."""
    await register_lin(client)
    await post(client, "/api/send", {"chat": LIN, "as": LIN, "text": catalog_text("zh", "🛒 Food and supplies")})
    await wait_for(client, LIN, visible_text("zh", ITEMS_PROMPT).split("\n")[0])
    await post(client, "/api/send", {"chat": LIN, "as": LIN, "text": "\u200b\u2060"})
    await wait_for(client, LIN, visible_text("zh", "The message is empty. Please write your answer."))
