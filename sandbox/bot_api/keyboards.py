"""reply_markup validation: inline keyboards, reply keyboards, keyboard removal and force-reply.

A markup is the decoded JSON object of the reply_markup parameter (a dict). Invalid markup fails with
the 400 description Telegram gives for it.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.bot_api.errors import bad_request
from sandbox.bot_api.limits import CALLBACK_DATA_MAX_BYTES, INLINE_KEYBOARD_MAX_BUTTONS

__all__ = ["inline_part", "validate_inline_button", "validate_reply_markup"]

#: The fields of an InlineKeyboardButton of which exactly one must be present (the button's action).
_INLINE_BUTTON_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
)
_BUTTON_URL = re.compile(r"^(https?://[^\s/]+\S*|tg://\S+)$")


def validate_reply_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate reply_markup like Telegram; return it (a dict) or None when absent.

    inline_only: the edit methods accept only an InlineKeyboardMarkup (400 "inline keyboard expected").
    """
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
                validate_inline_button(button)
                total += 1
        if total > INLINE_KEYBOARD_MAX_BUTTONS:
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


def validate_inline_button(button: Any) -> None:
    """Validate one InlineKeyboardButton: a text, exactly one action, callback_data of 1-64 bytes and
    an http(s):// or tg:// url."""
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    actions = [k for k in _INLINE_BUTTON_ACTIONS if k in button]
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request("can't parse inline keyboard button: Can't find field with button action")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not _BUTTON_URL.match(url):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def inline_part(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Only the inline part of a markup: what a message keeps (a reply keyboard belongs to the chat)."""
    return markup if markup and "inline_keyboard" in markup else None
