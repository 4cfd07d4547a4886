"""The chat model: who and what exists in the fake Telegram, and every message in it.

Users and chats (private chats, groups, supergroups, forum topics), group-to-supergroup migration,
users who blocked the bot or were deactivated, groups the bot was kicked from, the bot's sent messages
with their edits and deletions, users' messages (for replies, copies and forwards), files the bot may
send or download, chat members, the reply keyboard each chat shows, pending button presses, and a read
cursor per chat so a test can assert that nothing else was sent.

Ids follow Telegram: a private chat's id is the user's id (> 0), a group's is negative, a supergroup's
starts with -100. message_id counts per chat, shared by user and bot messages. Dates are Unix seconds
from FakeTelegram.clock.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field, replace
from typing import Any, Callable, NamedTuple

from sandbox.bot_api.errors import ApiError, bad_request
from sandbox.bot_api.params import read_int

__all__ = ["ChatModel", "MessageChange", "SentMessage"]


@dataclass(slots=True, eq=False)
class SentMessage:
    """A message the bot sent (or copied/forwarded) as stored by the fake.

    text is the plain text (or caption) after entity parsing, raw the source as sent, entities its
    MessageEntity dicts (UTF-16 offsets). kind is "text", "photo", "voice" or, for copies and forwards,
    the source's media kind. An edit changes the message in place and keeps the previous version in
    `edits` (oldest first); method is the call that last changed it.
    """

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


class MessageChange(NamedTuple):
    """One send or edit of a bot message: its position in the change log, the message, the method that
    made the change and the message's text (or caption) right after it."""

    position: int
    message: SentMessage
    method: str
    text: str | None

    def describe(self) -> str:
        """One line for an assertion message: message id, method and text."""
        return f"message {self.message.message_id} by {self.method}: {self.text!r}"


class ChatModel:
    """The state of the fake Telegram world and the operations on it (a part of FakeTelegram).

    Tests use the public methods to set the world up (register_user, block_user, migrate_group, ...)
    and to read what the bot did (messages, changes_since, unread, ...); the Bot API methods use the
    underscored ones to store what the bot sends.
    """

    bot_user: dict[str, Any]
    clock: Callable[[], float]

    def _init_chat_model(self) -> None:
        """Create the empty world."""
        #: The bot's messages per chat, oldest first (deleted ones too, flagged).
        self.messages: dict[int, list[SentMessage]] = {}
        #: Users' messages per chat as Message dicts, oldest first.
        self.user_messages: dict[int, list[dict[str, Any]]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.file_contents: dict[str, bytes] = {}
        self.chat_members: dict[tuple[int, int], dict[str, Any]] = {}
        #: The ReplyKeyboardMarkup each chat currently shows.
        self.reply_keyboards: dict[int, dict[str, Any]] = {}
        #: answerCallbackQuery parameters by callback query id.
        self.callback_answers: dict[str, dict[str, Any]] = {}

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
        self._changes_by_chat: dict[int, list[MessageChange]] = {}
        self._read_cursors: dict[int, int] = {}
        self._message_waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._pending_callbacks: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ setting the world up

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
        as Telegram's do. KeyError if no such message exists."""
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

    # ------------------------------------------------------------------ users' messages and presses

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

    # ------------------------------------------------------------------ reading what the bot did

    def find_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """A bot message by chat and id (including deleted ones)."""
        return self._index.get((chat_id, message_id))

    def lookup_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Message JSON of a bot or user message that exists and is not deleted."""
        message = self._index.get((chat_id, message_id))
        if message is not None:
            return None if message.deleted else self.message_json(message)
        if (chat_id, message_id) in self._deleted_user_messages:
            return None
        return self._user_index.get((chat_id, message_id))

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
            data["photo"] = self.files.get(message.photo or "", {}).get("sizes") or self.photo_sizes(message.photo or "")
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

    def photo_sizes(self, file_id: str) -> list[dict[str, Any]]:
        """The PhotoSize array (a 90x90 thumbnail, then 800x800) Telegram returns for a photo file_id."""
        unique = self.files.get(file_id, {}).get("file_unique_id", "AQAD" + file_id[-8:])
        return [
            {"file_id": file_id + "_s", "file_unique_id": unique + "s", "width": 90, "height": 90, "file_size": 1000},
            {"file_id": file_id, "file_unique_id": unique, "width": 800, "height": 800, "file_size": 50000},
        ]

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

    async def wait_new_message(self, chat_id: int, count: int, timeout: float = 10) -> None:
        """Wait until the bot has sent more than `count` messages to chat_id (len(fake.messages[chat_id])),
        woken only by that chat's messages, so thousands of waiting chats cost nothing meanwhile."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.messages.get(chat_id, ())) <= count:
            waiter = loop.create_future()
            self._message_waiters.setdefault(chat_id, []).append(waiter)
            await asyncio.wait_for(waiter, max(deadline - loop.time(), 0))

    # ------------------------------------------------------------------ read cursors

    def mark_read(self, chat_id: int, through: SentMessage | None = None) -> None:
        """Move chat_id's read cursor past `through` (its last send or edit so far), or past everything
        the bot did in the chat so far when `through` is None. The cursor only moves forward: whatever
        came before the message read counts as read too."""
        changes = self._changes_by_chat.get(chat_id, [])
        if through is None:
            position = len(self._changelog)
        else:
            position = next((c.position + 1 for c in reversed(changes) if c.message is through), 0)
        self._read_cursors[chat_id] = max(self._read_cursors.get(chat_id, 0), position)

    def unread(self, chat_id: int) -> list[MessageChange]:
        """The sends and edits of not-deleted bot messages in chat_id after its read cursor, in order."""
        cursor = self._read_cursors.get(chat_id, 0)
        changes = self._changes_by_chat.get(chat_id, [])
        start = len(changes)
        while start > 0 and changes[start - 1].position >= cursor:
            start -= 1
        return [c for c in changes[start:] if not c.message.deleted]

    def assert_no_unread(self, chat_id: int) -> None:
        """AssertionError listing the bot's unread messages and edits in chat_id, if there are any
        (a test reads messages with TgUser.expect or mark_read)."""
        unread = self.unread(chat_id)
        if unread:
            listing = "\n  ".join(change.describe() for change in unread)
            raise AssertionError(
                f"the bot sent {len(unread)} more message(s) or edit(s) to chat {chat_id} than the test read:\n"
                f"  {listing}"
            )

    # ------------------------------------------------------------------ storing what the bot sends

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

    def _log_change(self, message: SentMessage) -> None:
        """Append a send or edit of message to the change log and to its chat's changes."""
        self._changes_by_chat.setdefault(message.chat_id, []).append(
            MessageChange(len(self._changelog), message, message.method, message.text)
        )
        self._changelog.append(message)

    def _store_bot_message(self, message: SentMessage) -> SentMessage:
        """Append a new bot message to state and the change log; wake its chat's waiters."""
        self.messages.setdefault(message.chat_id, []).append(message)
        self._index[(message.chat_id, message.message_id)] = message
        self._log_change(message)
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
        """Create and store a SentMessage for a send-like call (400 if its forum topic was deleted)."""
        thread = read_int(params, "message_thread_id")
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
        return self._store_bot_message(message)

    def _apply_edit(self, message: SentMessage, **changes: Any) -> None:
        """Snapshot the old version into edits and apply changes in place."""
        snapshot = replace(message, edits=[])
        for name, value in changes.items():
            setattr(message, name, value)
        message.edits.append(snapshot)
        message.edit_date = int(self.clock())
        self._log_change(message)
