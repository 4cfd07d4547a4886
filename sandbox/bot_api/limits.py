"""Telegram's limits as the fake enforces them: sizes of texts, keyboards and commands, and flood control.

Sizes are checked on every call and fail with Telegram's own 400 descriptions. Flood control is off
until FakeTelegram.enforce_limits() turns it on; then sends and edits beyond a sliding window are
answered with 429 "Too Many Requests: retry after N" and ResponseParameters.retry_after = N (whole
seconds, at least 1), which is what a client must wait before trying again.
"""

from __future__ import annotations

import math
import re
from collections import deque
from typing import Any

from sandbox.bot_api.errors import ApiError

__all__ = [
    "BOT_COMMANDS_MAX",
    "BOT_COMMAND_DESCRIPTION_MAX",
    "BOT_COMMAND_PATTERN",
    "CALLBACK_ANSWER_TEXT_MAX",
    "CALLBACK_DATA_MAX_BYTES",
    "CAPTION_MAX",
    "EDIT_METHODS",
    "FloodControl",
    "GET_UPDATES_LIMIT_MAX",
    "INLINE_KEYBOARD_MAX_BUTTONS",
    "MEDIA_GROUP_MAX",
    "MEDIA_GROUP_MIN",
    "MESSAGE_TEXT_MAX",
    "SEND_METHODS",
    "WEBHOOK_MAX_CONNECTIONS_DEFAULT",
    "WEBHOOK_SECRET_PATTERN",
    "too_many_requests",
]

#: sendMessage / editMessageText: "1-4096 characters after entities parsing" (UTF-16 code units);
#: longer is 400 "message is too long", empty after parsing is 400 "message text is empty".
MESSAGE_TEXT_MAX = 4096
#: sendPhoto / sendVoice / copyMessage / editMessageCaption / media group items: "0-1024 characters
#: after entities parsing"; longer is 400 "message caption is too long".
CAPTION_MAX = 1024
#: answerCallbackQuery.text: "0-200 characters"; longer is 400 "MESSAGE_TOO_LONG".
CALLBACK_ANSWER_TEXT_MAX = 200
#: InlineKeyboardButton.callback_data: "1-64 bytes" (UTF-8); otherwise 400 "BUTTON_DATA_INVALID".
CALLBACK_DATA_MAX_BYTES = 64
#: Buttons in one inline keyboard (Telegram's server limit; the Bot API documents no number):
#: more is 400 "reply markup is too long".
INLINE_KEYBOARD_MAX_BUTTONS = 100
#: setMyCommands: "At most 100 commands can be specified"; more is 400 "too many commands specified".
BOT_COMMANDS_MAX = 100
#: BotCommand.command: "1-32 characters. Can contain only lowercase English letters, digits and
#: underscores"; otherwise 400 "BOT_COMMAND_INVALID".
BOT_COMMAND_PATTERN = re.compile(r"^[a-z0-9_]{1,32}$")
#: BotCommand.description: "1-256 characters"; otherwise 400 "BOT_COMMAND_DESCRIPTION_INVALID".
BOT_COMMAND_DESCRIPTION_MAX = 256
#: sendMediaGroup: "an array describing messages to be sent, must include 2-10 items".
MEDIA_GROUP_MIN = 2
MEDIA_GROUP_MAX = 10
#: setWebhook.secret_token: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed".
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
#: setWebhook.max_connections: "1-100. Defaults to 40".
WEBHOOK_MAX_CONNECTIONS_DEFAULT = 40
#: getUpdates.limit: "Values between 1-100 are accepted. Defaults to 100".
GET_UPDATES_LIMIT_MAX = 100

#: Methods that send a message (lower-case method names): counted by every flood window.
SEND_METHODS = frozenset({"sendmessage", "sendphoto", "copymessage", "forwardmessage", "sendmediagroup", "senddocument"})
#: Methods that edit a message: counted by the global and group windows, not by the private-chat one.
EDIT_METHODS = frozenset({"editmessagetext", "editmessagereplymarkup", "editmessagecaption"})


def too_many_requests(retry_after: int, description: str | None = None) -> ApiError:
    """A 429 error with ResponseParameters.retry_after (seconds) as Telegram sends it."""
    return ApiError(429, description or f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


class FloodControl:
    """Sliding-window flood limits for sends and edits (Telegram's Bots FAQ, "My bot is hitting limits":
    about 30 messages per second overall, one per second in a private chat, 20 per minute in a group).

    Windows: global (every send and edit, per second), per group (chat_id < 0, every send and edit,
    per minute) and per private chat (sends only, per second). A call that finds a window full is not
    counted and gets 429 with retry_after = whole seconds until the oldest call in the fullest window
    leaves it (at least 1).
    """

    def __init__(self, global_per_second: float, private_chat_per_second: float, group_per_minute: float) -> None:
        """Configure the window sizes (calls per period)."""
        self.global_per_second = global_per_second
        self.private_chat_per_second = private_chat_per_second
        self.group_per_minute = group_per_minute
        self._windows: dict[Any, deque[float]] = {}
        #: Refused calls by the kind of window that was full ("global", "group", "private"): which
        #: of the bot's budgets drifted from Telegram's (a benchmark reads them from the server's stats).
        self.refused: dict[str, int] = {"global": 0, "group": 0, "private": 0}

    @staticmethod
    def applies_to(method_key: str) -> bool:
        """Whether a call of this (lower-case) method counts against the limits."""
        return method_key in SEND_METHODS or method_key in EDIT_METHODS

    def check_and_count(self, method_key: str, chat_id: int, now: float) -> None:
        """Count one call at monotonic time `now`, or raise 429 (too_many_requests) if a window is full."""
        windows: list[tuple[str, deque[float], float, float]] = [
            ("global", self._windows.setdefault("global", deque()), self.global_per_second, 1.0)
        ]
        if chat_id < 0:
            windows.append(("group", self._windows.setdefault(("group", chat_id), deque()), self.group_per_minute, 60.0))
        elif method_key in SEND_METHODS:
            windows.append(
                ("private", self._windows.setdefault(("private", chat_id), deque()), self.private_chat_per_second, 1.0)
            )
        wait, full = 0.0, ""
        for kind, window, limit, period in windows:
            while window and window[0] <= now - period:
                window.popleft()
            if len(window) >= limit and window[0] + period - now > wait:
                wait, full = window[0] + period - now, kind
        if wait > 0:
            self.refused[full] += 1
            raise too_many_requests(max(1, math.ceil(wait)))
        for _, window, _, _ in windows:
            window.append(now)
