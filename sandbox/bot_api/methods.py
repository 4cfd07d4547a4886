"""The Bot API methods the fake implements, besides update delivery (see updates.py).

Each method takes the call's parameters (a dict, JSON fields already decoded; see params.py) and
returns the "result" of a successful answer, or raises ApiError with Telegram's status and
description. Sending into a chat first checks that the bot may write there (blocked, deactivated,
kicked, migrated: see ChatModel._check_writable).
"""

from __future__ import annotations

import secrets
from typing import Any, Callable

from sandbox.bot_api.chats import SentMessage
from sandbox.bot_api.entities import ParsedText, parse_text, utf16_len
from sandbox.bot_api.errors import bad_request
from sandbox.bot_api.keyboards import inline_part, validate_reply_markup
from sandbox.bot_api.limits import (
    BOT_COMMAND_DESCRIPTION_MAX,
    BOT_COMMAND_PATTERN,
    BOT_COMMANDS_MAX,
    CALLBACK_ANSWER_TEXT_MAX,
    CAPTION_MAX,
    MEDIA_GROUP_MAX,
    MEDIA_GROUP_MIN,
    MESSAGE_TEXT_MAX,
)
from sandbox.bot_api.params import command_scope_key, read_bool, read_int

__all__ = ["CHAT_ACTIONS", "BotApiMethods"]

#: sendChatAction's accepted actions.
CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document",
     "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a current "
    "content and reply markup of the message"
)
#: Message fields that hold media, copied by copyMessage/forwardMessage.
_MEDIA_KEYS = ("sticker", "voice", "document", "contact", "location", "video", "audio", "animation",
               "video_note", "venue", "poll", "dice")


