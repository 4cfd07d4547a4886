"""Updates on their way to the bot: the queue, getUpdates long polling and webhook push.

An update is a Bot API Update dict with one kind besides update_id ("message", "callback_query",
"chat_member", ...). Like Telegram, an update kind the bot did not ask for is dropped: without
allowed_updates, "chat_member", "message_reaction" and "message_reaction_count" are not delivered.
An update counts as processed once the bot confirms it: a later getUpdates offset, or a 2xx answer to
its webhook POST.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from typing import Any, Awaitable, Callable

from aiohttp import ClientSession, ClientTimeout

from sandbox.bot_api.errors import ApiError, bad_request
from sandbox.bot_api.limits import GET_UPDATES_LIMIT_MAX, WEBHOOK_MAX_CONNECTIONS_DEFAULT, WEBHOOK_SECRET_PATTERN
from sandbox.bot_api.params import read_bool, read_int
from sandbox.bot_api.signals import Broadcast

__all__ = ["DEFAULT_EXCLUDED_UPDATES", "UpdateDelivery", "chat_key_of_update"]

#: Update kinds Telegram delivers only when allowed_updates lists them.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def chat_key_of_update(update: dict[str, Any]) -> Any:
    """The chat an update belongs to (Telegram sends one chat's webhook updates one at a time): the
    chat id, ("user", user id) for updates without a chat, or None."""
    for kind, body in update.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        chat = body.get("chat") or (body.get("message") or {}).get("chat")
        if isinstance(chat, dict):
            return chat.get("id")
        if isinstance(body.get("from"), dict):
            return ("user", body["from"].get("id"))
    return None


class UpdateDelivery:
    """The update queue and both ways of delivering it (a part of FakeTelegram)."""

    users: dict[int, dict[str, Any]]
    chat_members: dict[tuple[int, int], dict[str, Any]]
    clock: Callable[[], float]
    _closing: bool
    chat: Callable[[int], dict[str, Any]]
    _dispatch: Callable[[str, dict[str, Any]], Awaitable[tuple[int, dict[str, Any]]]]

    def _init_update_delivery(self) -> None:
        """Create the empty queue; webhook delivery is off."""
        self.dropped_updates: list[dict[str, Any]] = []
        #: The webhook as set by setWebhook (what getWebhookInfo reports).
        self.webhook: dict[str, Any] = {"url": "", "secret_token": None, "allowed_updates": None,
                                        "max_connections": WEBHOOK_MAX_CONNECTIONS_DEFAULT,
                                        "last_error_message": None}
        self._queue: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._confirmed = 0
        self._dropped_ids: set[int] = set()
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._webhook_target: tuple[str, str | None] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_wakeup = asyncio.Event()
        self._webhook_delivered: set[int] = set()
        self._updates_signal: Broadcast | None = None

    # ------------------------------------------------------------------ what tests push

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update (assigning update_id if missing), wake getUpdates, return its update_id."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        update_id = update["update_id"]
        kind = next((k for k in update if k != "update_id"), "")
        allowed = self._allowed_updates
        if (allowed and kind not in allowed) or (not allowed and kind in DEFAULT_EXCLUDED_UPDATES):
            self.dropped_updates.append(update)
            self._dropped_ids.add(update_id)
            self._fire_updates()
            return update_id
        self._queue.append(update)
        self._fire_updates()
        self._ensure_webhook_worker()
        return update_id

    def chat_member_update(
        self, chat_id: int, user_id: int, new_status: str = "left", old_status: str = "member", by: int | None = None
    ) -> int:
        """Push a chat_member update (someone left the group, or `by` removed them); returns its update_id.
        Like Telegram, the update is dropped unless the bot listed "chat_member" in allowed_updates."""
        user = self.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        actor = self.users.get(by, user) if by is not None else user

        def chat_member(status: str) -> dict[str, Any]:
            """A ChatMember object of `user` with status."""
            data: dict[str, Any] = {"status": status, "user": user}
            if status == "kicked":
                data["until_date"] = 0
            return data

        self.chat_members[(chat_id, user_id)] = {"status": new_status}
        return self.push_update({"chat_member": {
            "chat": self.chat(chat_id), "from": actor, "date": int(self.clock()),
            "old_chat_member": chat_member(old_status), "new_chat_member": chat_member(new_status),
        }})

    async def wait_processed(self, update_id: int, timeout: float = 10) -> None:
        """Wait until the bot confirmed update_id (next getUpdates offset, or webhook 2xx); TimeoutError otherwise."""
        assert self._updates_signal is not None, "FakeTelegram not started"
        ok = await self._updates_signal.wait_until(
            lambda: self._confirmed >= update_id or update_id in self._dropped_ids or update_id in self._webhook_delivered,
            timeout,
        )
        if not ok:
            raise TimeoutError(
                f"update {update_id} was not confirmed within {timeout}s (is the dispatcher polling with "
                f"handle_as_tasks=False, or is a handler stuck?); pending={[u['update_id'] for u in self._queue]}"
            )

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot."""
        return list(self._queue)

    def _fire_updates(self) -> None:
        """Wake getUpdates / wait_processed waiters."""
        if self._updates_signal is not None:
            self._updates_signal.fire()

    # ------------------------------------------------------------------ getUpdates

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates with offset/limit/timeout long polling (409 while a webhook is set, or when a newer
        getUpdates call takes over)."""
        assert self._updates_signal is not None
        if self.webhook["url"]:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
                                "to delete the webhook first")
        offset = read_int(params, "offset")
        limit = min(max(read_int(params, "limit", GET_UPDATES_LIMIT_MAX) or GET_UPDATES_LIMIT_MAX, 1),
                    GET_UPDATES_LIMIT_MAX)
        timeout = max(read_int(params, "timeout", 0) or 0, 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        if offset is not None:
            self._confirm_offset(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        if timeout and not self._queue:
            await self._updates_signal.wait_until(
                lambda: bool(self._queue) or self._closing or self._poll_generation != generation, timeout
            )
        if self._poll_generation != generation:
            raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot "
                                "instance is running")
        return list(self._queue)[:limit]

    def _confirm_offset(self, offset: int) -> None:
        """Apply a getUpdates offset: drop confirmed updates (a negative offset keeps the last -offset)."""
        if offset < 0:
            keep = -offset
            while len(self._queue) > keep:
                self._confirmed = max(self._confirmed, self._queue.popleft()["update_id"])
        else:
            while self._queue and self._queue[0]["update_id"] < offset:
                self._queue.popleft()
            self._confirmed = max(self._confirmed, offset - 1)
        self._fire_updates()

    def _drop_pending(self) -> None:
        """Discard all queued updates (marking them processed)."""
        while self._queue:
            update = self._queue.popleft()
            self._dropped_ids.add(update["update_id"])
        self._fire_updates()

    # ------------------------------------------------------------------ webhook settings

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        """deleteWebhook (optionally dropping pending updates)."""
        self.webhook.update(url="", secret_token=None)
        if read_bool(params, "drop_pending_updates"):
            self._drop_pending()
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        """setWebhook: https URL required; stores secret_token and allowed_updates."""
        url = params.get("url") or ""
        if not url:
            self.webhook.update(url="", secret_token=None)
            return True
        if not str(url).startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not WEBHOOK_SECRET_PATTERN.match(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        self.webhook.update(url=url, secret_token=secret, allowed_updates=allowed,
                            max_connections=read_int(params, "max_connections", WEBHOOK_MAX_CONNECTIONS_DEFAULT))
        if read_bool(params, "drop_pending_updates"):
            self._drop_pending()
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        """getWebhookInfo."""
        info: dict[str, Any] = {"url": self.webhook["url"], "has_custom_certificate": False,
                                "pending_update_count": len(self._queue)}
        if self.webhook["url"]:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["allowed_updates"] is not None:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        if self.webhook["last_error_message"]:
            info["last_error_date"] = int(self.clock())
            info["last_error_message"] = self.webhook["last_error_message"]
        return info

    # ------------------------------------------------------------------ webhook push

    def feed_webhook(self, url: str | None, secret_token: str | None = None) -> None:
        """Deliver updates by POSTing them to url (with X-Telegram-Bot-Api-Secret-Token); None returns to polling.

        The fake posts to any URL (plain http on 127.0.0.1 too); setWebhook only records the settings."""
        self._webhook_target = (url, secret_token) if url else None
        self._ensure_webhook_worker()

    def _ensure_webhook_worker(self) -> None:
        """Start the webhook delivery task when needed (or tell the running one there is more)."""
        self._webhook_wakeup.set()
        if self._webhook_target and self._queue and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_worker())

    async def _stop_webhook_worker(self) -> None:
        """Cancel the webhook delivery task (on stop)."""
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            try:
                await self._webhook_task
            except (asyncio.CancelledError, Exception):
                pass
            self._webhook_task = None

    async def _webhook_worker(self) -> None:
        """POST queued updates to the webhook target as Telegram does: updates of different chats at
        the same time (up to the webhook's max_connections), one chat's updates one at a time and in
        order (the next is sent once the last was answered 2xx); a failed delivery is retried and holds
        back only its own chat. Methods returned in a response body are executed."""
        busy: dict[Any, asyncio.Task[None]] = {}
        try:
            async with ClientSession(timeout=ClientTimeout(total=60)) as session:
                # The worker stays until webhook delivery is switched off: a worker that left when the
                # queue ran dry could miss an update pushed while it was closing its session.
                while not self._closing and self._webhook_target:
                    limit = max(1, int(self.webhook.get("max_connections") or WEBHOOK_MAX_CONNECTIONS_DEFAULT))
                    seen: set[Any] = set()
                    for update in list(self._queue):
                        if len(busy) >= limit:
                            break
                        chat = chat_key_of_update(update)
                        if chat in seen or chat in busy:
                            seen.add(chat)  # an earlier update of this chat is queued or in flight
                            continue
                        seen.add(chat)
                        busy[chat] = asyncio.create_task(self._deliver_webhook(session, update))
                    self._webhook_wakeup.clear()
                    waiter = asyncio.ensure_future(self._webhook_wakeup.wait())
                    done, _ = await asyncio.wait({waiter, *busy.values()}, return_when=asyncio.FIRST_COMPLETED)
                    waiter.cancel()
                    for chat, task in list(busy.items()):
                        if task.done():
                            del busy[chat]
                            task.result()
                # Back to polling (or stopped): what is in flight finishes, as a POST already sent would.
                await asyncio.gather(*busy.values())
                busy.clear()
        finally:
            for task in busy.values():
                task.cancel()
            await asyncio.gather(*busy.values(), return_exceptions=True)

    async def _deliver_webhook(self, session: ClientSession, update: dict[str, Any]) -> None:
        """One POST of one update; on success it leaves the queue, otherwise it stays for a retry
        (after 0.2 s, with getWebhookInfo's last_error_message set)."""
        assert self._updates_signal is not None and self._webhook_target is not None
        url, secret = self._webhook_target
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        try:
            async with session.post(url, json=update, headers=headers) as resp:
                status, body = resp.status, await resp.read()
        except Exception as e:  # noqa: BLE001 - any delivery failure is recorded and retried
            self.webhook["last_error_message"] = f"{type(e).__name__}: {e}"
            await self._updates_signal.wait_until(lambda: self._closing, 0.2)
            return
        if not 200 <= status < 300:
            self.webhook["last_error_message"] = f"Wrong response from the webhook: {status}"
            await self._updates_signal.wait_until(lambda: self._closing, 0.2)
            return
        with contextlib.suppress(ValueError):
            self._queue.remove(update)
        await self._execute_webhook_reply(body)
        self._webhook_delivered.add(update["update_id"])
        self._fire_updates()

    async def _execute_webhook_reply(self, body: bytes) -> None:
        """Run a method returned in a webhook response body (aiogram's reply-in-webhook)."""
        if not body:
            return
        try:
            data = json.loads(body)
        except ValueError:
            return
        if isinstance(data, dict) and isinstance(data.get("method"), str):
            method = data.pop("method")
            await self._dispatch(method, data)
