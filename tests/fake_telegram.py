"""A strict fake Telegram Bot API server (aiohttp.web) for driving a real aiogram Bot in tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import secrets
import time
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from typing import Any, Awaitable, Callable

from aiohttp import ClientSession, ClientTimeout, web

__all__ = [
    "ApiError",
    "FakeTelegram",
    "ParsedText",
    "SentMessage",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "parse_text",
    "utf16_len",
]

# --------------------------------------------------------------------------------------
# Errors and small helpers
# --------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answered to the client as {"ok": false, ...}."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        """Store HTTP status, Telegram description and optional ResponseParameters."""
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram would send."""
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _chat_of_update(update: dict[str, Any]) -> Any:
    """The chat an update belongs to (Telegram sends one chat's webhook updates one at a time)."""
    for kind, body in update.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        chat = body.get("chat") or (body.get("message") or {}).get("chat")
        if isinstance(chat, dict):
            return chat.get("id")
        if isinstance(body.get("from"), dict):
            return ("user", body["from"].get("id"))
    return None


def bad_request(text: str, parameters: dict[str, Any] | None = None) -> ApiError:
    """Build a 400 'Bad Request: ...' error."""
    return ApiError(400, f"Bad Request: {text}", parameters)


def utf16_len(text: str) -> int:
    """Length of a string in UTF-16 code units (how Telegram counts)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(src: str, pos: int) -> int:
    """UTF-8 byte offset of character index pos."""
    return len(src[:pos].encode("utf-8"))


class _Signal:
    """Edge-triggered broadcast: fire() wakes every current waiter (a lock-free Condition)."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        """Create the first generation event."""
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake all waiters and start a new generation."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        """Wait until predicate() is true or timeout expires; return the final predicate value."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not predicate():
            event = self._event
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return predicate()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except asyncio.TimeoutError:
                return predicate()
        return True

    async def wait_quiet(self, quiet: float) -> bool:
        """Return True if nothing fired during `quiet` seconds."""
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), quiet)
        except asyncio.TimeoutError:
            return True
        return False


# --------------------------------------------------------------------------------------
# Text parsing (HTML, MarkdownV2, Markdown) -> plain text + entities (UTF-16 offsets)
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class ParsedText:
    """Plain text after entity parsing plus its MessageEntity dicts."""

    text: str
    entities: list[dict[str, Any]]


class _Builder:
    """Accumulates output characters and tracks the UTF-16 offset."""

    __slots__ = ("out", "off")

    def __init__(self) -> None:
        """Start empty."""
        self.out: list[str] = []
        self.off = 0

    def add(self, chars: str) -> None:
        """Append characters."""
        self.out.append(chars)
        self.off += utf16_len(chars)

    def text(self) -> str:
        """Return the built text."""
        return "".join(self.out)


_HTML_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji", "span", "pre",
     "code", "blockquote"}
)
_HTML_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_HTML_SPACE = frozenset(" \t\r\n\0\v")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_MARKUP = re.compile(r"[<&]")


def _decode_html_entity(src: str, pos: int) -> tuple[str, int] | None:
    """Decode an HTML entity at src[pos] == '&' like tdlib; return (char, next_pos) or None."""
    n = len(src)
    end = pos + 1
    if end < n and src[end] == "#":
        end += 1
        code = 0
        if end < n and src[end] == "x":
            end += 1
            while end < n and src[end] in "0123456789abcdefABCDEF":
                code = code * 16 + int(src[end], 16)
                if code >= 0x10FFFF:
                    return None
                end += 1
        else:
            while end < n and src[end].isascii() and src[end].isdigit():
                code = code * 10 + int(src[end])
                if code >= 0x10FFFF:
                    return None
                end += 1
        if code == 0 or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        while end < n and src[end].isascii() and src[end].isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(src[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < n and src[end] == ";":
        end += 1
    return char, end


def parse_html(src: str, *, strict_ampersand: bool = False) -> ParsedText:
    """Parse Telegram's HTML subset exactly like tdlib; raise ApiError(400) on malformed markup."""
    try:
        return _parse_html(src, strict_ampersand)
    except _ParseError as e:
        raise bad_request(f"can't parse entities: {e}") from None


class _ParseError(Exception):
    """Internal parse failure message (without the 'can't parse entities' prefix)."""


def _parse_html(src: str, strict_ampersand: bool) -> ParsedText:
    """Parser body for parse_html."""
    n = len(src)
    out = _Builder()
    entities: list[dict[str, Any]] = []
    # stack entries: [tag, argument, start_offset, extra]
    stack: list[list[Any]] = []

    def at(k: int) -> str:
        return src[k] if k < n else "\0"

    def is_space(k: int) -> bool:
        return k >= n or src[k] in _HTML_SPACE

    i = 0
    while i < n:
        c = src[i]
        if c != "&" and c != "<":  # plain text up to the next markup: one chunk, not a character at a time
            plain = _MARKUP.search(src, i)
            end = plain.start() if plain else n
            out.add(src[i:end])
            i = end
            continue
        if c == "&":
            decoded = _decode_html_entity(src, i)
            if decoded is not None:
                out.add(decoded[0])
                i = decoded[1]
                continue
            if strict_ampersand:
                raise _ParseError(f"Unescaped '&' at byte offset {_byte_offset(src, i)}")
        if c != "<":
            out.add(c)
            i += 1
            continue
        begin = i
        if at(i + 1) != "/":
            i += 1
            while not is_space(i) and at(i) != ">":
                i += 1
            if i >= n:
                raise _ParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
            tag = src[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise _ParseError(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(src, begin)}')
            attrs: dict[str, str] = {}
            expandable = False
            while at(i) != ">":
                while i < n and src[i] in _HTML_SPACE:
                    i += 1
                if i >= n:
                    raise _ParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
                if src[i] == ">":
                    break
                attr_begin = i
                while i < n and src[i] not in _HTML_SPACE and src[i] not in "=>":
                    i += 1
                attr_name = src[attr_begin:i].lower()
                if not attr_name:
                    raise _ParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(src, begin)}'
                    )
                while i < n and src[i] in _HTML_SPACE:
                    i += 1
                if at(i) != "=":
                    if i >= n:
                        raise _ParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
                    if tag == "blockquote" and attr_name == "expandable":
                        expandable = True
                    continue
                i += 1
                while i < n and src[i] in _HTML_SPACE:
                    i += 1
                if i >= n:
                    raise _ParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
                if src[i] not in "'\"":
                    token_begin = i
                    while i < n and (src[i].isascii() and src[i].isalnum() or src[i] in ".-"):
                        i += 1
                    value = src[token_begin:i].lower()
                    if i < n and src[i] not in _HTML_SPACE and src[i] != ">":
                        raise _ParseError(
                            f"Unexpected end of name token at byte offset {_byte_offset(src, token_begin)}"
                        )
                else:
                    quote = src[i]
                    i += 1
                    buf: list[str] = []
                    while i < n and src[i] != quote:
                        if src[i] == "&":
                            decoded = _decode_html_entity(src, i)
                            if decoded is not None:
                                buf.append(decoded[0])
                                i = decoded[1]
                                continue
                        buf.append(src[i])
                        i += 1
                    if i < n:
                        i += 1
                    value = "".join(buf)
                if i >= n:
                    raise _ParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
                attrs[attr_name] = value
            argument = ""
            if tag == "a":
                argument = attrs.get("href", "")
            elif tag == "code":
                cls = attrs.get("class", "")
                argument = cls[9:] if cls.startswith("language-") else ""
            elif tag == "span":
                cls = attrs.get("class", "")
                if cls != "tg-spoiler":
                    raise _ParseError(
                        f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(src, begin)}'
                    )
            elif tag == "tg-emoji":
                argument = attrs.get("emoji-id", "")
            elif tag == "blockquote":
                argument = "expandable" if expandable else ""
            stack.append([tag, argument, out.off, len(out.out)])
            i += 1  # skip '>'
        else:
            if not stack:
                raise _ParseError(f"Unexpected end tag at byte offset {_byte_offset(src, begin)}")
            i += 2
            while not is_space(i) and at(i) != ">":
                i += 1
            end_name = src[begin + 2 : i].lower()
            while i < n and src[i] in _HTML_SPACE:
                i += 1
            if at(i) != ">":
                raise _ParseError(f"Unclosed end tag at byte offset {_byte_offset(src, begin)}")
            tag, argument, start, start_index = stack.pop()
            if end_name and end_name != tag:
                raise _ParseError(
                    f'Unmatched end tag at byte offset {_byte_offset(src, begin)}, expected "</{tag}>", '
                    f'found "</{end_name}>"'
                )
            i += 1
            length = out.off - start
            if length <= 0:
                continue
            entity: dict[str, Any] = {"offset": start, "length": length}
            if tag in _HTML_SIMPLE:
                entity["type"] = _HTML_SIMPLE[tag]
            elif tag == "a":
                url = argument or "".join(out.out[start_index:])
                if url.startswith("tg://user?id="):
                    user_id = url[len("tg://user?id="):]
                    if not user_id.isdigit():
                        continue
                    entity.update(type="text_mention", user={"id": int(user_id), "is_bot": False, "first_name": ""})
                else:
                    entity.update(type="text_link", url=url)
            elif tag == "code":
                if argument and stack and stack[-1][0] == "pre" and stack[-1][2] == start:
                    stack[-1][1] = argument
                    continue
                entity["type"] = "code"
            elif tag == "pre":
                entity["type"] = "pre"
                if argument:
                    entity["language"] = argument
            elif tag == "blockquote":
                entity["type"] = "expandable_blockquote" if argument else "blockquote"
            elif tag == "tg-emoji":
                entity.update(type="custom_emoji", custom_emoji_id=argument)
            entities.append(entity)
    if stack:
        raise _ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(out.text(), entities)


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "code": "Code", "pre": "Pre", "text_link": "TextUrl",
}