class BotApiMethods:
    """Bot API methods on the chat model (a part of FakeTelegram; methods are named _api_<method>)."""

    bot_user: dict[str, Any]
    strict_ampersand: bool
    users: dict[int, dict[str, Any]]
    files: dict[str, dict[str, Any]]
    chat_members: dict[tuple[int, int], dict[str, Any]]
    migrated: dict[int, int]
    callback_answers: dict[str, dict[str, Any]]
    _pending_callbacks: dict[str, dict[str, Any]]
    _index: dict[tuple[int, int], SentMessage]
    _user_index: dict[tuple[int, int], dict[str, Any]]
    _deleted_user_messages: set[tuple[int, int]]
    chat: Callable[[int], dict[str, Any]]
    register_file: Callable[..., dict[str, Any]]
    lookup_message: Callable[[int, int], dict[str, Any] | None]
    message_json: Callable[[SentMessage], dict[str, Any]]
    _check_writable: Callable[[int], None]
    _new_message: Callable[..., SentMessage]
    _apply_edit: Callable[..., None]

    def _init_methods(self) -> None:
        """Create the methods' own state."""
        #: setMyCommands lists by (scope key, language_code).
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        #: (chat_id, action) of every sendChatAction, in order.
        self.chat_actions: list[tuple[int, str]] = []

    def get_commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]]:
        """Commands stored by setMyCommands for a scope (default scope if None) and language."""
        return self.commands.get((command_scope_key(scope), language_code), [])

    # ------------------------------------------------------------------ reading parameters

    def _read_chat_id(self, params: dict[str, Any], name: str = "chat_id") -> int:
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

    def _parse_message_text(self, text: str, parse_mode: Any, entities: Any) -> ParsedText:
        """Parse text/caption with parse_mode or explicit entities."""
        if parse_mode and entities:
            parse_mode = None  # Telegram: explicit entities win over parse_mode
        if entities is not None and not isinstance(entities, list):
            raise bad_request("can't parse entities JSON object")
        return parse_text(text, parse_mode or None, entities, strict_ampersand=self.strict_ampersand)

    def _parse_caption(self, raw: Any, parse_mode: Any, entities: Any) -> ParsedText:
        """Parse a caption (absent is empty); 400 'message caption is too long' beyond CAPTION_MAX."""
        parsed = self._parse_message_text(str(raw), parse_mode, entities) if raw else ParsedText("", [])
        if utf16_len(parsed.text) > CAPTION_MAX:
            raise bad_request("message caption is too long")
        return parsed

    def _parse_new_text(self, params: dict[str, Any]) -> tuple[str, ParsedText]:
        """The raw and parsed `text` of sendMessage/editMessageText (400 when empty or too long)."""
        raw = params.get("text")
        if raw is None or raw == "":
            raise bad_request("message text is empty")
        raw = str(raw)
        parsed = self._parse_message_text(raw, params.get("parse_mode"), params.get("entities"))
        if not parsed.text:
            raise bad_request("message text is empty")
        if utf16_len(parsed.text) > MESSAGE_TEXT_MAX:
            raise bad_request("message is too long")
        return raw, parsed

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> int | None:
        """Resolve reply_parameters / reply_to_message_id; 400 if the target does not exist."""
        reply = params.get("reply_parameters")
        allow = read_bool(params, "allow_sending_without_reply")
        message_id: int | None = None
        if isinstance(reply, dict):
            message_id = int(reply.get("message_id", 0)) or None
            allow = allow or bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, chat_id):
                return None
        elif params.get("reply_to_message_id"):
            message_id = read_int(params, "reply_to_message_id")
        if message_id is None:
            return None
        if self.lookup_message(chat_id, message_id) is None:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def _message_to_edit(self, params: dict[str, Any]) -> SentMessage:
        """Resolve chat_id+message_id of a bot message to edit."""
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat_id = self._read_chat_id(params)
        message_id = read_int(params, "message_id", required=True)
        assert message_id is not None
        self._check_writable(chat_id)
        message = self._index.get((chat_id, message_id))
        if message is None or message.deleted:
            if (chat_id, message_id) in self._user_index and (chat_id, message_id) not in self._deleted_user_messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return message

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

    def _source_message(self, params: dict[str, Any], what: str) -> tuple[int, dict[str, Any]]:
        """Resolve from_chat_id/message_id to (from_chat_id, message JSON) for copy/forward."""
        from_chat_id = self._read_chat_id(params, "from_chat_id")
        message_id = read_int(params, "message_id", required=True)
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
            media = {k: source[k] for k in _MEDIA_KEYS if k in source}
            fields.update(kind=next(iter(media), "other"), media=media or None)
        return fields

    # ------------------------------------------------------------------ the bot itself

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        """getMe."""
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    async def _api_close(self, params: dict[str, Any]) -> bool:
        """close."""
        return True

    async def _api_logOut(self, params: dict[str, Any]) -> bool:
        """logOut."""
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        """setMyCommands with Telegram's command/description validation."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("commands is empty" if commands is None else "can't parse commands JSON object")
        if len(commands) > BOT_COMMANDS_MAX:
            raise bad_request("too many commands specified")
        clean: list[dict[str, Any]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name = str(command.get("command", "")).lstrip("/")
            description = str(command.get("description", ""))
            if not BOT_COMMAND_PATTERN.match(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= BOT_COMMAND_DESCRIPTION_MAX:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": description})
        key = (command_scope_key(params.get("scope")), str(params.get("language_code") or ""))
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        return True

    async def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        """deleteMyCommands."""
        self.commands.pop((command_scope_key(params.get("scope")), str(params.get("language_code") or "")), None)
        return True

    async def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getMyCommands."""
        return self.commands.get((command_scope_key(params.get("scope")), str(params.get("language_code") or "")), [])

    # ------------------------------------------------------------------ sending

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendMessage."""
        chat_id = self._read_chat_id(params)
        self._check_writable(chat_id)
        raw, parsed = self._parse_new_text(params)
        markup = validate_reply_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat_id, params)
        message = self._new_message(
            chat_id, params, "sendMessage", text=parsed.text, raw=raw, parse_mode=params.get("parse_mode") or None,
            reply_markup=markup, entities=parsed.entities or None, reply_to_message_id=reply_to,
        )
        return self.message_json(message)

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendPhoto (file_id, URL or upload) with caption."""
        chat_id = self._read_chat_id(params)
        self._check_writable(chat_id)
        raw = params.get("caption")
        parsed = self._parse_caption(raw, params.get("parse_mode"), params.get("caption_entities"))
        markup = validate_reply_markup(params.get("reply_markup"))
        file_id = self._resolve_photo(params)
        reply_to = self._reply_to(chat_id, params)
        message = self._new_message(
            chat_id, params, "sendPhoto", text=parsed.text or None, raw=raw, parse_mode=params.get("parse_mode") or None,
            reply_markup=markup, entities=parsed.entities or None, photo=file_id, kind="photo",
            reply_to_message_id=reply_to,
        )
        return self.message_json(message)

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendDocument: an uploaded file (multipart, `attach://name` or the field itself) or a known
        file_id, with an optional caption (at most CAPTION_MAX); the uploaded bytes are kept (register_file
        content) so a test can open the file; 400 for an unknown file."""
        chat_id = self._read_chat_id(params)
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
        parsed = self._parse_caption(raw, params.get("parse_mode"), params.get("caption_entities"))
        document = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"], "file_size": info["file_size"],
                    "file_name": params.get("__filenames__", {}).get(name, "file")}
        message = self._new_message(
            chat_id, params, "sendDocument", text=parsed.text or None, raw=raw, parse_mode=params.get("parse_mode") or None,
            reply_markup=validate_reply_markup(params.get("reply_markup")), entities=parsed.entities or None,
            kind="document", media={"document": document},
        )
        return self.message_json(message)

    async def _api_sendVoice(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendVoice by a known file_id (a voice message the bot received), with an optional caption."""
        chat_id = self._read_chat_id(params)
        self._check_writable(chat_id)
        file_id = params.get("voice")
        if not isinstance(file_id, str) or file_id not in self.files:
            raise bad_request("wrong file identifier/HTTP URL specified")
        raw = params.get("caption")
        parsed = self._parse_caption(raw, params.get("parse_mode"), params.get("caption_entities"))
        voice = {"file_id": file_id, "file_unique_id": self.files[file_id].get("file_unique_id", file_id[-8:]), "duration": 3}
        message = self._new_message(
            chat_id, params, "sendVoice", text=parsed.text or None, raw=raw, parse_mode=params.get("parse_mode") or None,
            reply_markup=validate_reply_markup(params.get("reply_markup")), entities=parsed.entities or None,
            kind="voice", media={"voice": voice},
        )
        return self.message_json(message)

    async def _api_sendMediaGroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """sendMediaGroup: 2-10 photos (no keyboard), one message each with a shared media_group_id."""
        chat_id = self._read_chat_id(params)
        self._check_writable(chat_id)
        media = params.get("media")
        if not isinstance(media, list):
            raise bad_request("can't parse media JSON object")
        if not MEDIA_GROUP_MIN <= len(media) <= MEDIA_GROUP_MAX:
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
            parsed = self._parse_caption(caption, item.get("parse_mode"), item.get("caption_entities"))
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

    async def _api_forwardMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        """forwardMessage (bot or user message)."""
        chat_id = self._read_chat_id(params)
        self._check_writable(chat_id)
        _, source = self._source_message(params, "forward")
        fields = self._copy_fields(source)
        origin_user = source.get("from") or self.bot_user
        media = dict(fields.pop("media", None) or {})
        media["forward_origin"] = {"type": "user", "sender_user": origin_user, "date": source.get("date", 0)}
        message = self._new_message(chat_id, params, "forwardMessage", media=media, **fields)
        return self.message_json(message)

    async def _api_copyMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        """copyMessage (optionally replacing caption and markup); returns MessageId."""
        chat_id = self._read_chat_id(params)
        self._check_writable(chat_id)
        _, source = self._source_message(params, "copy")
        fields = self._copy_fields(source)
        if "caption" in params and fields["kind"] != "text":
            raw = str(params.get("caption") or "")
            parsed = self._parse_message_text(raw, params.get("parse_mode"), params.get("caption_entities"))
            if utf16_len(parsed.text) > CAPTION_MAX:
                raise bad_request("message caption is too long")
            fields.update(text=parsed.text or None, raw=raw, parse_mode=params.get("parse_mode") or None,
                          entities=parsed.entities or None)
        markup = validate_reply_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat_id, params)
        message = self._new_message(chat_id, params, "copyMessage", reply_markup=markup,
                                    reply_to_message_id=reply_to, **fields)
        return {"message_id": message.message_id}

    async def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        """sendChatAction."""
        chat_id = self._read_chat_id(params)
        self._check_writable(chat_id)
        action = params.get("action")
        if not action:
            raise bad_request("action is empty")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat_id, str(action)))
        return True

    # ------------------------------------------------------------------ editing and deleting

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageText (keyboard removed unless reply_markup given, like Telegram)."""
        message = self._message_to_edit(params)
        raw = params.get("text")
        if raw is None or raw == "":
            raise bad_request("message text is empty")
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        raw, parsed = self._parse_new_text(params)
        markup = validate_reply_markup(params.get("reply_markup"), inline_only=True)
        if (parsed.text == message.text and (parsed.entities or None) == message.entities
                and markup == inline_part(message.reply_markup)):
            raise bad_request(_NOT_MODIFIED)
        self._apply_edit(message, text=parsed.text, raw=raw, parse_mode=params.get("parse_mode") or None,
                         entities=parsed.entities or None, reply_markup=markup, method="editMessageText")
        return self.message_json(message)

    async def _api_editMessageCaption(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageCaption for photo messages."""
        message = self._message_to_edit(params)
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        raw = str(params.get("caption") or "")
        parsed = self._parse_caption(raw, params.get("parse_mode"), params.get("caption_entities"))
        markup = validate_reply_markup(params.get("reply_markup"), inline_only=True)
        if ((parsed.text or None) == message.text and (parsed.entities or None) == message.entities
                and markup == inline_part(message.reply_markup)):
            raise bad_request(_NOT_MODIFIED)
        self._apply_edit(message, text=parsed.text or None, raw=raw or None,
                         parse_mode=params.get("parse_mode") or None, entities=parsed.entities or None,
                         reply_markup=markup, method="editMessageCaption")
        return self.message_json(message)

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageReplyMarkup (absent markup removes the keyboard)."""
        message = self._message_to_edit(params)
        markup = validate_reply_markup(params.get("reply_markup"), inline_only=True)
        if markup == inline_part(message.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        self._apply_edit(message, reply_markup=markup, method="editMessageReplyMarkup")
        return self.message_json(message)

    async def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        """deleteMessage (bot messages, or user messages in the chat)."""
        chat_id = self._read_chat_id(params)
        message_id = read_int(params, "message_id", required=True)
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

    # ------------------------------------------------------------------ button presses

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        """answerCallbackQuery (each query id answerable once)."""
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._pending_callbacks:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > CALLBACK_ANSWER_TEXT_MAX:
            raise bad_request("MESSAGE_TOO_LONG")
        del self._pending_callbacks[query_id]
        self.callback_answers[query_id] = {
            "text": text, "show_alert": read_bool(params, "show_alert"), "url": params.get("url"),
            "cache_time": read_int(params, "cache_time", 0),
        }
        return True

    # ------------------------------------------------------------------ chats, members and files

    async def _api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        """getChat (ChatFullInfo)."""
        chat_id = self._read_chat_id(params)
        if chat_id in self.migrated:
            self._check_writable(chat_id)
        return {**self.chat(chat_id), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                        "premium_subscription": False, "gifts_from_channels": False}}

    async def _api_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        """getChatMember (configure with set_chat_member; default 'member')."""
        chat_id = self._read_chat_id(params)
        user_id = read_int(params, "user_id", required=True)
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

    async def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        """getFile for known file_ids."""
        file_id = params.get("file_id")
        if not file_id:
            raise bad_request("file_id is empty")
        info = self.files.get(str(file_id))
        if info is None:
            raise bad_request("invalid file_id")
        return {k: info[k] for k in ("file_id", "file_unique_id", "file_size", "file_path") if k in info}
