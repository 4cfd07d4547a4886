"""People in the embedded Telegram: what a Telegram app sends when someone types, taps or shares.

Every action becomes the update a real client would cause (a message with its entities, a contact with
the sender's user_id, a photo as several sizes, a callback query for an inline button), pushed into the
fake Bot API; the real bot picks it up by long polling like any other update.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from sandbox.bot_api import FakeTelegram, utf16_len

_query_ids = itertools.count(7_000_000_000_000_000_000)


@dataclass
class Person:
    """A Telegram account of the sandbox: a resident, a social worker or a coordinator."""

    user_id: int
    name: str
    language_code: str
    role: str  # "resident" | "worker" | "coordinator"
    phone: str
    last_name: str | None = None
    note: str = ""  # who this is, shown in the page
    groups: list[int] = field(default_factory=list)  # staff groups this person writes in
    invite: str | None = None  # the register's invite code (residents imported from the register)

    @property
    def user(self) -> dict[str, Any]:
        """The Telegram User object (a message's `from`)."""
        data: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.name,
                                "language_code": self.language_code}
        if self.last_name:
            data["last_name"] = self.last_name
        return data

    def public(self) -> dict[str, Any]:
        """What the page knows of the person."""
        return {"id": self.user_id, "name": self.name, "language": self.language_code, "role": self.role,
                "note": self.note, "groups": self.groups, "invite": self.invite, "phone": self.phone}


class Telegram:
    """Drives the fake: registers people and chats and sends what their apps would send."""

    def __init__(self, fake: FakeTelegram, next_update_id: int = 1) -> None:
        self.fake = fake
        self.next_update_id = next_update_id
        self.on_change: list[Any] = []  # callables run after a person's message is recorded

    def enter(self, person: Person) -> None:
        """Make the account and its private chat known to the fake."""
        self.fake.register_user(person.user)
        chat: dict[str, Any] = {"id": person.user_id, "type": "private", "first_name": person.name}
        if person.last_name:
            chat["last_name"] = person.last_name
        self.fake.register_chat(chat)

    def group(self, chat_id: int, title: str) -> None:
        """A staff group (a supergroup, as Telegram makes every group with an admin bot)."""
        self.fake.register_chat({"id": chat_id, "title": title, "type": "supergroup"})

    # ------------------------------------------------------------------ sending

    def _message(self, person: Person, chat_id: int, **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.fake.allocate_message_id(chat_id),
            "from": person.user,
            "chat": self.fake.chat(chat_id),
            "date": int(self.fake.clock()),
        }
        message.update(content)
        self.fake.record_user_message(message)
        self._changed()
        return message

    def _changed(self) -> None:
        for callback in self.on_change:
            callback()

    async def _push(self, update: dict[str, Any], timeout: float = 15) -> int:
        update_id = self.next_update_id
        self.next_update_id += 1
        self.fake.push_update({"update_id": update_id, **update})
        await self.fake.wait_processed(update_id, timeout=timeout)
        return update_id

    async def send_text(self, person: Person, chat_id: int, text: str) -> None:
        """Type and send a text (a leading /command gets its bot_command entity, as clients add it)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            head = text.split(maxsplit=1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(head)}]
        await self._push({"message": self._message(person, chat_id, **content)})

    async def share_contact(self, person: Person, chat_id: int) -> None:
        """Press «share my phone number»: the person's own contact, with their user_id."""
        contact = {"phone_number": person.phone, "first_name": person.name, "user_id": person.user_id}
        if person.last_name:
            contact["last_name"] = person.last_name
        await self._push({"message": self._message(person, chat_id, contact=contact)})

    def _file(self, prefix: str, path: str, content: bytes) -> dict[str, Any]:
        return self.fake.register_file(prefix + secrets.token_urlsafe(24), content=content, file_path=path)

    async def send_photo(self, person: Person, chat_id: int, content: bytes, caption: str | None = None) -> None:
        """Send a photo: Telegram delivers a small and a large size, largest last."""
        number = len(self.fake.files)
        small = self._file("AgACAgIAAxkBAA", f"photos/file_{number}_s.jpg", content)
        large = self._file("AgACAgIAAxkBAA", f"photos/file_{number}.jpg", content)
        photo = [
            {"file_id": small["file_id"], "file_unique_id": small["file_unique_id"], "file_size": len(content),
             "width": 90, "height": 90},
            {"file_id": large["file_id"], "file_unique_id": large["file_unique_id"], "file_size": len(content),
             "width": 1280, "height": 1280},
        ]
        extra: dict[str, Any] = {"caption": caption} if caption else {}
        await self._push({"message": self._message(person, chat_id, photo=photo, **extra)})

    async def send_voice(self, person: Person, chat_id: int, content: bytes, duration: int,
                         mime_type: str = "audio/ogg") -> None:
        """Send a voice note (a recording or an uploaded audio file)."""
        info = self._file("AwACAgIAAxkBAA", f"voice/file_{len(self.fake.files)}.oga", content)
        voice = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"], "duration": max(1, duration),
                 "mime_type": mime_type, "file_size": len(content)}
        await self._push({"message": self._message(person, chat_id, voice=voice)})

    async def press(self, person: Person, chat_id: int, message_id: int, data: str) -> dict[str, Any] | None:
        """Press an inline button of a bot message; returns the bot's answerCallbackQuery (a toast or an
        alert), or None when it gave none."""
        target = self.fake.find_message(chat_id, message_id)
        if target is None or target.deleted:
            raise LookupError("this message is gone")
        buttons = [b for row in (target.reply_markup or {}).get("inline_keyboard", []) for b in row]
        if not any(b.get("callback_data") == data for b in buttons):
            raise LookupError("this button is no longer there")
        query_id = str(next(_query_ids))
        callback = {
            "id": query_id, "from": person.user, "message": self.fake.message_json(target),
            "chat_instance": str(abs(hash((self.fake.bot_id, chat_id))) % 10**19), "data": data,
        }
        self.fake.register_callback_query(query_id, callback)
        await self._push({"callback_query": callback})
        # the answer is usually given inside the handler; a moment more for one sent just after it
        await self.fake.wait_activity(lambda: query_id in self.fake.callback_answers, 1.0)
        return self.fake.callback_answers.get(query_id)

    async def settle(self) -> None:
        """Let the outbox deliver what the last action caused (for a response that shows it)."""
        await asyncio.sleep(0)
        await self.fake.settle(0.1, 2.0)
