"""The sandbox's web page and its API: the chats as JSON, actions as POSTs, changes as server-sent events.

GET  /                 the page (static/index.html, app.js, style.css)
GET  /api/world        people, chats, the clock, the tour
GET  /api/chat/{id}    one chat as a Telegram app shows it (sandbox.render)
GET  /api/events       server-sent events: `chat` (a changed chat), `clock`, `tour`, `world` (after a reset)
GET  /api/file?path=   a photo or voice file held by the embedded Bot API
POST /api/send, /api/press, /api/contact, /api/photo, /api/voice, /api/invite, /api/people, /api/clock, /api/reset

Every POST needs the header X-Sandbox: 1 (a cross-site form cannot send it), and with --password every
request needs HTTP basic auth.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox import tour
from sandbox.runtime import Sandbox
from sandbox.people import Person
from sandbox.render import chat_view

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
MAX_UPLOAD = 10 * 1024 * 1024
MAX_TEXT = 4096
SANDBOX_KEY: web.AppKey[Sandbox] = web.AppKey("sandbox", Sandbox)


class Hub:
    """Watches the embedded Telegram and tells every open page what changed."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.queues: set[asyncio.Queue[tuple[str, Any]]] = set()
        self.views: dict[int, str] = {}
        self.clock_text = ""
        self.tour_done: list[str] = []
        self.poked = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        """Something changed outside the bot's calls (a person's own message, the clock)."""
        self.poked.set()

    def publish(self, event: str, data: Any) -> None:
        """Send an event to every open page."""
        for queue in list(self.queues):
            if queue.qsize() < 1000:
                queue.put_nowait((event, data))

    def chats(self) -> list[int]:
        """Every chat of the world (groups first)."""
        world = self.sandbox.world
        if world is None:
            return []
        return [*world.groups, *world.people]

    def view(self, chat_id: int) -> dict[str, Any]:
        """A chat as the page shows it."""
        sandbox = self.sandbox
        assert sandbox.fake is not None and sandbox.world is not None and sandbox.settings is not None
        return chat_view(sandbox.fake, chat_id, sandbox.world.title(chat_id), sandbox.settings.tz)

    def clock(self) -> dict[str, str]:
        """The bot's time as the page shows it."""
        now = self.sandbox.now()
        return {"time": now.strftime("%Y-%m-%d %H:%M"), "weekday": now.strftime("%a"),
                "timezone": str(self.sandbox.settings.timezone if self.sandbox.settings else "")}

    def restarted(self) -> None:
        """A new world (start or reset): forget what the pages were told."""
        self.views.clear()
        self.tour_done = []
        self.publish("world", {"generation": self.sandbox.generation})
        self.poke()

    def scan(self) -> None:
        """Compare every chat and the clock with what the pages have; send the differences."""
        if self.sandbox.fake is None or self.sandbox.world is None:
            return
        for chat_id in self.chats():
            view = self.view(chat_id)
            text = json.dumps(view, ensure_ascii=False, sort_keys=True)
            if self.views.get(chat_id) != text:
                self.views[chat_id] = text
                self.publish("chat", view)
        clock_now = self.clock()
        if clock_now["time"] != self.clock_text:
            self.clock_text = clock_now["time"]
            self.publish("clock", clock_now)
        seen = set(self.tour_done) | set(tour.progress(self.sandbox.fake, self.sandbox.world))
        done = [step["key"] for step in tour.steps() if step["key"] in seen]  # once done, done (a card moves on)
        if done != self.tour_done:
            self.tour_done = done
            self.publish("tour", done)

    async def run(self) -> None:
        """Scan after every bot call (debounced) and every second."""
        while True:
            fake = self.sandbox.fake
            if fake is None:
                await asyncio.sleep(0.2)
                continue
            calls = [0]

            def fired() -> bool:
                calls[0] += 1
                return calls[0] > 1 or self.poked.is_set()

            try:
                await fake.wait_activity(fired, 1.0)
            except AssertionError:  # the fake stopped under us (a reset)
                await asyncio.sleep(0.2)
                continue
            self.poked.clear()
            await asyncio.sleep(0.05)  # let a burst of calls land
            try:
                self.scan()
            except Exception:  # a page must never stop the sandbox
                log.exception("sandbox page: scan failed")


