"""Errors as the Bot API answers them.

Every failed call is answered with HTTP status = error_code and the body
``{"ok": false, "error_code": int, "description": str, "parameters"?: ResponseParameters}``
(Bot API, "Making requests"); ``parameters`` carries ``retry_after`` (seconds, for 429) or
``migrate_to_chat_id`` (for a group upgraded to a supergroup).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError", "bad_request"]


class ApiError(Exception):
    """An error answered to the client as {"ok": false, ...} with HTTP status `status`."""

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


def bad_request(text: str, parameters: dict[str, Any] | None = None) -> ApiError:
    """A 400 error whose description is 'Bad Request: ' + text, as Telegram words it."""
    return ApiError(400, f"Bad Request: {text}", parameters)
