"""FakeTelegram: the fake Bot API as an aiohttp server on 127.0.0.1, for a real aiogram Bot.

Routes: ``/bot{token}/{method}`` (GET or POST; query string, urlencoded or multipart form, or JSON
body) and ``/file/bot{token}/{file_path}`` for downloads. A wrong token is 401, an unknown method 404.
Each call passes, in order: an injected delay (delay_next), JSON decoding of object fields, an
injected failure (fail_next), the method lookup, flood control (enforce_limits) and the method itself;
the answer is {"ok": true, "result": ...} or Telegram's error body. Every call is recorded in
`calls` as (method, params, HTTP status) and counted in `stats` by method (and "429").
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any, Awaitable, Callable

from aiohttp import web

from sandbox.bot_api.chats import ChatModel
from sandbox.bot_api.errors import ApiError
from sandbox.bot_api.faults import FaultRule, injected_error, take_matching_rule
from sandbox.bot_api.limits import EDIT_METHODS, SEND_METHODS, FloodControl
from sandbox.bot_api.methods import BotApiMethods
from sandbox.bot_api.params import JSON_FIELDS, decode_json_field, peek_chat_id
from sandbox.bot_api.signals import Broadcast
from sandbox.bot_api.updates import UpdateDelivery

__all__ = ["FakeTelegram"]

MethodHandler = Callable[[dict[str, Any]], Awaitable[Any]]

#: Methods whose success counts as bot activity for settle() and expect() (lower-case names).
_ACTIVITY_METHODS = SEND_METHODS | EDIT_METHODS | {"deletemessage", "answercallbackquery"}
#: The Bot API methods served, by their Bot API names.
_METHOD_NAMES = (
    "getMe", "getUpdates", "deleteWebhook", "setWebhook", "getWebhookInfo", "setMyCommands", "deleteMyCommands",
    "getMyCommands", "sendMessage", "editMessageText", "editMessageReplyMarkup", "editMessageCaption",
    "deleteMessage", "answerCallbackQuery", "sendChatAction", "sendPhoto", "sendVoice", "getChat", "getChatMember",
    "forwardMessage", "copyMessage", "getFile", "close", "logOut", "sendMediaGroup", "sendDocument",
)


class FakeTelegram(UpdateDelivery, BotApiMethods, ChatModel):
    """In-process Telegram Bot API server with strict validation, fault injection and assertion state.

    The state and the methods live in the parts it is made of: ChatModel (chats.py: the world and the
    bot's messages), BotApiMethods (methods.py), UpdateDelivery (updates.py: getUpdates and webhook
    push). This class adds the HTTP server, the call pipeline, fault injection and flood control.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_id: int = 123456,
        bot_username: str = "doorstep_test_bot",
        *,
        bot_first_name: str = "Doorstep",
        record_calls: bool = True,
        strict_ampersand: bool = False,
    ) -> None:
        """Configure the fake; call start() to serve. record_calls=False keeps `calls` empty (long
        benchmarks); strict_ampersand makes a bare '&' in HTML an error."""
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_user: dict[str, Any] = {
            "id": bot_id, "is_bot": True, "first_name": bot_first_name, "username": bot_username,
        }
        self.record_calls = record_calls
        self.strict_ampersand = strict_ampersand
        #: Unix time for message dates; a test may replace it.
        self.clock: Callable[[], float] = time.time

        #: (method, params without uploads, HTTP status) of every call, in order.
        self.calls: list[tuple[str, dict[str, Any], int]] = []
        self.stats: Counter[str] = Counter()

        self._init_chat_model()
        self._init_methods()
        self._init_update_delivery()

        self._fail_rules: list[FaultRule] = []
        self._delay_rules: list[FaultRule] = []
        self._flood_control: FloodControl | None = None
        self._inflight = 0
        self._closing = False
        self._activity_signal: Broadcast | None = None
        self._runner: web.AppRunner | None = None
        self.base_url = ""

        self._methods: dict[str, MethodHandler] = {
            name.lower(): getattr(self, f"_api_{name}") for name in _METHOD_NAMES
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving on host (free port by default); return the base URL for TelegramAPIServer.from_base."""
        self._updates_signal = Broadcast()
        self._activity_signal = Broadcast()
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.base_url = f"http://{bound_host}:{bound_port}"
        return self.base_url

    async def stop(self) -> None:
        """Stop the server, releasing long polls and the webhook worker."""
        self._closing = True
        self._fire_updates()
        self._fire_activity()
        await self._stop_webhook_worker()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        """Start on enter."""
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop on exit."""
        await self.stop()

    # ------------------------------------------------------------------ faults and limits

    def fail_next(
        self,
        method: str | None = None,
        chat_id: int | None = None,
        *,
        status: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        count: int = 1,
        when: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Make the next `count` matching calls fail with `status` (429/500/502/403/400...); `when` picks
        calls by their decoded parameters (e.g. the reply to one message)."""
        self._fail_rules.append(FaultRule(method, chat_id, count, status, retry_after, description, when=when))

    def delay_next(
        self, method: str | None = None, chat_id: int | None = None, *, seconds: float, count: int = 1
    ) -> None:
        """Delay the response to the next `count` matching calls by `seconds`."""
        self._delay_rules.append(FaultRule(method, chat_id, count, seconds=seconds))

    def enforce_limits(
        self, global_per_sec: int = 30, per_private_chat_per_sec: int = 1, per_group_per_min: int = 20
    ) -> None:
        """Enable sliding-window flood limits for sends/edits (429 with retry_after when exceeded);
        the defaults are Telegram's (see limits.FloodControl)."""
        self._flood_control = FloodControl(global_per_sec, per_private_chat_per_sec, per_group_per_min)

    def disable_limits(self) -> None:
        """Turn flood limits off again."""
        self._flood_control = None

    @property
    def refused_by_window(self) -> dict[str, int]:
        """429s answered so far by the kind of window that was full ("global", "group", "private");
        empty while limits are off (limits.FloodControl.refused)."""
        return dict(self._flood_control.refused) if self._flood_control is not None else {}

    # ------------------------------------------------------------------ waiting for the bot

    async def settle(self, quiet: float = 0.15, max_wait: float = 5.0) -> None:
        """Wait until no bot request is in flight and no message activity happened for `quiet` seconds
        (at most `max_wait` seconds; returns either way)."""
        assert self._activity_signal is not None, "FakeTelegram not started"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while loop.time() < deadline:
            if await self._activity_signal.wait_quiet(min(quiet, max(deadline - loop.time(), 0.0))):
                if self._inflight == 0:
                    return

    async def wait_activity(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until predicate() holds, re-checking on every bot activity; return its final value."""
        assert self._activity_signal is not None, "FakeTelegram not started"
        return await self._activity_signal.wait_until(predicate, timeout)

    def _fire_activity(self) -> None:
        """Wake settle()/expect() waiters."""
        if self._activity_signal is not None:
            self._activity_signal.fire()

    # ------------------------------------------------------------------ HTTP

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        """Collect query, urlencoded/multipart form or JSON body into one dict (uploads under '__files__')."""
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                files: dict[str, bytes] = {}
                filenames: dict[str, str] = {}
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = value.file.read()
                        filenames[key] = value.filename
                    else:
                        params[key] = value
                if files:
                    params["__files__"] = files
                    params["__filenames__"] = filenames
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        """Route /bot{token}/{method}."""
        method = request.match_info["method"]
        try:
            params = await self._read_params(request)
        except Exception:  # noqa: BLE001 - malformed body
            params = {}
        if request.match_info["token"] != self.token:
            status, payload = 401, ApiError(401, "Unauthorized").payload()
            self._record(method, params, status)
            return web.json_response(payload, status=status)
        status, payload = await self._dispatch(method, params)
        return web.json_response(payload, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        """Serve /file/bot{token}/{path} for registered files."""
        content = self.file_contents.get(request.match_info["path"])
        if request.match_info["token"] != self.token or content is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(body=content)

    # ------------------------------------------------------------------ the call pipeline

    def _record(self, method: str, params: dict[str, Any], status: int) -> None:
        """Append to fake.calls."""
        if self.record_calls:
            self.calls.append((method, {k: v for k, v in params.items() if k not in ("__files__", "__filenames__")}, status))

    async def _dispatch(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Apply delays, injected failures, limits and the method handler; return (status, body)."""
        key = method.lower()
        tracked = key != "getupdates"
        if tracked:
            self._inflight += 1
            self._fire_activity()
        try:
            status, payload = await self._run_call(method, key, params)
        finally:
            if tracked:
                self._inflight -= 1
                self._fire_activity()
        self._record(method, params, status)
        return status, payload

    async def _run_call(self, method: str, key: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One call through delay, decoding, injected failure, method lookup, flood control and the
        method; the error of the first step that fails becomes the answer."""
        self.stats[method] += 1
        chat_id = peek_chat_id(params)
        delay = take_matching_rule(self._delay_rules, method, chat_id)
        if delay is not None:
            await asyncio.sleep(delay.seconds)
        try:
            for name in JSON_FIELDS & params.keys():
                params[name] = decode_json_field(name, params[name])
            failure = take_matching_rule(self._fail_rules, method, chat_id, params)
            if failure is not None:
                raise injected_error(failure)
            handler = self._methods.get(key)
            if handler is None:
                raise ApiError(404, "Not Found")
            if self._flood_control is not None and FloodControl.applies_to(key) and chat_id is not None:
                self._flood_control.check_and_count(key, chat_id, time.monotonic())
            result = await handler(params)
        except ApiError as e:
            if e.status == 429:
                self.stats["429"] += 1
            return e.status, e.payload()
        if key in _ACTIVITY_METHODS:
            self._fire_activity()
        return 200, {"ok": True, "result": result}
