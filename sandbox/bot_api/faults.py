"""Fault injection: rules that make the next matching Bot API calls fail or answer late.

FakeTelegram.fail_next() and delay_next() add rules; each matching call consumes one use of the first
rule that matches it (by method name, case-insensitive, chat_id and an optional predicate on the
decoded parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sandbox.bot_api.errors import ApiError
from sandbox.bot_api.limits import too_many_requests

__all__ = ["DEFAULT_DESCRIPTIONS", "FaultRule", "injected_error", "take_matching_rule"]

#: The description an injected error carries when the test gives none, by HTTP status.
DEFAULT_DESCRIPTIONS = {
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
    403: "Forbidden: bot was blocked by the user", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
    409: "Conflict",
}


@dataclass(slots=True)
class FaultRule:
    """A pending fault: `count` more matching calls fail with `status` or are delayed by `seconds`.

    method/chat_id None match any; `when` sees the call's decoded parameters.
    """

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


def take_matching_rule(
    rules: list[FaultRule], method: str, chat_id: int | None, params: dict[str, Any] | None = None
) -> FaultRule | None:
    """Consume one use of the first matching rule (removing it when used up); None if none matches."""
    for rule in rules:
        if rule.matches(method, chat_id, params):
            rule.count -= 1
            if rule.count <= 0:
                rules.remove(rule)
            return rule
    return None


def injected_error(rule: FaultRule) -> ApiError:
    """The error a fail_next rule answers with (429 carries retry_after, as Telegram's does)."""
    if rule.status == 429:
        return too_many_requests(rule.retry_after, rule.description)
    return ApiError(rule.status, rule.description or DEFAULT_DESCRIPTIONS.get(rule.status, "Error"))
