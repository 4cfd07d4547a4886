"""Telegram's text formatting: HTML, MarkdownV2 and Markdown turned into plain text plus MessageEntity dicts.

Offsets and lengths are in UTF-16 code units, as the Bot API counts them ("MessageEntity": offset and
length in UTF-16 code units); the HTML parser follows tdlib's (the Bot API server's) rules and error
texts, so a malformed text fails here exactly as it would at Telegram: ApiError(400, "Bad Request: can't
parse entities: ..."). Byte offsets in those error texts are UTF-8 byte offsets into the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sandbox.bot_api.errors import bad_request

__all__ = [
    "ParsedText",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "parse_text",
    "trim_like_telegram",
    "utf16_len",
    "utf8_byte_offset",
]


def utf16_len(text: str) -> int:
    """Length of a string in UTF-16 code units (how Telegram counts: an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


def utf8_byte_offset(src: str, pos: int) -> int:
    """UTF-8 byte offset of character index pos (tdlib reports parse errors at byte offsets)."""
    return len(src[:pos].encode("utf-8"))


@dataclass(slots=True)
class ParsedText:
    """Plain text after entity parsing plus its MessageEntity dicts.

    Each entity is a Bot API MessageEntity as a dict: {"type", "offset", "length", ...} with offset and
    length in UTF-16 code units, sorted by offset (longest first at the same offset).
    """

    text: str
    entities: list[dict[str, Any]]


class _Utf16TextBuilder:
    """Accumulates output characters and tracks the UTF-16 offset of its end."""

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
    """Parse Telegram's HTML subset exactly like tdlib (Bot API "HTML style"); raise ApiError(400,
    "Bad Request: can't parse entities: ...") on malformed markup.

    A bare '&' that starts no entity is kept as text, as Telegram does, unless strict_ampersand is set
    (then it is an error, which catches text that forgot html.escape).
    """
    try:
        return _parse_html(src, strict_ampersand)
    except _ParseError as e:
        raise bad_request(f"can't parse entities: {e}") from None


class _ParseError(Exception):
    """Internal parse failure message (without the 'can't parse entities' prefix)."""


def _parse_html(src: str, strict_ampersand: bool) -> ParsedText:
    """Parser body for parse_html (raises _ParseError with tdlib's message)."""
    n = len(src)
    out = _Utf16TextBuilder()
    entities: list[dict[str, Any]] = []
    # stack entries: [tag, argument, start_offset, extra]
    stack: list[list[Any]] = []

    def char_at(position: int) -> str:
        """The source character at position, or NUL past the end (as tdlib reads a C string)."""
        return src[position] if position < n else "\0"

    def is_space_or_end(position: int) -> bool:
        """Whether position is past the end or at HTML whitespace."""
        return position >= n or src[position] in _HTML_SPACE

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
                raise _ParseError(f"Unescaped '&' at byte offset {utf8_byte_offset(src, i)}")
        if c != "<":
            out.add(c)
            i += 1
            continue
        begin = i
        if char_at(i + 1) != "/":
            i += 1
            while not is_space_or_end(i) and char_at(i) != ">":
                i += 1
            if i >= n:
                raise _ParseError(f"Unclosed start tag at byte offset {utf8_byte_offset(src, begin)}")
            tag = src[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise _ParseError(f'Unsupported start tag "{tag}" at byte offset {utf8_byte_offset(src, begin)}')
            attrs: dict[str, str] = {}
            expandable = False
            while char_at(i) != ">":
                while i < n and src[i] in _HTML_SPACE:
                    i += 1
                if i >= n:
                    raise _ParseError(f"Unclosed start tag at byte offset {utf8_byte_offset(src, begin)}")
                if src[i] == ">":
                    break
                attr_begin = i
                while i < n and src[i] not in _HTML_SPACE and src[i] not in "=>":
                    i += 1
                attr_name = src[attr_begin:i].lower()
                if not attr_name:
                    raise _ParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {utf8_byte_offset(src, begin)}'
                    )
                while i < n and src[i] in _HTML_SPACE:
                    i += 1
                if char_at(i) != "=":
                    if i >= n:
                        raise _ParseError(f"Unclosed start tag at byte offset {utf8_byte_offset(src, begin)}")
                    if tag == "blockquote" and attr_name == "expandable":
                        expandable = True
                    continue
                i += 1
                while i < n and src[i] in _HTML_SPACE:
                    i += 1
                if i >= n:
                    raise _ParseError(f"Unclosed start tag at byte offset {utf8_byte_offset(src, begin)}")
                if src[i] not in "'\"":
                    token_begin = i
                    while i < n and (src[i].isascii() and src[i].isalnum() or src[i] in ".-"):
                        i += 1
                    value = src[token_begin:i].lower()
                    if i < n and src[i] not in _HTML_SPACE and src[i] != ">":
                        raise _ParseError(
                            f"Unexpected end of name token at byte offset {utf8_byte_offset(src, token_begin)}"
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
                    raise _ParseError(f"Unclosed start tag at byte offset {utf8_byte_offset(src, begin)}")
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
                        f'Tag "span" must have class "tg-spoiler" at byte offset {utf8_byte_offset(src, begin)}'
                    )
            elif tag == "tg-emoji":
                argument = attrs.get("emoji-id", "")
            elif tag == "blockquote":
                argument = "expandable" if expandable else ""
            stack.append([tag, argument, out.off, len(out.out)])
            i += 1  # skip '>'
        else:
            if not stack:
                raise _ParseError(f"Unexpected end tag at byte offset {utf8_byte_offset(src, begin)}")
            i += 2
            while not is_space_or_end(i) and char_at(i) != ">":
                i += 1
            end_name = src[begin + 2 : i].lower()
            while i < n and src[i] in _HTML_SPACE:
                i += 1
            if char_at(i) != ">":
                raise _ParseError(f"Unclosed end tag at byte offset {utf8_byte_offset(src, begin)}")
            tag, argument, start, start_index = stack.pop()
            if end_name and end_name != tag:
                raise _ParseError(
                    f'Unmatched end tag at byte offset {utf8_byte_offset(src, begin)}, expected "</{tag}>", '
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
    out = _Utf16TextBuilder()
    entities: list[dict[str, Any]] = []
    stack: list[list[Any]] = []  # [type, start_off, byte_begin, argument]

    def close_entity(kind_extra: dict[str, Any] | None = None) -> None:
        """Pop the innermost open entity and keep it if it covers any text."""
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
                close_entity()
                i += 3
            elif top == "code" and c == "`":
                close_entity()
                i += 1
            else:
                out.add(c)
                i += 1
            continue
        if c not in _MDV2_RESERVED:
            out.add(c)
            i += 1
            continue
        begin = utf8_byte_offset(src, i)
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
                    raise _ParseError(f"Can't find end of a URL at byte offset {utf8_byte_offset(src, i + 2)}")
                url = "".join(url_chars)
                if url.startswith("tg://user?id=") and url[13:].isdigit():
                    close_entity({"type": "text_mention", "user": {"id": int(url[13:]), "is_bot": False, "first_name": ""}})
                else:
                    close_entity({"url": url})
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
            close_entity()
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
    out = _Utf16TextBuilder()
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
        begin = utf8_byte_offset(src, i)
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


def trim_like_telegram(parsed: ParsedText) -> ParsedText:
    """Strip leading/trailing whitespace like Telegram does to a sent text, shifting and clipping entities."""
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
    """Parse text by parse_mode (None/HTML/MarkdownV2/Markdown, case-insensitive) and trim it like Telegram.

    Without parse_mode the explicit `entities` are kept as given. An unknown parse_mode is
    ApiError(400, "Bad Request: unsupported parse_mode").
    """
    if not parse_mode:
        return trim_like_telegram(ParsedText(text, list(entities or [])))
    mode = parse_mode.lower()
    if mode == "html":
        parsed = parse_html(text, strict_ampersand=strict_ampersand)
    elif mode == "markdownv2":
        parsed = parse_markdown_v2(text)
    elif mode == "markdown":
        parsed = parse_markdown(text)
    else:
        raise bad_request("unsupported parse_mode")
    return trim_like_telegram(parsed)

