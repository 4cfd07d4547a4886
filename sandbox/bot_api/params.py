"""Reading Bot API call parameters: form fields arrive as strings, JSON bodies as typed values.

A call's parameters are one dict (query string, form fields or JSON body; uploaded files under the
key "__files__" as {field name: bytes}). Fields that carry objects or arrays are JSON-decoded once
when the call is dispatched. Missing or malformed values fail with Telegram's 400 descriptions.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.bot_api.errors import bad_request

__all__ = ["JSON_FIELDS", "command_scope_key", "decode_json_field", "peek_chat_id", "read_bool", "read_int"]

#: Parameters whose value is a JSON object or array (sent as a JSON string in form-encoded calls).
JSON_FIELDS = frozenset(
    {"reply_markup", "entities", "caption_entities", "commands", "scope", "allowed_updates", "reply_parameters",
     "link_preview_options", "media", "results", "permissions", "message_ids"}
)


def decode_json_field(name: str, value: Any) -> Any:
    """JSON-decode a form field that carries an object/array (already decoded values pass through)."""
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


def peek_chat_id(params: dict[str, Any]) -> int | None:
    """chat_id as int if present and numeric, else None (for fault rules and flood limits; no errors)."""
    value = params.get("chat_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def read_int(params: dict[str, Any], name: str, default: int | None = None, *, required: bool = False) -> int | None:
    """An integer parameter: `default` when absent (400 "<name> is empty" if required), 400
    "invalid <name> specified" when not a number."""
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise bad_request(f"{name} is empty")
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {name} specified") from None


def read_bool(params: dict[str, Any], name: str) -> bool:
    """A boolean parameter ("true"/"1" in forms, a JSON boolean in bodies); absent is False."""
    value = params.get(name)
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def command_scope_key(scope: Any) -> str:
    """Canonical key of a BotCommandScope (None is the default scope); 400 if it is not one."""
    if not scope:
        scope = {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))
