"""A strict fake Telegram Bot API (aiohttp) that a real aiogram Bot talks to: the tests' Telegram and
the sandbox's.

It answers like Telegram, errors and limits included (texts of 1-4096 characters after entity parsing,
HTML parsed as tdlib parses it, keyboard and callback-data rules, 403 for blocked users, 400 with
migrate_to_chat_id for upgraded groups, flood control with 429 retry_after), delivers updates by
getUpdates long polling or webhook push, and keeps everything the bot did for assertions.

Modules: errors (the error body), entities (HTML/Markdown parsing, UTF-16 lengths), limits (Telegram's
sizes and flood control), keyboards (reply_markup rules), params (reading call parameters), chats (the
chat model: users, groups, topics, migration, blocking, sent messages and edits, read cursors), methods
(the Bot API methods), updates (the update queue, getUpdates, webhook push), faults (fail_next and
delay_next), signals (wake-ups), server (FakeTelegram: the HTTP server and call pipeline).

It imports nothing from the bot.
"""

from sandbox.bot_api.chats import MessageChange, SentMessage
from sandbox.bot_api.entities import (
    ParsedText,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    parse_text,
    utf16_len,
)
from sandbox.bot_api.errors import ApiError, bad_request
from sandbox.bot_api.limits import FloodControl
from sandbox.bot_api.server import FakeTelegram

__all__ = [
    "ApiError",
    "FakeTelegram",
    "FloodControl",
    "MessageChange",
    "ParsedText",
    "SentMessage",
    "bad_request",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "parse_text",
    "utf16_len",
]