HUB_KEY = web.AppKey("hub", Hub)


# ------------------------------------------------------------------ middleware


def auth_middleware(password: str | None) -> Any:
    """HTTP basic auth with `password` (any user name), when one is set; X-Sandbox on every POST."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        if password is not None and not authorized(request.headers.get("Authorization", ""), password):
            return web.Response(status=401, text="password required",
                                headers={"WWW-Authenticate": 'Basic realm="Doorstep sandbox", charset="UTF-8"'})
        if request.method == "POST" and request.headers.get("X-Sandbox") != "1":
            return web.json_response({"error": "missing X-Sandbox header"}, status=403)
        return await handler(request)

    return middleware


def authorized(header: str, password: str) -> bool:
    """Whether a Basic Authorization header carries the password."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given = decoded.partition(":")[2]
    return hmac.compare_digest(given.encode(), password.encode())


# ------------------------------------------------------------------ helpers


ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest, 403: web.HTTPForbidden, 404: web.HTTPNotFound, 409: web.HTTPConflict,
    503: web.HTTPServiceUnavailable, 504: web.HTTPGatewayTimeout,
}


def fail(status: int, message: str) -> web.HTTPException:
    """A JSON error the page shows."""
    return ERRORS[status](text=json.dumps({"error": message}, ensure_ascii=False), content_type="application/json")


def running(request: web.Request) -> Sandbox:
    """The sandbox, when its world is up (not in the middle of a reset)."""
    sandbox = request.app[SANDBOX_KEY]
    if sandbox.world is None or sandbox.fake is None:
        raise fail(503, "the sandbox is restarting")
    return sandbox


def speaker(sandbox: Sandbox, chat_id: Any, user_id: Any) -> tuple[int, Person]:
    """The chat and the person acting in it (who must be allowed to write there)."""
    assert sandbox.world is not None
    try:
        chat, person_id = int(chat_id), int(user_id)
    except (TypeError, ValueError):
        raise fail(400, "chat and as must be numbers") from None
    person = next((p for p in sandbox.world.speakers(chat) if p.user_id == person_id), None)
    if person is None:
        raise fail(400, "this person cannot write in this chat")
    return chat, person


async def body(request: web.Request) -> dict[str, Any]:
    """The JSON body."""
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise fail(400, "send JSON") from None
    if not isinstance(data, dict):
        raise fail(400, "send a JSON object")
    return data


async def act(request: web.Request, action: Any) -> web.Response:
    """Run a person's action against the bot and answer when the bot has handled it."""
    hub = request.app[HUB_KEY]
    try:
        result = await action
    except TimeoutError:
        raise fail(504, "the bot did not answer in time") from None
    except LookupError as exc:
        raise fail(409, str(exc)) from None
    hub.poke()
    return web.json_response({"ok": True, "answer": result})


# ------------------------------------------------------------------ handlers


async def index(request: web.Request) -> web.StreamResponse:
    """The page."""
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


async def world_info(request: web.Request) -> web.Response:
    """People, chats, clock and tour."""
    sandbox = running(request)
    world = sandbox.world
    assert world is not None
    hub = request.app[HUB_KEY]
    people = []
    for person in world.people.values():
        data = person.public()
        data["invite_link"] = world.invite_link(person)
        data["started"] = bool(sandbox.fake and sandbox.fake.user_messages.get(person.user_id))
        people.append(data)
    groups = [{"id": chat_id, "title": title, "members": [p.user_id for p in world.speakers(chat_id)]}
              for chat_id, title in world.groups.items()]
    return web.json_response({
        "generation": sandbox.generation, "bot": {"name": "Doorstep", "username": "doorstep_sandbox_bot"},
        "people": people, "groups": groups, "clock": hub.clock(), "tour": tour.steps(), "tour_done": hub.tour_done,
    })


