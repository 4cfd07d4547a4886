"""A chat as a Telegram app shows it, for the page: messages in order with their formatting (rebuilt
from the entities the Bot API parsed, so nothing the bot or a person wrote reaches the page as markup),
edits in place, deleted messages gone, inline buttons, the reply keyboard in force."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sandbox.bot_api import FakeTelegram, SentMessage

#: entity type -> (opening tag, closing tag); anything else is shown as plain text
TAGS = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "pre": ('<code class="pre">', "</code>"),
    "blockquote": ('<span class="quote">', "</span>"),
    "expandable_blockquote": ('<span class="quote">', "</span>"),
    "text_mention": ('<span class="mention">', "</span>"),
    "mention": ('<span class="mention">', "</span>"),
    "bot_command": ('<span class="command">', "</span>"),
}


START_LINK = re.compile(r"/start [A-Za-z0-9_-]{1,64}")


def _link(entity: dict[str, Any]) -> tuple[str, str]:
    url = str(entity.get("url") or "")
    if url.startswith("tg://user"):
        return '<span class="mention">', "</span>"
    if not url.startswith(("http://", "https://")):
        return "<span>", "</span>"
    return f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">', "</a>"


def entities_html(text: str, entities: list[dict[str, Any]] | None) -> str:
    """Text with its entities as safe HTML: every piece of text escaped, tags only from the entity types
    above (offsets and lengths in UTF-16 code units, as the Bot API counts them)."""
    units = text.encode("utf-16-le")
    size = len(units) // 2
    spans = []
    for entity in entities or []:
        start, length = int(entity.get("offset", 0)), int(entity.get("length", 0))
        kind = entity.get("type")
        if length <= 0 or start < 0 or start >= size:
            continue
        tags = _link(entity) if kind == "text_link" else TAGS.get(str(kind))
        if tags:
            spans.append((start, min(size, start + length), tags))
    cuts = sorted({0, size, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out = []
    for left, right in zip(cuts, cuts[1:]):
        piece = html.escape(units[left * 2:right * 2].decode("utf-16-le", errors="replace"))
        active = sorted((s for s in spans if s[0] <= left and right <= s[1]), key=lambda s: (s[0], -s[1]))
        out.append("".join(t[0] for _, _, t in active) + piece + "".join(t[1] for _, _, t in reversed(active)))
    return "".join(out)


def file_url(fake: FakeTelegram, file_id: str | None) -> str | None:
    """Where the page loads a file the fake holds."""
    info = fake.files.get(file_id or "")
    if not info:
        return None
    return "/api/file?path=" + quote(info["file_path"])


def _time(stamp: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(stamp, UTC).astimezone(tz).strftime("%H:%M")


def _inline(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    rows = []
    for row in (markup or {}).get("inline_keyboard", []):
        buttons = []
        for button in row:
            item: dict[str, Any] = {"text": button.get("text", "")}
            if "callback_data" in button:
                item["data"] = button["callback_data"]
            elif "url" in button:
                item["url"] = button["url"]
            buttons.append(item)
        rows.append(buttons)
    return rows


def bot_message(fake: FakeTelegram, message: SentMessage, tz: ZoneInfo) -> dict[str, Any]:
    """One of the bot's messages."""
    item: dict[str, Any] = {
        "id": message.message_id, "out": False, "sender": fake.bot_user.get("first_name", "bot"), "bot": True,
        "html": entities_html(message.text or "", message.entities), "time": _time(message.date, tz),
        "edited": message.edit_date is not None, "buttons": _inline(message.reply_markup),
        "version": len(message.edits),
    }
    if message.kind == "photo":
        item["photo"] = file_url(fake, message.photo) or ""
    elif message.kind == "voice":
        item["voice"] = file_url(fake, (message.media or {}).get("voice", {}).get("file_id")) or ""
    if message.reply_to_message_id is not None:
        item["reply_to"] = message.reply_to_message_id
    if message.message_thread_id is not None:
        item["topic"] = message.message_thread_id
    return item


def user_message(fake: FakeTelegram, message: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """A message someone sent in the chat."""
    sender = message.get("from", {})
    text, entities = message.get("text") or message.get("caption") or "", message.get("entities")
    if START_LINK.fullmatch(text) and message["chat"]["id"] > 0:
        text = "/start"  # an opened t.me link: the app shows the command, not the code it carries
    item: dict[str, Any] = {
        "id": message["message_id"], "out": True, "bot": False, "sender_id": sender.get("id"),
        "sender": " ".join(filter(None, (sender.get("first_name"), sender.get("last_name")))),
        "html": entities_html(text, entities or message.get("caption_entities")),
        "time": _time(message.get("date", 0), tz), "edited": "edit_date" in message, "buttons": [],
    }
    if "photo" in message:
        item["photo"] = file_url(fake, message["photo"][-1]["file_id"]) or ""
    if "voice" in message:
        item["voice"] = file_url(fake, message["voice"]["file_id"]) or ""
    if "contact" in message:
        contact = message["contact"]
        item["contact"] = {"name": contact.get("first_name", ""), "phone": contact.get("phone_number", "")}
    return item


def reply_keyboard(fake: FakeTelegram, chat_id: int) -> list[list[dict[str, Any]]] | None:
    """The reply keyboard shown under the input field, or None."""
    markup = fake.reply_keyboards.get(chat_id)
    if not markup:
        return None
    rows = []
    for row in markup.get("keyboard", []):
        buttons = []
        for button in row:
            button = button if isinstance(button, dict) else {"text": button}
            buttons.append({"text": button.get("text", ""), "contact": bool(button.get("request_contact")),
                            "location": bool(button.get("request_location"))})
        rows.append(buttons)
    return rows


def chat_view(fake: FakeTelegram, chat_id: int, title: str, tz: ZoneInfo, limit: int = 150) -> dict[str, Any]:
    """Everything a column shows of a chat."""
    items = [bot_message(fake, m, tz) for m in fake.messages.get(chat_id, []) if not m.deleted]
    items += [
        user_message(fake, m, tz) for m in fake.user_messages.get(chat_id, [])
        if fake.lookup_message(chat_id, m["message_id"]) is not None
    ]
    items.sort(key=lambda item: item["id"])
    return {"id": chat_id, "title": title, "group": chat_id < 0, "messages": items[-limit:],
            "keyboard": reply_keyboard(fake, chat_id)}