def parse_markdown_v2(src: str) -> ParsedText:
    """Parse MarkdownV2 (bold/italic/underline/strike/spoiler/code/pre/links, '>' quotes); raise ApiError(400)."""
    try:
        return _parse_markdown_v2(src)
    except _ParseError as e:
        raise bad_request(f"can't parse entities: {e}") from None


def _parse_markdown_v2(src: str) -> ParsedText:
    """Parser body for parse_markdown_v2."""
    n = len(src)
    out = _Builder()
    entities: list[dict[str, Any]] = []
    stack: list[list[Any]] = []  # [type, start_off, byte_begin, argument]

    def close(kind_extra: dict[str, Any] | None = None) -> None:
        kind, start, _, argument = stack.pop()
        length = out.off - start
        if length > 0:
            entity: dict[str, Any] = {"type": kind, "offset": start, "length": length}
            if kind == "pre" and argument:
                entity["language"] = argument
            if kind_extra:
                entity.update(kind_extra)
            entities.append(entity)

    i = 0
    while i < n:
        c = src[i]
        top = stack[-1][0] if stack else None
        if c == "\\" and i + 1 < n and 0 < ord(src[i + 1]) <= 126:
            out.add(src[i + 1])
            i += 2
            continue
        if top in ("code", "pre"):
            if top == "pre" and src.startswith("```", i):
                close()
                i += 3
            elif top == "code" and c == "`":
                close()
                i += 1
            else:
                out.add(c)
                i += 1
            continue
        if c not in _MDV2_RESERVED:
            out.add(c)
            i += 1
            continue
        begin = _byte_offset(src, i)
        if c == ">" and (i == 0 or src[i - 1] == "\n"):
            i += 1  # blockquote marker (entity not tracked in this minimal parser)
            continue
        if c == "[":
            stack.append(["text_link", out.off, begin, ""])
            i += 1
            continue
        if c == "]" and top == "text_link":
            if i + 1 < n and src[i + 1] == "(":
                j = i + 2
                url_chars: list[str] = []
                while j < n and src[j] != ")":
                    if src[j] == "\\" and j + 1 < n:
                        j += 1
                    url_chars.append(src[j])
                    j += 1
                if j >= n:
                    raise _ParseError(f"Can't find end of a URL at byte offset {_byte_offset(src, i + 2)}")
                url = "".join(url_chars)
                if url.startswith("tg://user?id=") and url[13:].isdigit():
                    close({"type": "text_mention", "user": {"id": int(url[13:]), "is_bot": False, "first_name": ""}})
                else:
                    close({"url": url})
                i = j + 1
                continue
            raise _ParseError(f"Can't find end of TextUrl entity at byte offset {stack[-1][2]}")
        if src.startswith("```", i):
            j = i + 3
            k = j
            while k < n and src[k] not in "\n`" and not src[k].isspace():
                k += 1
            language = ""
            if k < n and src[k] == "\n" and k > j:
                language = src[j:k]
                j = k + 1
            elif k < n and src[k] == "\n":
                j = k + 1
            stack.append(["pre", out.off, begin, language])
            i = j
            continue
        kind: str | None = None
        width = 1
        if c == "`":
            kind = "code"
        elif c == "*":
            kind = "bold"
        elif c == "_":
            if src.startswith("__", i):
                kind, width = "underline", 2
            else:
                kind = "italic"
        elif c == "~":
            kind = "strikethrough"
        elif c == "|" and src.startswith("||", i):
            kind, width = "spoiler", 2
        if kind is None:
            raise _ParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        if top == kind:
            close()
        else:
            stack.append([kind, out.off, begin, ""])
        i += width
    if stack:
        kind, _, begin, _ = stack[-1]
        raise _ParseError(f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {begin}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(out.text(), entities)


def parse_markdown(src: str) -> ParsedText:
    """Parse legacy Markdown (*bold* _italic_ `code` ```pre``` [text](url)); raise ApiError(400)."""
    n = len(src)
    out = _Builder()
    entities: list[dict[str, Any]] = []
    i = 0
    while i < n:
        c = src[i]
        if c == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.add(src[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.add(c)
            i += 1
            continue
        begin = _byte_offset(src, i)
        start = out.off
        if c == "[":
            close_pos = src.find("]", i + 1)
            if close_pos < 0:
                raise bad_request(f"can't parse entities: Can't find end of the entity starting at byte offset {begin}")
            label = src[i + 1 : close_pos]
            out.add(label)
            if close_pos + 1 < n and src[close_pos + 1] == "(":
                url_end = src.find(")", close_pos + 2)
                if url_end < 0:
                    raise bad_request(
                        f"can't parse entities: Can't find end of the entity starting at byte offset {begin}"
                    )
                url = src[close_pos + 2 : url_end]
                if label:
                    entities.append({"type": "text_link", "offset": start, "length": out.off - start, "url": url})
                i = url_end + 1
            else:
                i = close_pos + 1
            continue
        if src.startswith("```", i):
            end = src.find("```", i + 3)
            if end < 0:
                raise bad_request(f"can't parse entities: Can't find end of the entity starting at byte offset {begin}")
            body = src[i + 3 : end]
            language = ""
            if "\n" in body:
                first, rest = body.split("\n", 1)
                if first and " " not in first:
                    language, body = first, rest
            out.add(body)
            if body:
                entity: dict[str, Any] = {"type": "pre", "offset": start, "length": out.off - start}
                if language:
                    entity["language"] = language
                entities.append(entity)
            i = end + 3
            continue
        end = src.find(c, i + 1)
        if end < 0:
            raise bad_request(f"can't parse entities: Can't find end of the entity starting at byte offset {begin}")
        out.add(src[i + 1 : end])
        if end > i + 1:
            kind = {"*": "bold", "_": "italic", "`": "code"}[c]
            entities.append({"type": kind, "offset": start, "length": out.off - start})
        i = end + 1
    return ParsedText(out.text(), entities)


def _trim(parsed: ParsedText) -> ParsedText:
    """Strip leading/trailing whitespace like Telegram and shift/clip entities."""
    text = parsed.text
    stripped = text.strip()
    if stripped == text:
        return parsed
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    entities = []
    for entity in parsed.entities:
        begin = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > begin:
            entities.append({**entity, "offset": begin, "length": end - begin})
    return ParsedText(stripped, entities)


def parse_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None = None, *, strict_ampersand: bool = False
) -> ParsedText:
    """Parse text by parse_mode (None/HTML/MarkdownV2/Markdown, case-insensitive) and trim it like Telegram."""
    if not parse_mode:
        return _trim(ParsedText(text, list(entities or [])))
    mode = parse_mode.lower()
    if mode == "html":
        parsed = parse_html(text, strict_ampersand=strict_ampersand)
    elif mode == "markdownv2":
        parsed = parse_markdown_v2(text)
    elif mode == "markdown":
        parsed = parse_markdown(text)
    else:
        raise bad_request("unsupported parse_mode")
    return _trim(parsed)


# --------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class SentMessage:
    """A message the bot sent (or copied/forwarded) as stored by the fake."""

    message_id: int
    chat_id: int
    text: str | None
    raw: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None = None
    photo: str | None = None
    date: int = 0
    edits: list[SentMessage] = field(default_factory=list)
    deleted: bool = False
    message_thread_id: int | None = None
    entities: list[dict[str, Any]] | None = None
    kind: str = "text"
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    media: dict[str, Any] | None = None
    method: str = "sendMessage"

    @property
    def is_photo(self) -> bool:
        """True for photo messages (text then holds the plain caption)."""
        return self.kind == "photo"

    def buttons(self) -> list[dict[str, Any]]:
        """All keyboard buttons (inline or reply) of this message, flattened."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [b if isinstance(b, dict) else {"text": b} for row in rows for b in row]

    def button_texts(self) -> list[str]:
        """Texts of all keyboard buttons of this message."""
        return [b.get("text", "") for b in self.buttons()]


@dataclass(slots=True)
class _Rule:
    """A pending fault-injection rule."""

    method: str | None
    chat_id: int | None
    count: int
    status: int = 0
    retry_after: int = 1
    description: str | None = None
    seconds: float = 0.0
    when: Callable[[dict[str, Any]], bool] | None = None

    def matches(self, method: str, chat_id: int | None, params: dict[str, Any] | None = None) -> bool:
        """Whether the rule applies to this call."""
        if self.method is not None and self.method.lower() != method.lower():
            return False
        if self.when is not None and (params is None or not self.when(params)):
            return False
        return self.chat_id is None or self.chat_id == chat_id


_JSON_FIELDS = frozenset(
    {"reply_markup", "entities", "caption_entities", "commands", "scope", "allowed_updates", "reply_parameters",
     "link_preview_options", "media", "results", "permissions", "message_ids"}
)
_LIMITED_SEND = frozenset({"sendmessage", "sendphoto", "copymessage", "forwardmessage", "sendmediagroup", "senddocument"})
_LIMITED_EDIT = frozenset({"editmessagetext", "editmessagereplymarkup", "editmessagecaption"})
_ACTIVITY_METHODS = _LIMITED_SEND | _LIMITED_EDIT | {"deletemessage", "answercallbackquery"}
_CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document",
     "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
)
_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a current "
    "content and reply markup of the message"
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class FakeTelegram:
    """In-process Telegram Bot API server with strict validation, fault injection and assertion state."""

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
        """Configure the fake; call start() to serve."""
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_user: dict[str, Any] = {
            "id": bot_id, "is_bot": True, "first_name": bot_first_name, "username": bot_username,
        }
        self.record_calls = record_calls
        self.strict_ampersand = strict_ampersand
        self.clock: Callable[[], float] = time.time

        self.messages: dict[int, list[SentMessage]] = {}
        self.user_messages: dict[int, list[dict[str, Any]]] = {}
        self.calls: list[tuple[str, dict[str, Any], int]] = []
        self.stats: Counter[str] = Counter()
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.file_contents: dict[str, bytes] = {}
        self.chat_members: dict[tuple[int, int], dict[str, Any]] = {}
        self.reply_keyboards: dict[int, dict[str, Any]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.dropped_updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {"url": "", "secret_token": None, "allowed_updates": None,
                                        "max_connections": 40, "last_error_message": None}

        self.blocked: set[int] = set()
        self.deactivated: set[int] = set()
        self.kicked: set[int] = set()
        self.migrated: dict[int, int] = {}
        self.deleted_topics: set[tuple[int, int]] = set()

        self._index: dict[tuple[int, int], SentMessage] = {}
        self._user_index: dict[tuple[int, int], dict[str, Any]] = {}
        self._deleted_user_messages: set[tuple[int, int]] = set()
        self._next_message_id: dict[int, int] = {}
        self._changelog: list[SentMessage] = []
        self._message_waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._pending_callbacks: dict[str, dict[str, Any]] = {}
        self._fail_rules: list[_Rule] = []
        self._delay_rules: list[_Rule] = []
        self._limits: dict[str, float] | None = None
        self._windows: dict[Any, deque[float]] = {}

        self._queue: deque[dict[str, Any]] = deque()
        self._next_update_id = 1
        self._confirmed = 0
        self._dropped_ids: set[int] = set()
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._inflight = 0
        self._closing = False
        self._webhook_target: tuple[str, str | None] | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_wakeup = asyncio.Event()
        self._webhook_delivered: set[int] = set()

        self._updates_signal: _Signal | None = None
        self._activity_signal: _Signal | None = None
        self._runner: web.AppRunner | None = None
        self.base_url = ""

        self._methods: dict[str, Handler] = {
            name.lower(): getattr(self, f"_m_{name}")
            for name in (
                "getMe", "getUpdates", "deleteWebhook", "setWebhook", "getWebhookInfo", "setMyCommands",
                "deleteMyCommands", "getMyCommands", "sendMessage", "editMessageText", "editMessageReplyMarkup",
                "editMessageCaption", "deleteMessage", "answerCallbackQuery", "sendChatAction", "sendPhoto",
                "sendVoice", "getChat", "getChatMember", "forwardMessage", "copyMessage", "getFile", "close", "logOut",
                "sendMediaGroup", "sendDocument",
            )
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving on host (free port by default); return the base URL for TelegramAPIServer.from_base."""
        self._updates_signal = _Signal()
        self._activity_signal = _Signal()
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
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            try:
                await self._webhook_task
            except (asyncio.CancelledError, Exception):
                pass
            self._webhook_task = None
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

    # ------------------------------------------------------------------ configuration API

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
        self._fail_rules.append(_Rule(method, chat_id, count, status, retry_after, description, when=when))

    def delay_next(
        self, method: str | None = None, chat_id: int | None = None, *, seconds: float, count: int = 1
    ) -> None:
        """Delay the response to the next `count` matching calls by `seconds`."""
        self._delay_rules.append(_Rule(method, chat_id, count, seconds=seconds))

    def enforce_limits(
        self, global_per_sec: int = 30, per_private_chat_per_sec: int = 1, per_group_per_min: int = 20
    ) -> None:
        """Enable sliding-window flood limits for sends/edits (429 with retry_after when exceeded)."""
        self._limits = {"global": global_per_sec, "private": per_private_chat_per_sec, "group": per_group_per_min}
        self._windows.clear()

    def disable_limits(self) -> None:
        """Turn flood limits off again."""
        self._limits = None
        self._windows.clear()

    def block_user(self, chat_id: int) -> None:
        """Sends to this chat get 403 'bot was blocked by the user'."""
        self.blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        """Undo block_user/deactivate_user."""
        self.blocked.discard(chat_id)
        self.deactivated.discard(chat_id)

    def deactivate_user(self, chat_id: int) -> None:
        """Sends to this chat get 403 'user is deactivated'."""
        self.deactivated.add(chat_id)

    def kick_bot(self, chat_id: int) -> None:
        """Sends to this group get 403 'bot was kicked from the group chat'."""
        self.kicked.add(chat_id)

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """A forum topic is deleted: sends into it get 400 'message thread not found'."""
        self.deleted_topics.add((chat_id, thread_id))

    def delete_message(self, chat_id: int, message_id: int) -> None:
        """Someone in the chat deletes a message (the bot's or a user's): replies to it and edits of it fail
        as Telegram's do."""
        message = self._index.get((chat_id, message_id))
        if message is not None:
            message.deleted = True
        elif (chat_id, message_id) in self._user_index:
            self._deleted_user_messages.add((chat_id, message_id))
        else:
            raise KeyError((chat_id, message_id))

    def migrate_group(self, old_id: int, new_id: int) -> None:
        """Upgrade group old_id to supergroup new_id; sends/edits to old_id get 400 with migrate_to_chat_id."""
        self.migrated[old_id] = new_id
        old = self.chat(old_id)
        old["type"] = "group"
        self.chats.setdefault(new_id, {"id": new_id, "title": old.get("title", f"Chat {new_id}"), "type": "supergroup"})

    def set_chat_member(self, chat_id: int, user_id: int, status: str = "member", **fields: Any) -> None:
        """Configure getChatMember(chat_id, user_id): status plus any ChatMember field overrides."""
        self.chat_members[(chat_id, user_id)] = {"status": status, **fields}

    def chat_member_update(
        self, chat_id: int, user_id: int, new_status: str = "left", old_status: str = "member", by: int | None = None
    ) -> int:
        """Push a chat_member update (someone left the group, or `by` removed them); returns its update_id.
        Like Telegram, the update is dropped unless the bot listed "chat_member" in allowed_updates."""
        user = self.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        actor = self.users.get(by, user) if by is not None else user

        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": user}
            if status == "kicked":
                data["until_date"] = 0
            return data

        self.chat_members[(chat_id, user_id)] = {"status": new_status}
        return self.push_update({"chat_member": {
            "chat": self.chat(chat_id), "from": actor, "date": int(self.clock()),
            "old_chat_member": member(old_status), "new_chat_member": member(new_status),
        }})

    def register_user(self, user: dict[str, Any]) -> None:
        """Remember a User object (used by getChatMember etc.)."""
        self.users[user["id"]] = dict(user)

    def register_chat(self, chat: dict[str, Any]) -> None:
        """Remember a Chat object (id, type, title/first_name...)."""
        self.chats[chat["id"]] = dict(chat)

    def register_file(
        self, file_id: str | None = None, *, content: bytes = b"fake-file", file_path: str | None = None
    ) -> dict[str, Any]:
        """Register a file_id the bot may send/getFile; returns the File dict."""
        file_id = file_id or "BQAC" + secrets.token_urlsafe(24)
        unique = "AQAD" + secrets.token_urlsafe(8)
        info = {"file_id": file_id, "file_unique_id": unique, "file_size": len(content),
                "file_path": file_path or f"documents/file_{len(self.files)}"}
        self.files[file_id] = info
        self.file_contents[info["file_path"]] = content
        return info

    def chat(self, chat_id: int) -> dict[str, Any]:
        """The Chat object for chat_id, auto-created if unknown."""
        chat = self.chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                user = self.users.get(chat_id)
                chat = {"id": chat_id, "type": "private", "first_name": user["first_name"] if user else f"User{chat_id}"}
            else:
                kind = "supergroup" if str(chat_id).startswith("-100") else "group"
                chat = {"id": chat_id, "title": f"Chat {chat_id}", "type": kind}
            self.chats[chat_id] = chat
        return chat

    def get_commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]]:
        """Commands stored by setMyCommands for a scope (default scope if None) and language."""
        return self.commands.get((self._scope_key(scope), language_code), [])

    # ------------------------------------------------------------------ updates

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update (assigning update_id if missing), wake getUpdates, return its update_id."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        update_id = update["update_id"]
        kind = next((k for k in update if k != "update_id"), "")
        allowed = self._allowed_updates
        if (allowed and kind not in allowed) or (not allowed and kind in _DEFAULT_EXCLUDED_UPDATES):
            self.dropped_updates.append(update)
            self._dropped_ids.add(update_id)
            self._fire_updates()
            return update_id
        self._queue.append(update)
        self._fire_updates()
        self._ensure_webhook_worker()
        return update_id

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

    def feed_webhook(self, url: str | None, secret_token: str | None = None) -> None:
        """Deliver updates by POSTing them to url (with X-Telegram-Bot-Api-Secret-Token); None returns to polling."""
        self._webhook_target = (url, secret_token) if url else None
        self._ensure_webhook_worker()

    def _ensure_webhook_worker(self) -> None:
        """Start the webhook delivery task when needed (or tell the running one there is more)."""
        self._webhook_wakeup.set()
        if self._webhook_target and self._queue and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_worker())

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
                    limit = max(1, int(self.webhook.get("max_connections") or 40))
                    seen: set[Any] = set()
                    for update in list(self._queue):
                        if len(busy) >= limit:
                            break
                        chat = _chat_of_update(update)
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
        """One POST of one update; on success it leaves the queue, otherwise it stays for a retry."""
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

    # ------------------------------------------------------------------ conversation helpers

    def mark(self) -> int:
        """Opaque position in the change log (pass to changes_since)."""
        return len(self._changelog)

    def sent_in_order(self) -> list[SentMessage]:
        """Every message the bot sent or edited, in the order the fake took the calls (an edited
        message appears again at its edit)."""
        return list(self._changelog)

    def changes_since(self, mark: int, chat_id: int | None = None) -> list[SentMessage]:
        """Non-deleted bot messages created or edited after mark (optionally in one chat), by message_id."""
        seen: dict[int, SentMessage] = {}
        for message in self._changelog[mark:]:
            if (chat_id is None or message.chat_id == chat_id) and not message.deleted:
                seen[id(message)] = message
        return sorted(seen.values(), key=lambda m: (m.chat_id, m.message_id))

    async def settle(self, quiet: float = 0.15, max_wait: float = 5.0) -> None:
        """Wait until no bot request is in flight and no message activity happened for `quiet` seconds."""
        assert self._activity_signal is not None, "FakeTelegram not started"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while loop.time() < deadline:
            if await self._activity_signal.wait_quiet(min(quiet, max(deadline - loop.time(), 0.0))):
                if self._inflight == 0:
                    return

    async def wait_new_message(self, chat_id: int, count: int, timeout: float = 10) -> None:
        """Wait until the bot has sent more than `count` messages to chat_id (len(fake.messages[chat_id])),
        woken only by that chat's messages, so thousands of waiting chats cost nothing meanwhile."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.messages.get(chat_id, ())) <= count:
            waiter = loop.create_future()
            self._message_waiters.setdefault(chat_id, []).append(waiter)
            await asyncio.wait_for(waiter, max(deadline - loop.time(), 0))

    async def wait_activity(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until predicate() holds, re-checking on every bot activity; return its final value."""
        assert self._activity_signal is not None, "FakeTelegram not started"
        return await self._activity_signal.wait_until(predicate, timeout)

    def allocate_message_id(self, chat_id: int) -> int:
        """Next message_id in a chat (shared by user and bot messages)."""
        value = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = value
        return value

    def record_user_message(self, message: dict[str, Any]) -> None:
        """Store a message sent by a user (for reply_to, copy, forward)."""
        chat_id = message["chat"]["id"]
        self.user_messages.setdefault(chat_id, []).append(message)
        self._user_index[(chat_id, message["message_id"])] = message

    def replace_user_message(self, message: dict[str, Any]) -> None:
        """A user edited one of their messages: the stored version becomes the edited one."""
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        stored = self.user_messages.get(chat_id, [])
        for index, old in enumerate(stored):
            if old["message_id"] == message_id:
                stored[index] = message
        self._user_index[(chat_id, message_id)] = message

    def delete_user_message(self, chat_id: int, message_id: int) -> None:
        """A user's message disappears (another bot cleaning the group, or its author deleted it)."""
        self._deleted_user_messages.add((chat_id, message_id))

    def register_callback_query(self, query_id: str, callback: dict[str, Any]) -> None:
        """Make a callback query id answerable (once)."""
        self._pending_callbacks[query_id] = callback

    def find_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """A bot message by chat and id (including deleted ones)."""
        return self._index.get((chat_id, message_id))

    def message_json(self, message: SentMessage) -> dict[str, Any]:
        """The Message object Telegram would return for a stored bot message."""
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user,
            "chat": self.chat(message.chat_id),
            "date": message.date,
        }
        if message.message_thread_id is not None:
            data["message_thread_id"] = message.message_thread_id
            data["is_topic_message"] = True
        if message.reply_to_message_id is not None:
            replied = self.lookup_message(message.chat_id, message.reply_to_message_id)
            if replied is not None:
                data["reply_to_message"] = replied
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.media:
            data.update(message.media)
        if message.kind == "photo":
            data["photo"] = self.files.get(message.photo or "", {}).get("sizes") or self._photo_sizes(message.photo or "")
            if message.text:
                data["caption"] = message.text
                if message.entities:
                    data["caption_entities"] = message.entities
        elif message.kind == "text":
            data["text"] = message.text or ""
            if message.entities:
                data["entities"] = message.entities
        elif message.text:
            data["caption"] = message.text
            if message.entities:
                data["caption_entities"] = message.entities
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    # ------------------------------------------------------------------ HTTP plumbing

    def _fire_updates(self) -> None:
        """Wake getUpdates / wait_processed waiters."""
        if self._updates_signal is not None:
            self._updates_signal.fire()

    def _fire_activity(self) -> None:
        """Wake settle()/expect() waiters."""
        if self._activity_signal is not None:
            self._activity_signal.fire()

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
            status, payload = await self._dispatch_inner(method, key, params)
        finally:
            if tracked:
                self._inflight -= 1
                self._fire_activity()
        self._record(method, params, status)
        return status, payload

    async def _dispatch_inner(self, method: str, key: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Body of _dispatch."""
        self.stats[method] += 1
        chat_id = self._peek_chat_id(params)
        delay = self._take_rule(self._delay_rules, method, chat_id)
        if delay is not None:
            await asyncio.sleep(delay.seconds)
        try:
            for name in _JSON_FIELDS & params.keys():
                params[name] = self._decode_json_field(name, params[name])
            failure = self._take_rule(self._fail_rules, method, chat_id, params)
            if failure is not None:
                raise self._injected_error(failure)
            handler = self._methods.get(key)
            if handler is None:
                raise ApiError(404, "Not Found")
            if self._limits is not None and (key in _LIMITED_SEND or key in _LIMITED_EDIT) and chat_id is not None:
                self._check_limits(key, chat_id)
            result = await handler(params)
        except ApiError as e:
            if e.status == 429:
                self.stats["429"] += 1
            return e.status, e.payload()
        if key in _ACTIVITY_METHODS:
            self._fire_activity()
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _take_rule(
        rules: list[_Rule], method: str, chat_id: int | None, params: dict[str, Any] | None = None
    ) -> _Rule | None:
        """Consume one use of the first matching rule."""
        for rule in rules:
            if rule.matches(method, chat_id, params):
                rule.count -= 1
                if rule.count <= 0:
                    rules.remove(rule)
                return rule
        return None

    @staticmethod
    def _injected_error(rule: _Rule) -> ApiError:
        """Build the error for a fail_next rule."""
        status = rule.status
        if status == 429:
            return ApiError(429, rule.description or f"Too Many Requests: retry after {rule.retry_after}",
                            {"retry_after": rule.retry_after})
        defaults = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                    504: "Gateway Timeout", 403: "Forbidden: bot was blocked by the user", 400: "Bad Request",
                    401: "Unauthorized", 404: "Not Found", 409: "Conflict"}
        return ApiError(status, rule.description or defaults.get(status, "Error"))

    def _check_limits(self, key: str, chat_id: int) -> None:
        """Sliding-window flood control; raise 429 with retry_after when a window is full."""
        assert self._limits is not None
        now = time.monotonic()
        windows: list[tuple[deque[float], float, float]] = [
            (self._windows.setdefault("global", deque()), self._limits["global"], 1.0)
        ]
        if chat_id < 0:
            windows.append((self._windows.setdefault(("group", chat_id), deque()), self._limits["group"], 60.0))
        elif key in _LIMITED_SEND:
            windows.append((self._windows.setdefault(("private", chat_id), deque()), self._limits["private"], 1.0))
        wait = 0.0
        for window, limit, period in windows:
            while window and window[0] <= now - period:
                window.popleft()
            if len(window) >= limit:
                wait = max(wait, window[0] + period - now)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        for window, _, _ in windows:
            window.append(now)

    # ------------------------------------------------------------------ parameter helpers

    @staticmethod
    def _decode_json_field(name: str, value: Any) -> Any:
        """JSON-decode a form field that carries an object/array."""
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            if name == "reply_markup":
                raise bad_request("can't parse reply keyboard markup JSON object") from None
            if name in ("entities", "caption_entities"):
                raise bad_request("can't parse entities JSON object") from None
            raise bad_request(f"can't parse {name} JSON object") from None

    @staticmethod
    def _peek_chat_id(params: dict[str, Any]) -> int | None:
        """chat_id as int if present and numeric (for rule matching and limits)."""
        value = params.get("chat_id")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    @staticmethod
    def _int(params: dict[str, Any], name: str, default: int | None = None, *, required: bool = False) -> int | None:
        """Read an integer parameter."""
        value = params.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    @staticmethod
    def _bool(params: dict[str, Any], name: str) -> bool:
        """Read a boolean parameter."""
        value = params.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def _chat_id(self, params: dict[str, Any], name: str = "chat_id") -> int:
        """Read and resolve a required chat_id ('@username' unsupported -> chat not found)."""
        value = params.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        self.chat(chat_id)
        return chat_id

    def _check_writable(self, chat_id: int) -> None:
        """Raise the error Telegram gives for a migrated/blocked/deactivated/kicked chat."""
        if chat_id in self.migrated:
            raise bad_request(
                "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": self.migrated[chat_id]}
            )
        if chat_id in self.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.kicked:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")

    def _parse(self, text: str, parse_mode: Any, entities: Any) -> ParsedText:
        """Parse text/caption with parse_mode or explicit entities."""
        if parse_mode and entities:
            parse_mode = None  # Telegram: explicit entities win over parse_mode
        if entities is not None and not isinstance(entities, list):
            raise bad_request("can't parse entities JSON object")
        return parse_text(text, parse_mode or None, entities, strict_ampersand=self.strict_ampersand)

    def _validate_markup(self, markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
        """Validate reply_markup like Telegram; return it (dict) or None."""
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
            total = 0
            for row in rows:
                for button in row:
                    self._validate_inline_button(button)
                    total += 1
            if total > 100:
                raise bad_request("reply markup is too long")
            return markup
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays')
            for row in rows:
                for button in row:
                    if isinstance(button, str):
                        continue
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')
                    if not button["text"]:
                        raise bad_request("keyboard button text is empty")
                    for flag in ("request_contact", "request_location"):
                        if flag in button and not isinstance(button[flag], bool):
                            raise bad_request(f'can\'t parse keyboard button: Field "{flag}" must be of type Boolean')
            return markup
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        raise bad_request("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _validate_inline_button(button: Any) -> None:
        """Validate one InlineKeyboardButton."""
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
        actions = [k for k in ("callback_data", "url", "web_app", "login_url", "switch_inline_query",
                               "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
                               "copy_text", "callback_game", "pay") if k in button]
        if not actions:
            raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            raise bad_request("can't parse inline keyboard button: Can't find field with button action")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not re.match(r"^(https?://[^\s/]+\S*|tg://\S+)$", url):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> int | None:
        """Resolve reply_parameters / reply_to_message_id; 400 if the target does not exist."""
        reply = params.get("reply_parameters")
        allow = self._bool(params, "allow_sending_without_reply")
        message_id: int | None = None
        if isinstance(reply, dict):
            message_id = int(reply.get("message_id", 0)) or None
            allow = allow or bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, chat_id):
                return None
        elif params.get("reply_to_message_id"):
            message_id = self._int(params, "reply_to_message_id")
        if message_id is None:
            return None
        if self.lookup_message(chat_id, message_id) is None:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def lookup_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Message JSON of a bot or user message that exists and is not deleted."""
        message = self._index.get((chat_id, message_id))
        if message is not None:
            return None if message.deleted else self.message_json(message)
        if (chat_id, message_id) in self._deleted_user_messages:
            return None
        return self._user_index.get((chat_id, message_id))

    def _store(self, message: SentMessage) -> SentMessage:
        """Append a new bot message to state and the change log."""
        self.messages.setdefault(message.chat_id, []).append(message)
        self._index[(message.chat_id, message.message_id)] = message
        self._changelog.append(message)
        for waiter in self._message_waiters.pop(message.chat_id, ()):
            if not waiter.done():
                waiter.set_result(None)
        if message.reply_markup:
            if "keyboard" in message.reply_markup:
                self.reply_keyboards[message.chat_id] = message.reply_markup
            elif message.reply_markup.get("remove_keyboard"):
                self.reply_keyboards.pop(message.chat_id, None)
        return message

    def _new_message(self, chat_id: int, params: dict[str, Any], method: str, **fields: Any) -> SentMessage:
        """Create and store a SentMessage for a send-like call."""
        thread = self._int(params, "message_thread_id")
        if thread is not None and (chat_id, thread) in self.deleted_topics:
            raise bad_request("message thread not found")
        message = SentMessage(
            message_id=self.allocate_message_id(chat_id),
            chat_id=chat_id,
            date=int(self.clock()),
            message_thread_id=thread,
            method=method,
            **fields,
        )
        return self._store(message)

    def _photo_sizes(self, file_id: str) -> list[dict[str, Any]]:
        """PhotoSize array for a photo file_id."""
        unique = self.files.get(file_id, {}).get("file_unique_id", "AQAD" + file_id[-8:])
        return [
            {"file_id": file_id + "_s", "file_unique_id": unique + "s", "width": 90, "height": 90, "file_size": 1000},
            {"file_id": file_id, "file_unique_id": unique, "width": 800, "height": 800, "file_size": 50000},
        ]

    def _editable(self, params: dict[str, Any]) -> SentMessage:
        """Resolve chat_id+message_id of a bot message to edit."""
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat_id = self._chat_id(params)
        message_id = self._int(params, "message_id", required=True)
        assert message_id is not None
        self._check_writable(chat_id)
        message = self._index.get((chat_id, message_id))
        if message is None or message.deleted:
            if (chat_id, message_id) in self._user_index and (chat_id, message_id) not in self._deleted_user_messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return message

    def _apply_edit(self, message: SentMessage, **changes: Any) -> None:
        """Snapshot the old version into edits and apply changes in place."""
        snapshot = replace(message, edits=[])
        for name, value in changes.items():
            setattr(message, name, value)
        message.edits.append(snapshot)
        message.edit_date = int(self.clock())
        self._changelog.append(message)

    @staticmethod
    def _inline(markup: dict[str, Any] | None) -> dict[str, Any] | None:
        """Only the inline part of a markup (what a message keeps)."""
        return markup if markup and "inline_keyboard" in markup else None

    def _scope_key(self, scope: Any) -> str:
        """Canonical key for a BotCommandScope."""
        if not scope:
            scope = {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True, separators=(",", ":"))

    def _resolve_photo(self, params: dict[str, Any], name: str = "photo") -> str:
        """Resolve a photo parameter (file_id, URL or attach:// upload) to a known file_id."""
        value = params.get(name)
        files: dict[str, bytes] = params.get("__files__", {})
        if not value:
            if name in files:
                value = f"attach://{name}"
            else:
                raise bad_request(f"there is no {name} in the request")
        if not isinstance(value, str):
            raise bad_request("wrong file identifier/HTTP URL specified")
        if value.startswith("attach://"):
            content = files.get(value[len("attach://"):])
            if content is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            info = self.register_file("AgAC" + secrets.token_urlsafe(24), content=content,
                                      file_path=f"photos/file_{len(self.files)}.jpg")
            return info["file_id"]
        if value.startswith(("http://", "https://")):
            info = self.register_file("AgAC" + secrets.token_urlsafe(24), file_path=f"photos/file_{len(self.files)}.jpg")
            return info["file_id"]
        if value not in self.files:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return value

    # ------------------------------------------------------------------ Bot API methods

    async def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        """getMe."""
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    async def _m_close(self, params: dict[str, Any]) -> bool:
        """close."""
        return True

    async def _m_logOut(self, params: dict[str, Any]) -> bool:
        """logOut."""
        return True

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates with offset/limit/timeout long polling."""
        assert self._updates_signal is not None
        if self.webhook["url"]:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
                                "to delete the webhook first")
        offset = self._int(params, "offset")
        limit = min(max(self._int(params, "limit", 100) or 100, 1), 100)
        timeout = max(self._int(params, "timeout", 0) or 0, 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        if offset is not None:
            self._confirm(offset)
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

    def _confirm(self, offset: int) -> None:
        """Apply a getUpdates offset: drop confirmed updates."""
        if offset < 0:
            keep = -offset
            while len(self._queue) > keep:
                self._confirmed = max(self._confirmed, self._queue.popleft()["update_id"])
        else:
            while self._queue and self._queue[0]["update_id"] < offset:
                self._queue.popleft()
            self._confirmed = max(self._confirmed, offset - 1)
        self._fire_updates()

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        """deleteWebhook (optionally dropping pending updates)."""
        self.webhook.update(url="", secret_token=None)
        if self._bool(params, "drop_pending_updates"):
            self._drop_pending()
        return True

    def _drop_pending(self) -> None:
        """Discard all queued updates (marking them processed)."""
        while self._queue:
            update = self._queue.popleft()
            self._dropped_ids.add(update["update_id"])
        self._fire_updates()

    async def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        """setWebhook: https URL required; stores secret_token and allowed_updates."""
        url = params.get("url") or ""
        if not url:
            self.webhook.update(url="", secret_token=None)
            return True
        if not str(url).startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.match(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        self.webhook.update(url=url, secret_token=secret, allowed_updates=allowed,
                            max_connections=self._int(params, "max_connections", 40))
        if self._bool(params, "drop_pending_updates"):
            self._drop_pending()
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
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

    async def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        """setMyCommands with Telegram's command/description validation."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("commands is empty" if commands is None else "can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        clean: list[dict[str, Any]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name = str(command.get("command", "")).lstrip("/")
            description = str(command.get("description", ""))
            if not _COMMAND_RE.match(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": description})
        key = (self._scope_key(params.get("scope")), str(params.get("language_code") or ""))
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        return True

    async def _m_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        """deleteMyCommands."""
        self.commands.pop((self._scope_key(params.get("scope")), str(params.get("language_code") or "")), None)
        return True

    async def _m_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getMyCommands."""
        return self.commands.get((self._scope_key(params.get("scope")), str(params.get("language_code") or "")), [])

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendMessage."""
        chat_id = self._chat_id(params)
        self._check_writable(chat_id)
        raw = params.get("text")
        if raw is None or raw == "":
            raise bad_request("message text is empty")
        raw = str(raw)
        parsed = self._parse(raw, params.get("parse_mode"), params.get("entities"))
        if not parsed.text:
            raise bad_request("message text is empty")
        if utf16_len(parsed.text) > 4096:
            raise bad_request("message is too long")
        markup = self._validate_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat_id, params)
        message = self._new_message(
            chat_id, params, "sendMessage", text=parsed.text, raw=raw, parse_mode=params.get("parse_mode") or None,
            reply_markup=markup, entities=parsed.entities or None, reply_to_message_id=reply_to,
        )
        return self.message_json(message)

    async def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendPhoto (file_id, URL or upload) with caption."""
        chat_id = self._chat_id(params)
        self._check_writable(chat_id)
        raw = params.get("caption")
        parsed = ParsedText("", [])
        if raw:
            parsed = self._parse(str(raw), params.get("parse_mode"), params.get("caption_entities"))
            if utf16_len(parsed.text) > 1024:
                raise bad_request("message caption is too long")
        markup = self._validate_markup(params.get("reply_markup"))
        file_id = self._resolve_photo(params)
        reply_to = self._reply_to(chat_id, params)
        message = self._new_message(
            chat_id, params, "sendPhoto", text=parsed.text or None, raw=raw, parse_mode=params.get("parse_mode") or None,
            reply_markup=markup, entities=parsed.entities or None, photo=file_id, kind="photo",
            reply_to_message_id=reply_to,
        )
        return self.message_json(message)

    async def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendDocument: an uploaded file (multipart) or a known file_id, with an optional caption; the
        uploaded bytes are kept (file_contents) so a test can open the file."""
        chat_id = self._chat_id(params)
        self._check_writable(chat_id)
        files: dict[str, bytes] = params.get("__files__", {})
        value = params.get("document")
        if not value and "document" in files:
            value = "attach://document"
        name = ""
        if isinstance(value, str) and value.startswith("attach://") and value[len("attach://"):] in files:
            name = value[len("attach://"):]
            info = self.register_file("BQAC" + secrets.token_urlsafe(24), content=files[name],
                                      file_path=f"documents/file_{len(self.files)}")
        elif isinstance(value, str) and value in self.files:
            info = self.files[value]
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        raw = params.get("caption")
        parsed = self._parse(str(raw), params.get("parse_mode"), params.get("caption_entities")) if raw else ParsedText("", [])
        if utf16_len(parsed.text) > 1024:
            raise bad_request("message caption is too long")
        document = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"], "file_size": info["file_size"],
                    "file_name": params.get("__filenames__", {}).get(name, "file")}
        message = self._new_message(
            chat_id, params, "sendDocument", text=parsed.text or None, raw=raw, parse_mode=params.get("parse_mode") or None,
            reply_markup=self._validate_markup(params.get("reply_markup")), entities=parsed.entities or None,
            kind="document", media={"document": document},
        )
        return self.message_json(message)

    async def _m_sendVoice(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendVoice by a known file_id (a voice message the bot received), with an optional caption."""
        chat_id = self._chat_id(params)
        self._check_writable(chat_id)
        file_id = params.get("voice")
        if not isinstance(file_id, str) or file_id not in self.files:
            raise bad_request("wrong file identifier/HTTP URL specified")
        raw = params.get("caption")
        parsed = self._parse(str(raw), params.get("parse_mode"), params.get("caption_entities")) if raw else ParsedText("", [])
        if utf16_len(parsed.text) > 1024:
            raise bad_request("message caption is too long")
        voice = {"file_id": file_id, "file_unique_id": self.files[file_id].get("file_unique_id", file_id[-8:]), "duration": 3}
        message = self._new_message(
            chat_id, params, "sendVoice", text=parsed.text or None, raw=raw, parse_mode=params.get("parse_mode") or None,
            reply_markup=self._validate_markup(params.get("reply_markup")), entities=parsed.entities or None,
            kind="voice", media={"voice": voice},
        )
        return self.message_json(message)
    async def _m_sendMediaGroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """sendMediaGroup: 2-10 photos (no keyboard), one message each with a shared media_group_id."""
        chat_id = self._chat_id(params)
        self._check_writable(chat_id)
        media = params.get("media")
        if not isinstance(media, list):
            raise bad_request("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media specified" if media else "media is empty")
        if "reply_markup" in params:
            raise bad_request("reply markup is not allowed in media groups")
        group = str(secrets.randbelow(10**17) + 10**17)
        sent: list[dict[str, Any]] = []
        resolved = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") != "photo":
                raise bad_request("only photos are supported by this fake in media groups")
            caption = item.get("caption")
            parsed = ParsedText("", [])
            if caption:
                parsed = self._parse(str(caption), item.get("parse_mode"), item.get("caption_entities"))
                if utf16_len(parsed.text) > 1024:
                    raise bad_request("message caption is too long")
            resolved.append((self._resolve_photo({"photo": item.get("media"), "__files__": params.get("__files__", {})}),
                             parsed, caption, item.get("parse_mode")))
        reply_to = self._reply_to(chat_id, params)
        for file_id, parsed, caption, mode in resolved:
            message = self._new_message(
                chat_id, params, "sendMediaGroup", text=parsed.text or None, raw=caption, parse_mode=mode or None,
                entities=parsed.entities or None, photo=file_id, kind="photo", reply_to_message_id=reply_to,
                media={"media_group_id": group},
            )
            sent.append(self.message_json(message))
        return sent

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageText (keyboard removed unless reply_markup given, like Telegram)."""
        message = self._editable(params)
        raw = params.get("text")
        if raw is None or raw == "":
            raise bad_request("message text is empty")
        raw = str(raw)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        parsed = self._parse(raw, params.get("parse_mode"), params.get("entities"))
        if not parsed.text:
            raise bad_request("message text is empty")
        if utf16_len(parsed.text) > 4096:
            raise bad_request("message is too long")
        markup = self._validate_markup(params.get("reply_markup"), inline_only=True)
        if (parsed.text == message.text and (parsed.entities or None) == message.entities
                and markup == self._inline(message.reply_markup)):
            raise bad_request(_NOT_MODIFIED)
        self._apply_edit(message, text=parsed.text, raw=raw, parse_mode=params.get("parse_mode") or None,
                         entities=parsed.entities or None, reply_markup=markup, method="editMessageText")
        return self.message_json(message)

    async def _m_editMessageCaption(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageCaption for photo messages."""
        message = self._editable(params)
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        raw = str(params.get("caption") or "")
        parsed = self._parse(raw, params.get("parse_mode"), params.get("caption_entities")) if raw else ParsedText("", [])
        if utf16_len(parsed.text) > 1024:
            raise bad_request("message caption is too long")
        markup = self._validate_markup(params.get("reply_markup"), inline_only=True)
        if ((parsed.text or None) == message.text and (parsed.entities or None) == message.entities
                and markup == self._inline(message.reply_markup)):
            raise bad_request(_NOT_MODIFIED)
        self._apply_edit(message, text=parsed.text or None, raw=raw or None,
                         parse_mode=params.get("parse_mode") or None, entities=parsed.entities or None,
                         reply_markup=markup, method="editMessageCaption")
        return self.message_json(message)

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageReplyMarkup (absent markup removes the keyboard)."""
        message = self._editable(params)
        markup = self._validate_markup(params.get("reply_markup"), inline_only=True)
        if markup == self._inline(message.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        self._apply_edit(message, reply_markup=markup, method="editMessageReplyMarkup")
        return self.message_json(message)

    async def _m_deleteMessage(self, params: dict[str, Any]) -> bool:
        """deleteMessage (bot messages, or user messages in the chat)."""
        chat_id = self._chat_id(params)
        message_id = self._int(params, "message_id", required=True)
        assert message_id is not None
        if chat_id in self.migrated:
            self._check_writable(chat_id)
        message = self._index.get((chat_id, message_id))
        if message is not None and not message.deleted:
            message.deleted = True
            return True
        key = (chat_id, message_id)
        if key in self._user_index and key not in self._deleted_user_messages:
            self._deleted_user_messages.add(key)
            return True
        raise bad_request("message to delete not found")

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        """answerCallbackQuery (each query id answerable once)."""
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._pending_callbacks:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        del self._pending_callbacks[query_id]
        self.callback_answers[query_id] = {
            "text": text, "show_alert": self._bool(params, "show_alert"), "url": params.get("url"),
            "cache_time": self._int(params, "cache_time", 0),
        }
        return True

    async def _m_sendChatAction(self, params: dict[str, Any]) -> bool:
        """sendChatAction."""
        chat_id = self._chat_id(params)
        self._check_writable(chat_id)
        action = params.get("action")
        if not action:
            raise bad_request("action is empty")
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat_id, str(action)))
        return True

    async def _m_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        """getChat (ChatFullInfo)."""
        chat_id = self._chat_id(params)
        if chat_id in self.migrated:
            self._check_writable(chat_id)
        return {**self.chat(chat_id), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                        "premium_subscription": False, "gifts_from_channels": False}}

    async def _m_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        """getChatMember (configure with set_chat_member; default 'member')."""
        chat_id = self._chat_id(params)
        user_id = self._int(params, "user_id", required=True)
        assert user_id is not None
        if chat_id in self.migrated:
            self._check_writable(chat_id)
        user = self.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        config = dict(self.chat_members.get((chat_id, user_id), {"status": "member"}))
        status = config.pop("status")
        base: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            base["is_anonymous"] = False
        elif status == "administrator":
            for flag in ("can_be_edited", "is_anonymous", "can_post_stories", "can_edit_stories",
                         "can_delete_stories", "can_promote_members", "can_send_welcome_messages"):
                base[flag] = False
            for flag in ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                         "can_change_info", "can_invite_users"):
                base[flag] = True
        elif status == "restricted":
            base["is_member"] = True
            base["until_date"] = 0
            for flag in ("can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
                         "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
                         "can_send_other_messages", "can_add_web_page_previews", "can_react_to_messages",
                         "can_edit_tag", "can_change_info", "can_invite_users", "can_pin_messages",
                         "can_manage_topics"):
                base[flag] = False
        elif status == "kicked":
            base["until_date"] = 0
        base.update(config)
        return base

    def _source(self, params: dict[str, Any], what: str) -> tuple[int, dict[str, Any]]:
        """Resolve from_chat_id/message_id to (from_chat_id, message JSON) for copy/forward."""
        from_chat_id = self._chat_id(params, "from_chat_id")
        message_id = self._int(params, "message_id", required=True)
        assert message_id is not None
        source = self.lookup_message(from_chat_id, message_id)
        if source is None:
            raise bad_request(f"message to {what} not found")
        return from_chat_id, source

    def _copy_fields(self, source: dict[str, Any]) -> dict[str, Any]:
        """SentMessage fields replicating a source message's content."""
        if "text" in source:
            return {"kind": "text", "text": source["text"], "raw": source["text"], "parse_mode": None,
                    "entities": source.get("entities")}
        fields: dict[str, Any] = {"text": source.get("caption"), "raw": source.get("caption"), "parse_mode": None,
                                  "entities": source.get("caption_entities")}
        if "photo" in source:
            file_id = source["photo"][-1]["file_id"]
            self.files.setdefault(file_id, {"file_id": file_id, "file_unique_id": source["photo"][-1]["file_unique_id"],
                                            "file_size": 0, "file_path": f"photos/{file_id}.jpg"})
            fields.update(kind="photo", photo=file_id)
        else:
            media_keys = ("sticker", "voice", "document", "contact", "location", "video", "audio", "animation",
                          "video_note", "venue", "poll", "dice")
            media = {k: source[k] for k in media_keys if k in source}
            fields.update(kind=next(iter(media), "other"), media=media or None)
        return fields

    async def _m_forwardMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        """forwardMessage (bot or user message)."""
        chat_id = self._chat_id(params)
        self._check_writable(chat_id)
        _, source = self._source(params, "forward")
        fields = self._copy_fields(source)
        origin_user = source.get("from") or self.bot_user
        media = dict(fields.pop("media", None) or {})
        media["forward_origin"] = {"type": "user", "sender_user": origin_user, "date": source.get("date", 0)}
        message = self._new_message(chat_id, params, "forwardMessage", media=media, **fields)
        return self.message_json(message)

    async def _m_copyMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        """copyMessage (optionally replacing caption and markup); returns MessageId."""
        chat_id = self._chat_id(params)
        self._check_writable(chat_id)
        _, source = self._source(params, "copy")
        fields = self._copy_fields(source)
        if "caption" in params and fields["kind"] != "text":
            raw = str(params.get("caption") or "")
            parsed = self._parse(raw, params.get("parse_mode"), params.get("caption_entities"))
            if utf16_len(parsed.text) > 1024:
                raise bad_request("message caption is too long")
            fields.update(text=parsed.text or None, raw=raw, parse_mode=params.get("parse_mode") or None,
                          entities=parsed.entities or None)
        markup = self._validate_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat_id, params)
        message = self._new_message(chat_id, params, "copyMessage", reply_markup=markup,
                                    reply_to_message_id=reply_to, **fields)
        return {"message_id": message.message_id}

    async def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        """getFile for known file_ids."""
        file_id = params.get("file_id")
        if not file_id:
            raise bad_request("file_id is empty")
        info = self.files.get(str(file_id))
        if info is None:
            raise bad_request("invalid file_id")
        return {k: info[k] for k in ("file_id", "file_unique_id", "file_size", "file_path") if k in info}
