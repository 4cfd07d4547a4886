"""A conversation client that plays a Telegram user against FakeTelegram, so tests read like a chat.

Reading: expect() waits for a bot message and reads it, moving the chat's read cursor (kept by the
fake, one per chat, shared by everyone in a group) past it; expect_nothing_more() then fails listing
whatever the bot sent or edited in the chat after what the test read.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from dataclasses import dataclass
from typing import Any

from sandbox.bot_api import FakeTelegram, MessageChange, SentMessage, utf16_len

__all__ = ["GroupChat", "TgUser"]

_query_ids = itertools.count(4_000_000_000_000_000_000)


#: seconds a press on a given message waits for the button to appear (its edit still being sent)
PRESS_WAIT = 5.0


@dataclass(frozen=True, slots=True)
class GroupChat:
    """A group/supergroup the user writes in."""

    id: int
    title: str
    type: str = "supergroup"

    def as_chat(self) -> dict[str, Any]:
        """Telegram Chat object."""
        return {"id": self.id, "title": self.title, "type": self.type}


class TgUser:
    """A human Telegram user: sends updates into the fake and waits for the bot to finish reacting."""

    def __init__(
        self,
        fake: FakeTelegram,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        *,
        chat: GroupChat | None = None,
        phone: str | None = None,
        is_premium: bool = False,
    ) -> None:
        """Register the user (and its private chat or the group) with the fake."""
        self.fake = fake
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.group = chat
        self.phone = phone or f"+1555{user_id % 10_000_000:07d}"
        self.location: tuple[float, float] = (31.2304, 121.4737)
        self.is_premium = is_premium
        self.timeout = 10.0
        self.settle_quiet = 0.15
        self.settle_max = 5.0
        self.last_answer: dict[str, Any] | None = None
        self.last_update_id: int | None = None
        self._action_mark = 0
        fake.register_user(self.user)
        if chat is None:
            private = {"id": user_id, "type": "private", "first_name": first_name}
            if last_name:
                private["last_name"] = last_name
            if username:
                private["username"] = username
            fake.register_chat(private)
        elif chat.id not in fake.chats:
            fake.register_chat(chat.as_chat())

    # ------------------------------------------------------------------ identity

    @property
    def user(self) -> dict[str, Any]:
        """Telegram User object (the `from` field)."""
        data: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        if self.is_premium:
            data["is_premium"] = True
        return data

    @property
    def chat_id(self) -> int:
        """The chat this user talks in (private chat id == user id, or the group id)."""
        return self.group.id if self.group else self.user_id

    # ------------------------------------------------------------------ sending

    def _message(self, reply_to: SentMessage | int | None = None, **content: Any) -> dict[str, Any]:
        """Build and record a user Message object with the given content fields."""
        message: dict[str, Any] = {
            "message_id": self.fake.allocate_message_id(self.chat_id),
            "from": self.user,
            "chat": self.fake.chat(self.chat_id),
            "date": int(self.fake.clock()),
        }
        if reply_to is not None:
            reply_id = reply_to.message_id if isinstance(reply_to, SentMessage) else reply_to
            replied = self.fake.lookup_message(self.chat_id, reply_id)
            if replied is None:
                raise AssertionError(f"cannot reply to unknown message {reply_id} in chat {self.chat_id}")
            message["reply_to_message"] = replied
        message.update(content)
        self.fake.record_user_message(message)
        return message

    async def _roundtrip(self, update: dict[str, Any]) -> list[SentMessage]:
        """Push an update, wait until it is processed and bot activity settles; return new/edited messages."""
        mark = self.fake.mark()
        self._action_mark = mark
        update_id = self.fake.push_update(update)
        self.last_update_id = update_id
        await self.fake.wait_processed(update_id, timeout=self.timeout)
        await self.fake.settle(self.settle_quiet, self.settle_max)
        return self.fake.changes_since(mark, self.chat_id)

    async def send_message(self, message: dict[str, Any]) -> list[SentMessage]:
        """Send a prepared Message object (see _message) as a `message` update."""
        return await self._roundtrip({"message": message})

    async def send(
        self, text: str, *, reply_to: SentMessage | int | None = None, entities: list[dict[str, Any]] | None = None
    ) -> list[SentMessage]:
        """Send a text message; return the bot's new/edited messages in this chat."""
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return await self.send_message(self._message(reply_to, **content))

    async def send_command(self, command: str, *, reply_to: SentMessage | int | None = None) -> list[SentMessage]:
        """Send '/cmd args' with a bot_command entity ('/cmd@bot' in groups is fine too)."""
        if not command.startswith("/"):
            command = "/" + command
        head = command.split(maxsplit=1)[0]
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(head)}
        return await self.send(command, reply_to=reply_to, entities=[entity])

    async def send_contact(
        self, phone: str | None = None, *, first_name: str | None = None, user_id: int | None = None,
        last_name: str | None = None,
    ) -> list[SentMessage]:
        """Share a contact (defaults to the user's own, with user_id set like Telegram does)."""
        own = phone is None
        contact: dict[str, Any] = {
            "phone_number": self.phone if own else phone,
            "first_name": first_name or self.first_name,
        }
        if last_name or (own and self.last_name):
            contact["last_name"] = last_name or self.last_name
        if user_id is not None or own:
            contact["user_id"] = user_id if user_id is not None else self.user_id
        return await self.send_message(self._message(contact=contact))

    def _file(self, prefix: str, path: str, content: bytes = b"fake-media") -> dict[str, Any]:
        """Register a new file and return its File dict."""
        return self.fake.register_file(prefix + secrets.token_urlsafe(24), content=content, file_path=path)

    async def send_sticker(self, emoji: str = "👍", *, set_name: str | None = "DoorstepStickers") -> list[SentMessage]:
        """Send a regular static sticker."""
        info = self._file("CAACAgIAAxkBAA", f"stickers/file_{len(self.fake.files)}.webp")
        sticker: dict[str, Any] = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"],
                                   "width": 512, "height": 512, "is_animated": False, "is_video": False,
                                   "type": "regular", "emoji": emoji, "file_size": info["file_size"]}
        if set_name:
            sticker["set_name"] = set_name
        return await self.send_message(self._message(sticker=sticker))

    async def send_photo(self, caption: str | None = None) -> list[SentMessage]:
        """Send a photo (several PhotoSize entries, largest last) with an optional caption."""
        info = self._file("AgACAgIAAxkBAA", f"photos/file_{len(self.fake.files)}.jpg")
        small = self._file("AgACAgIAAxkBAA", f"photos/file_{len(self.fake.files)}_s.jpg")
        photo = [
            {"file_id": small["file_id"], "file_unique_id": small["file_unique_id"], "file_size": 1500,
             "width": 90, "height": 67},
            {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"], "file_size": 60000,
             "width": 1280, "height": 960},
        ]
        content: dict[str, Any] = {"photo": photo}
        if caption:
            content["caption"] = caption
        return await self.send_message(self._message(**content))

    def _photo_sizes(self) -> list[dict[str, Any]]:
        """A new photo as Telegram delivers it: several PhotoSize entries, largest last."""
        info = self._file("AgACAgIAAxkBAA", f"photos/file_{len(self.fake.files)}.jpg")
        small = self._file("AgACAgIAAxkBAA", f"photos/file_{len(self.fake.files)}_s.jpg")
        return [
            {"file_id": small["file_id"], "file_unique_id": small["file_unique_id"], "file_size": 1500,
             "width": 90, "height": 67},
            {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"], "file_size": 60000,
             "width": 1280, "height": 960},
        ]

    async def _burst(self, messages: list[dict[str, Any]]) -> list[SentMessage]:
        """Push several messages at once, as a Telegram client does for an album or a split long text,
        wait until the last is processed and the bot settles; return the bot's new/edited messages."""
        mark = self.fake.mark()
        self._action_mark = mark
        ids = [self.fake.push_update({"message": message}) for message in messages]
        self.last_update_id = ids[-1]
        await self.fake.wait_processed(ids[-1], timeout=self.timeout)
        await self.fake.settle(self.settle_quiet, self.settle_max)
        return self.fake.changes_since(mark, self.chat_id)

    async def send_album(self, count: int = 3, caption: str | None = None) -> list[SentMessage]:
        """Send `count` photos as one album (2-10, one message each, a shared media_group_id, the caption on
        the first), all pushed before the bot answers anything, as Telegram delivers them."""
        if not 2 <= count <= 10:
            raise AssertionError("a Telegram album has 2 to 10 items")
        group = str(secrets.randbelow(10**17) + 10**17)
        messages = []
        for index in range(count):
            content: dict[str, Any] = {"photo": self._photo_sizes(), "media_group_id": group}
            if caption and index == 0:
                content["caption"] = caption
            messages.append(self._message(**content))
        return await self._burst(messages)

    async def send_long(self, text: str) -> list[SentMessage]:
        """Paste a text longer than Telegram's 4,096 characters: the client sends it as consecutive
        messages of at most 4,096 UTF-16 units each, all at once."""
        parts, current = [], ""
        for char in text:
            if utf16_len(current + char) > 4096:
                parts.append(current)
                current = ""
            current += char
        parts.append(current)
        return await self._burst([self._message(text=part) for part in parts])

    async def edit(self, message_id: int, text: str) -> list[SentMessage]:
        """Edit one of this user's earlier text messages: an `edited_message` update with the same
        message_id, the original date and an edit_date, as Telegram sends it."""
        original = self.fake.lookup_message(self.chat_id, message_id)
        if original is None or original.get("from", {}).get("id") != self.user_id or "text" not in original:
            raise AssertionError(f"message {message_id} is not a text message of this user")
        edited = {**original, "text": text, "edit_date": max(int(self.fake.clock()), original["date"] + 1)}
        edited.pop("entities", None)
        self.fake.replace_user_message(edited)
        return await self._roundtrip({"edited_message": edited})

    def last_sent_id(self) -> int:
        """The message_id of this user's newest message."""
        return self.fake.user_messages[self.chat_id][-1]["message_id"]

    async def send_voice(self, duration: int = 3, caption: str | None = None) -> list[SentMessage]:
        """Send a voice note, with an optional caption."""
        info = self._file("AwACAgIAAxkBAA", f"voice/file_{len(self.fake.files)}.oga")
        voice = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"], "duration": duration,
                 "mime_type": "audio/ogg", "file_size": info["file_size"]}
        extra: dict[str, Any] = {"caption": caption} if caption else {}
        return await self.send_message(self._message(voice=voice, **extra))

    async def send_location(self, latitude: float | None = None, longitude: float | None = None) -> list[SentMessage]:
        """Send a location (defaults to user.location)."""
        lat = self.location[0] if latitude is None else latitude
        lon = self.location[1] if longitude is None else longitude
        return await self.send_message(self._message(location={"latitude": lat, "longitude": lon}))

    async def send_document(
        self, file_name: str = "document.pdf", mime_type: str = "application/pdf", caption: str | None = None,
        content: bytes = b"%PDF-1.4 fake",
    ) -> list[SentMessage]:
        """Send a document."""
        info = self._file("BQACAgIAAxkBAA", f"documents/{file_name}", content)
        document = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"], "file_name": file_name,
                    "mime_type": mime_type, "file_size": info["file_size"]}
        extra: dict[str, Any] = {"caption": caption} if caption else {}
        return await self.send_message(self._message(document=document, **extra))

    async def leave_group(self, *, removed_by: int | None = None) -> list[SentMessage]:
        """Leave the group this user writes in (or be removed by `removed_by`): a chat_member update."""
        assert self.group is not None, "only a group can be left"
        mark = self.fake.mark()
        update_id = self.fake.chat_member_update(
            self.group.id, self.user_id, "kicked" if removed_by else "left", by=removed_by)
        await self.fake.wait_processed(update_id, timeout=self.timeout)
        await self.fake.settle(self.settle_quiet, self.settle_max)
        return self.fake.changes_since(mark, self.chat_id)

    # ------------------------------------------------------------------ buttons

    def _find_inline(self, label: str, message: SentMessage | None) -> tuple[SentMessage, dict[str, Any]]:
        """Locate an inline button by case-insensitive label substring (exact match preferred)."""
        needle = label.casefold()
        candidates = [message] if message is not None else [
            m for m in reversed(self.fake.messages.get(self.chat_id, []))
            if not m.deleted and m.reply_markup and "inline_keyboard" in m.reply_markup
        ]
        available: list[str] = []
        for candidate in candidates:
            buttons = [b for row in (candidate.reply_markup or {}).get("inline_keyboard", []) for b in row]
            available.extend(f"{b.get('text')!r} (msg {candidate.message_id})" for b in buttons)
            exact = [b for b in buttons if b.get("text", "").casefold() == needle]
            partial = [b for b in buttons if needle in b.get("text", "").casefold()]
            if exact or partial:
                return candidate, (exact or partial)[0]
            if message is None:
                break  # only the newest message with an inline keyboard counts
        where = f"message {message.message_id}" if message else f"newest inline keyboard in chat {self.chat_id}"
        raise AssertionError(f"no inline button matching {label!r} in {where}; available: {available or 'none'}")

    async def press(self, label: str, *, message: SentMessage | None = None) -> list[SentMessage]:
        """Press an inline button (newest message with an inline keyboard, or `message`); return new messages."""
        if message is not None and message.deleted:
            raise AssertionError(f"message {message.message_id} was deleted; its buttons cannot be pressed")
        target, button = await self._find_inline_soon(label, message)
        if "callback_data" not in button:
            raise AssertionError(f"button {button.get('text')!r} has no callback_data: {button}")
        return await self.press_data(button["callback_data"], message=target)

    async def _find_inline_soon(self, label: str, message: SentMessage | None) -> tuple[SentMessage, dict[str, Any]]:
        """The button on `message`, waiting up to PRESS_WAIT seconds for an edit that is still in the outbox
        (a card is edited by the sender after the update that changed it; a person would press once it shows)."""
        deadline = asyncio.get_running_loop().time() + (PRESS_WAIT if message is not None else 0)
        while True:
            try:
                return self._find_inline(label, message)
            except AssertionError:
                if asyncio.get_running_loop().time() >= deadline or (message is not None and message.deleted):
                    raise
                await asyncio.sleep(0.05)

    async def press_data(self, data: str, *, message: SentMessage | None = None) -> list[SentMessage]:
        """Send a callback_query with arbitrary data (forgery) for `message` (default: newest bot message)."""
        target = message or self.last()
        if target is None:
            raise AssertionError(f"no bot message in chat {self.chat_id} to attach a callback query to")
        query_id = str(next(_query_ids))
        callback = {
            "id": query_id,
            "from": self.user,
            "message": self.fake.message_json(target),
            "chat_instance": str(abs(hash((self.fake.bot_id, self.chat_id))) % 10**19),
            "data": data,
        }
        self.fake.register_callback_query(query_id, callback)
        self.last_answer = None
        result = await self._roundtrip({"callback_query": callback})
        self.last_answer = self.fake.callback_answers.get(query_id)
        return result

    def reply_keyboard(self) -> dict[str, Any] | None:
        """The ReplyKeyboardMarkup currently shown in this chat (None if none/removed)."""
        return self.fake.reply_keyboards.get(self.chat_id)

    async def tap(self, label: str) -> list[SentMessage]:
        """Tap a reply-keyboard button: plain -> text message; request_contact/request_location -> share."""
        keyboard = self.reply_keyboard()
        if keyboard is None:
            raise AssertionError(f"no reply keyboard is shown in chat {self.chat_id}")
        buttons = [b if isinstance(b, dict) else {"text": b} for row in keyboard["keyboard"] for b in row]
        needle = label.casefold()
        exact = [b for b in buttons if b["text"].casefold() == needle]
        partial = [b for b in buttons if needle in b["text"].casefold()]
        if not (exact or partial):
            raise AssertionError(f"no reply button matching {label!r}; available: {[b['text'] for b in buttons]}")
        button = (exact or partial)[0]
        if button.get("request_contact"):
            return await self.send_contact()
        if button.get("request_location"):
            return await self.send_location()
        return await self.send(button["text"])

    # ------------------------------------------------------------------ reading

    def messages(self) -> list[SentMessage]:
        """Non-deleted bot messages in this chat, oldest first."""
        return [m for m in self.fake.messages.get(self.chat_id, []) if not m.deleted]

    def last(self) -> SentMessage | None:
        """Newest non-deleted bot message in this chat."""
        for message in reversed(self.fake.messages.get(self.chat_id, [])):
            if not message.deleted:
                return message
        return None

    def texts(self) -> list[str]:
        """Plain texts (or captions) of non-deleted bot messages in this chat."""
        return [m.text or "" for m in self.messages()]

    def keyboard_labels(self, msg: SentMessage | None = None) -> list[str]:
        """Button texts of msg (inline or reply keyboard), or of the current reply keyboard if msg is None."""
        if msg is not None:
            return msg.button_texts()
        keyboard = self.reply_keyboard()
        if keyboard is None:
            return []
        return [b["text"] if isinstance(b, dict) else b for row in keyboard["keyboard"] for b in row]

    async def expect(self, substring: str, timeout: float = 5.0, *, since_start: bool = False) -> SentMessage:
        """Wait until a bot message/edit in this chat (since the last action, or ever) contains substring;
        return the newest such message and mark the chat read through it (see expect_nothing_more)."""
        mark = 0 if since_start else self._action_mark
        found: list[SentMessage] = []

        def check() -> bool:
            for message in reversed(self.fake.changes_since(mark, self.chat_id)):
                if substring in (message.text or ""):
                    found.append(message)
                    return True
            return False

        if await self.fake.wait_activity(check, timeout):
            self.fake.mark_read(self.chat_id, through=found[-1])
            return found[-1]
        recent = [m.text for m in self.messages()[-5:]]
        raise AssertionError(f"no bot message in chat {self.chat_id} containing {substring!r} within {timeout}s; "
                             f"last texts: {recent}")

    def mark_read(self, through: SentMessage | None = None) -> None:
        """Count this chat's bot messages as read: through `through` (its latest edit so far), or all so far."""
        self.fake.mark_read(self.chat_id, through)

    def unread(self) -> list[MessageChange]:
        """The bot's sends and edits in this chat after what the test read, oldest first."""
        return self.fake.unread(self.chat_id)

    async def expect_nothing_more(self) -> None:
        """Once the bot is quiet, fail listing every message or edit it sent to this chat after the last one
        the test read (with expect or mark_read). A bot with an outbox: drain it first (helpers.nothing_more)."""
        await self.fake.settle(self.settle_quiet, self.settle_max)
        self.fake.assert_no_unread(self.chat_id)
