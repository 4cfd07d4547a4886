"""Moving through a wizard: the `Wizard` of one update asks a step's question, goes to a step
(remembering the way back), goes back, and reads the conversation's stored data.

Handlers take aiogram's injected arguments (message or query, resident, session, notifier, i18n,
settings, state); a handler that moves the conversation also takes `wizard: Wizard`, built for each
update by bot/ui/context.WizardMiddleware. A question, its options and a step's readers are called
the same way a handler is: with the positional arguments of their kind (the stored data, the choice,
the message) and, by name, whichever of the update's injected values they declare (`resident`,
`session`, `settings`, `i18n`, `notifier`, `state`, `event_from_user`, `event_update`, `wizard`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import Message

#: Each wizard state's question, by state name: registration's (bot.ui.prompts) and the engine's steps
#: (bot.ui.wizard.engine.declare); called with the wizard and any injected values it names.
PROMPTS: dict[str, Callable[..., Any]] = {}

#: the update's values a question or a step's reader may name (as a handler names aiogram's)
INJECTED = (
    "bot", "session", "settings", "i18n", "resident", "notifier", "state", "event_from_user", "event_chat", "event_update",
)

_NAMES: dict[tuple[Callable[..., Any], int], tuple[str, ...]] = {}


def wanted(function: Callable[..., Any], given: int) -> tuple[str, ...]:
    """The keyword parameters `function` takes after its first `given` positional ones (cached)."""
    key = (function, given)
    names = _NAMES.get(key)
    if names is None:
        parameters = list(inspect.signature(function).parameters.values())[given:]
        names = _NAMES[key] = tuple(
            p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        )
    return names


class Wizard:
    """The conversation of one update, for moving it: `ask`, `go`, `back`, `data`, and `say` for what
    is said between questions. Bound to the chat the update came from and its FSM state (which lives in
    the update's own transaction, bot/telegram/storage.py)."""

    __slots__ = ("bot", "chat_id", "state", "_given")

    def __init__(self, bot: Bot, chat_id: int, state: FSMContext, given: Mapping[str, Any]) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.state = state
        self._given = {name: given[name] for name in INJECTED if name in given}
        self._given["wizard"] = self

    def serve(self, resident: Any) -> None:
        """The resident this conversation now serves (consent created one, an invite bound one): the
        questions asked from here on are given this one as `resident`."""
        self._given["resident"] = resident

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """Call a question or a step's reader with `args` and the injected values it names."""
        given = self._given
        return function(*args, **{name: given[name] for name in wanted(function, len(args)) if name in given})

    async def say(self, text: str, reply_markup: Any = None) -> Message:
        """Send a message to this conversation's chat."""
        return await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup)

    async def data(self) -> dict[str, Any]:
        """The conversation's stored data."""
        return await self.state.get_data()

    async def at(self) -> str | None:
        """The name of the state the conversation is at (None: no question open)."""
        return await self.state.get_state()

    async def ask(self, step: str | None = None) -> None:
        """Ask the question of a step (default: the current one)."""
        step = step or await self.state.get_state()
        if step in PROMPTS:
            await self.call(PROMPTS[step])

    async def go(self, target: State, **data: Any) -> None:
        """Move to a step, remembering where we came from, and ask its question."""
        current = await self.state.get_state()
        history = list((await self.state.get_data()).get("history", []))
        if current and current != target.state:
            history.append(current)
        await self.state.update_data(history=history, **data)
        await self.state.set_state(target)
        await self.ask(target.state)

    async def back(self) -> bool:
        """Return to the previous step; False when there is none."""
        history = list((await self.state.get_data()).get("history", []))
        if not history:
            return False
        previous = history.pop()
        await self.state.update_data(history=history)
        await self.state.set_state(previous)
        await self.ask(previous)
        return True