async def chat(request: web.Request) -> web.Response:
    """One chat."""
    running(request)
    try:
        chat_id = int(request.match_info["chat_id"])
    except ValueError:
        raise fail(404, "no such chat") from None
    if chat_id not in request.app[HUB_KEY].chats():
        raise fail(404, "no such chat")
    return web.json_response(request.app[HUB_KEY].view(chat_id))


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events until the page goes away."""
    hub = request.app[HUB_KEY]
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    hub.queues.add(queue)
    try:
        await response.write(b"event: hello\ndata: {}\n\n")
        while True:
            try:
                event, data = await asyncio.wait_for(queue.get(), 15)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            payload = json.dumps(data, ensure_ascii=False)
            await response.write(f"event: {event}\ndata: {payload}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        hub.queues.discard(queue)
    return response


async def file(request: web.Request) -> web.Response:
    """A file the embedded Bot API holds (photos, voice notes)."""
    sandbox = running(request)
    assert sandbox.fake is not None
    path = request.query.get("path", "")
    content = sandbox.fake.file_contents.get(path)
    if content is None:
        raise fail(404, "no such file")
    kind = "audio/ogg" if path.startswith("voice/") else "image/jpeg" if path.startswith("photos/") else \
        "application/octet-stream"
    if content[:4] == b"\x89PNG":
        kind = "image/png"
    elif content[:4] == b"RIFF":
        kind = "audio/wav"
    elif content[:4] == b"\x1aE\xdf\xa3":
        kind = "audio/webm"
    return web.Response(body=content, content_type=kind, headers={"Cache-Control": "private, max-age=3600",
                                                                   "X-Content-Type-Options": "nosniff"})


async def send(request: web.Request) -> web.Response:
    """A person types and sends a text."""
    sandbox = running(request)
    data = await body(request)
    chat_id, person = speaker(sandbox, data.get("chat"), data.get("as"))
    text = str(data.get("text") or "").strip()
    if not text:
        raise fail(400, "nothing to send")
    if len(text) > MAX_TEXT:
        raise fail(400, f"a Telegram message has at most {MAX_TEXT} characters")
    assert sandbox.world is not None
    return await act(request, sandbox.world.telegram.send_text(person, chat_id, text))


async def press(request: web.Request) -> web.Response:
    """A person presses an inline button."""
    sandbox = running(request)
    data = await body(request)
    chat_id, person = speaker(sandbox, data.get("chat"), data.get("as"))
    try:
        message_id = int(data.get("message"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise fail(400, "message must be a number") from None
    assert sandbox.world is not None
    return await act(request, sandbox.world.telegram.press(person, chat_id, message_id, str(data.get("data", ""))))


async def contact(request: web.Request) -> web.Response:
    """A person shares their phone number."""
    sandbox = running(request)
    data = await body(request)
    chat_id, person = speaker(sandbox, data.get("chat"), data.get("as"))
    assert sandbox.world is not None
    return await act(request, sandbox.world.telegram.share_contact(person, chat_id))


async def upload(request: web.Request) -> tuple[Sandbox, int, Person, bytes, dict[str, str]]:
    """A multipart upload: chat, as, file and other fields."""
    sandbox = running(request)
    fields: dict[str, str] = {}
    content = b""
    reader = await request.multipart()
    async for part in reader:
        if part.name == "file":
            content = await part.read(decode=False)  # type: ignore[union-attr]
            if len(content) > MAX_UPLOAD:
                raise fail(400, "the file is larger than 10 MB")
        elif part.name:
            fields[part.name] = (await part.text())[:MAX_TEXT]  # type: ignore[union-attr]
    if not content:
        raise fail(400, "no file")
    chat_id, person = speaker(sandbox, fields.get("chat"), fields.get("as"))
    return sandbox, chat_id, person, bytes(content), fields


async def photo(request: web.Request) -> web.Response:
    """A person sends a photo from their computer."""
    sandbox, chat_id, person, content, fields = await upload(request)
    assert sandbox.world is not None
    caption = fields.get("caption", "").strip()[:1024] or None
    return await act(request, sandbox.world.telegram.send_photo(person, chat_id, content, caption))


async def voice(request: web.Request) -> web.Response:
    """A person sends a voice note (recorded in the page or an audio file)."""
    sandbox, chat_id, person, content, fields = await upload(request)
    assert sandbox.world is not None
    try:
        duration = max(1, min(3600, round(float(fields.get("duration") or 0))))
    except ValueError:
        duration = 1
    mime = fields.get("mime", "audio/ogg") or "audio/ogg"
    return await act(request, sandbox.world.telegram.send_voice(person, chat_id, content, duration, mime))


async def invite(request: web.Request) -> web.Response:
    """A resident opens the invite link from the register: /start CODE in their private chat."""
    sandbox = running(request)
    data = await body(request)
    assert sandbox.world is not None
    person = sandbox.world.people.get(int(data.get("as") or 0))
    if person is None or not person.invite:
        raise fail(400, "this person has no invite")
    return await act(request, sandbox.world.telegram.send_text(person, person.user_id, f"/start {person.invite}"))


async def add_person(request: web.Request) -> web.Response:
    """Someone new, with a name and a language (they register through the bot)."""
    sandbox = running(request)
    data = await body(request)
    name = str(data.get("name") or "").strip()[:64]
    language = str(data.get("language") or "")
    if not name:
        raise fail(400, "a name, please")
    if language not in ("zh", "ru", "uk"):
        raise fail(400, "language: zh, ru or uk")
    assert sandbox.world is not None
    person = sandbox.world.add_resident(name, language)
    request.app[HUB_KEY].poke()
    return web.json_response({"ok": True, "person": person.public()})


async def move_clock(request: web.Request) -> web.Response:
    """The clock panel."""
    sandbox = running(request)
    data = await body(request)
    step = str(data.get("step") or "")
    if step not in ("15m", "1h", "morning"):
        raise fail(400, "step: 15m, 1h or morning")
    await sandbox.advance(step)
    hub = request.app[HUB_KEY]
    hub.poke()
    return web.json_response({"ok": True, "clock": hub.clock()})


async def reset(request: web.Request) -> web.Response:
    """Start over."""
    sandbox = request.app[SANDBOX_KEY]
    await sandbox.reset()
    return web.json_response({"ok": True, "generation": sandbox.generation})


# ------------------------------------------------------------------ the app


def make_web_app(sandbox: Sandbox, password: str | None = None) -> web.Application:
    """The page and its API for a started sandbox."""
    app = web.Application(client_max_size=MAX_UPLOAD + 64 * 1024, middlewares=[auth_middleware(password)])
    hub = Hub(sandbox)
    app[SANDBOX_KEY] = sandbox
    app[HUB_KEY] = hub
    sandbox.on_start.append(hub.restarted)

    async def start_hub(app: web.Application) -> Any:
        hub.task = asyncio.create_task(hub.run(), name="sandbox-hub")
        yield
        hub.task.cancel()
        try:
            await hub.task
        except asyncio.CancelledError:
            pass
        sandbox.on_start.remove(hub.restarted)

    app.cleanup_ctx.append(start_hub)
    app.router.add_get("/", index)
    app.router.add_static("/static", STATIC)
    app.router.add_get("/api/world", world_info)
    app.router.add_get("/api/chat/{chat_id}", chat)
    app.router.add_get("/api/events", events)
    app.router.add_get("/api/file", file)
    for path, handler in (("send", send), ("press", press), ("contact", contact), ("photo", photo),
                          ("voice", voice), ("invite", invite), ("people", add_person), ("clock", move_clock),
                          ("reset", reset)):
        app.router.add_post(f"/api/{path}", handler)
    return app
