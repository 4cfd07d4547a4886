"""The wizard engine: a step is declared once (its state, question, keyboard, how its answer is read,
where it goes next) and the engine asks it, reads presses and typed choices, and moves on.

A Step is data. Its functions are called as handlers are: with the argument of their kind (the stored
data, the choice, the message) and, by name, the update's injected values they declare (`wizard`,
`resident`, `session`, `settings`, `i18n`, `notifier`; bot.ui.flow.Wizard.call). handlers/intake.py routes every press, text, voice message or photo at a step's state
to that step (its `chosen`, `text`, `voice` or `photo`); the typed answers to button questions
(«对», «да», a button's label typed out) reach `chosen` through handlers/fallback.py. Moving on goes
through the update's Wizard (bot.ui.flow), which stores the way back in the conversation data, so Back works everywhere and a
restart mid-conversation continues at the stored state (FSM state and data live in the update's own
transaction, bot/telegram/storage.py). Each step's buttons carry its own CallbackData class with an Enum
field; a press whose step is not the current one changes nothing (handlers/fallback.stale_button).

Steps of one wizard are ordered (`order`); `advance` goes to the next one whose `applies(draft)` is true,
so a step added between two others touches neither of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain.draft import DRAFT_KEY, Draft, draft_of
from bot.ui import keyboards as kb
from bot.ui import texts
from bot.ui import flow
from bot.ui.flow import Wizard


class Nav(StrEnum):
    """Back and Cancel, the same at every step (the values are those of the buttons before #13)."""

    BACK = "_back"
    CANCEL = "_cancel"


class NavCb(CallbackData, prefix="wn"):
    """Back or Cancel pressed at step `at` (a Step.key)."""

    at: str
    go: Nav


#: what a question shows, from the conversation's stored data (and injected values it names)
Question = Callable[..., str]
#: a button question's answers as (value, label), from the conversation's stored data (and injected values)
Options = Callable[..., Sequence[tuple[StrEnum | str, str]]]
#: a reader: called with its answer (the choice, the message) or nothing (skip, ask), and injected values
Reader = Callable[..., Awaitable[None]]


def always(draft: Draft) -> bool:
    """A step every draft passes through."""
    return True


def never(draft: Draft) -> bool:
    """A step reached only by name (Wizard.go), never by advance."""
    return False


@dataclass(eq=False)
class Step:
    """One question of a wizard, declared once.

    key: short and unique in its wizard; names its Back/Cancel buttons and its answer in Draft.answers.
    question(data) / options(data): what it asks; with `options` it is a button question whose presses
    carry `cb` (a CallbackData class with one field `v`: an Enum, or a str when the answers are
    configuration, such as districts, which `chosen` then checks) and reach `chosen(choice)`; `reply()` adds
    reply-keyboard buttons to a typed question. text / voice / photo (message): readers for such messages.
    limit: the characters a typed answer may have (longer ones, and a client's split of a long paste, are
    refused: handlers/split.py); typed: a typed question (anything else is asked for text, or for text or
    a voice message when it has a `voice` reader: handlers/fallback.hint_for).
    fills(text): the draft fields a typed answer fills, recomputed when its message is edited later
    (handlers/edits.py). Each function also gets, by name, the injected values it declares.
    order / applies: its place in the wizard and whether `advance` stops here for a draft.
    line: how its answer (Draft.answers[key]) reads in the summary, on the card and for the claimer.
    """

    key: str
    state: State
    question: Question
    options: Options | None = None
    cb: type[CallbackData] | None = None
    chosen: Reader | None = None
    yes: StrEnum | str | None = None
    no: StrEnum | str | None = None
    columns: int = 1
    back: bool = True
    cancel: bool = False
    reply: Callable[..., Sequence[str]] | None = None
    text: Reader | None = None
    voice: Reader | None = None
    photo: Reader | None = None
    #: a typed question that may be skipped (a «Skip ▶️» button, or a typed «no»)
    skip: Reader | None = None
    #: its typed answers fill the draft: an edit of such a message later updates it (Draft.sources)
    source: bool = False
    #: the characters a typed answer may have (None: no typed answer, or no limit of its own)
    limit: int | None = None
    #: a typed question: what is not text (or a voice message, with a `voice` reader) is asked for text
    typed: bool = False
    #: the draft fields a typed answer fills, from its text (an edit of the message recomputes them)
    fills: Callable[[str], dict[str, Any]] | None = None
    #: the wizard it belongs to and its place there (see advance)
    wizard: str = ""
    order: int = 0
    applies: Callable[[Draft], bool] = always
    line: Callable[[str], str | None] | None = None
    #: a custom question (the summary's own keyboard); default: question + options or reply keyboard
    ask: Reader | None = None
    #: what Back does when there is no earlier step (a detail changed alone from «My details»); default:
    #: the question again
    no_way_back: Reader | None = None
    #: StepCb step names (before #13) whose old presses mean this step
    legacy: tuple[str, ...] = ()
    #: the choice enum (from cb's field `v`); None for configured answers (a str field)
    choices: type[StrEnum] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.cb is not None:
            annotation = self.cb.model_fields["v"].annotation
            if annotation is not str:
                assert isinstance(annotation, type) and issubclass(annotation, StrEnum), self.key
                self.choices = annotation
        assert (self.options is None) == (self.cb is None) == (self.chosen is None), f"{self.key}: options, cb, chosen"

    def typed_options(self, wizard: Wizard, data: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Its answers as a typed text may name them: the buttons' labels, Back and Cancel included."""
        options = [(str(value), label) for value, label in wizard.call(self.options, data)] if self.options else []
        if self.back:
            options.append((Nav.BACK, _(kb.BACK)))
        if self.cancel:
            options.append((Nav.CANCEL, _(kb.CANCEL)))
        return options

    def value_of(self, raw: str) -> StrEnum | str | None:
        """The choice or Nav a typed, pressed or legacy value stands for; None when it means nothing here
        (a configured answer is passed on as it is: `chosen` checks it against the configuration)."""
        if raw in {n.value for n in Nav}:
            return Nav(raw)
        if self.choices is not None:
            return self.choices(raw) if raw in {c.value for c in self.choices} else None
        return raw if self.cb is not None else None

    def markup(self, wizard: Wizard, data: Mapping[str, Any]) -> Any:
        """The inline buttons of a button question, or the reply keyboard of a typed one."""
        if self.options is None or self.cb is None:
            extra = [*([_(kb.SKIP)] if self.skip else []), *(wizard.call(self.reply) if self.reply else ())]
            return kb.step_keyboard(*extra, back=self.back)
        builder = kb.InlineKeyboardBuilder()
        count = 0
        for value, label in wizard.call(self.options, data):
            builder.button(text=label, callback_data=self.cb(v=value))
            count += 1
        nav = [go for go, shown in ((Nav.BACK, self.back), (Nav.CANCEL, self.cancel)) if shown]
        for go in nav:
            builder.button(text=_(kb.BACK if go is Nav.BACK else kb.CANCEL), callback_data=NavCb(at=self.key, go=go))
        builder.adjust(*([self.columns] * ((count + self.columns - 1) // self.columns)), *([len(nav)] if nav else []))
        markup: InlineKeyboardMarkup = builder.as_markup()
        return markup


#: every step, by its state's name
STEPS: dict[str, Step] = {}


def declare(step: Step) -> Step:
    """Register a step: its question becomes the flow's prompt for its state, its answer line the texts'."""
    name = step.state.state
    assert name is not None and name not in STEPS, f"step {name} declared twice"
    STEPS[name] = step
    flow.PROMPTS[name] = step.ask or (lambda wizard: ask(wizard, step))
    if step.line is not None:
        texts.ANSWER_LINES[step.key] = step.line
    return step


def step_at(state: str | None) -> Step | None:
    """The step whose state this is, if it is one."""
    return STEPS.get(state or "")


async def ask(wizard: Wizard, step: Step) -> None:
    """Send a step's question with its keyboard."""
    data = await wizard.data()
    await wizard.say(wizard.call(step.question, data), reply_markup=step.markup(wizard, data))


async def current(wizard: Wizard) -> Step | None:
    """The step the conversation is at."""
    return step_at(await wizard.at())


# --- the draft -------------------------------------------------------------------------------------


async def draft(wizard: Wizard) -> Draft:
    """The conversation's draft (a wizard must have started one)."""
    found = draft_of(await wizard.data())
    assert found is not None, "no request draft in this conversation"
    return found


async def save(wizard: Wizard, new: Draft) -> Draft:
    """Store the draft in the conversation data."""
    await wizard.state.update_data({DRAFT_KEY: new.stored()})
    return new


async def change(wizard: Wizard, **fields: Any) -> Draft:
    """Change fields of the draft (an unknown field raises)."""
    return await save(wizard, (await draft(wizard)).changed(**fields))


async def answer(wizard: Wizard, step: Step, value: str) -> Draft:
    """Keep a step's answer in the draft's generic answers (Request.answers once sent)."""
    old = await draft(wizard)
    return await save(wizard, old.changed(answers={**old.answers, step.key: value}))


# --- moving on ------------------------------------------------------------------------------------


def next_step(after: Step, of: Draft) -> Step | None:
    """The first step of the same wizard after `after` that applies to this draft."""
    later = sorted((s for s in STEPS.values() if s.wizard == after.wizard and s.order > after.order), key=lambda s: s.order)
    return next((s for s in later if s.applies(of)), None)


async def advance(wizard: Wizard, after: Step) -> None:
    """Go on from a step to the next one that applies."""
    target = next_step(after, await draft(wizard))
    assert target is not None, f"nothing follows {after.key}"
    await wizard.go(target.state)


async def go(wizard: Wizard, step: Step, **data: Any) -> None:
    """Go to a step by name."""
    await wizard.go(step.state, **data)


# --- reading answers -------------------------------------------------------------------------------


class Pressed(Filter):
    """A button of the current step: passes `step` and `choice` (its Enum value, or a Nav).

    A press of another step's button (an old message) does not match, and is answered as stale.
    """

    async def __call__(self, query: CallbackQuery, wizard: Wizard) -> bool | dict[str, Any]:
        """Unpack the press with the current step's own callback class."""
        step = await current(wizard)
        data = query.data or ""
        if step is None:
            return False
        if step.cb is not None and data.startswith(step.cb.__prefix__ + step.cb.__separator__):
            try:
                value = step.cb.unpack(data).v  # type: ignore[attr-defined]
            except (TypeError, ValueError):
                return False
            # a configured answer's Back was «_back» in the same field (buttons sent before the engine)
            return {"step": step, "choice": value if step.choices is not None else step.value_of(value)}
        if data.startswith(NavCb.__prefix__ + NavCb.__separator__):
            try:
                nav = NavCb.unpack(data)
            except (TypeError, ValueError):
                return False
            return {"step": step, "choice": nav.go} if nav.at == step.key else False
        if data.startswith(kb.StepCb.__prefix__ + kb.StepCb.__separator__):
            return legacy_press(step, data)
        return False


def legacy_press(step: Step, data: str) -> bool | dict[str, Any]:
    """A press on a message sent before #13 (StepCb «st:<step>:<value>»): its value, if this step had it."""
    try:
        old = kb.StepCb.unpack(data)
    except (TypeError, ValueError):
        return False
    choice = step.value_of(old.value) if old.step in step.legacy else None
    return {"step": step, "choice": choice} if choice is not None else False


async def choose(wizard: Wizard, step: Step, choice: StrEnum | str) -> None:
    """A choice made (pressed or typed) at a step: Back works the same everywhere; Cancel and the
    step's own choices go to the step."""
    if choice is Nav.BACK:
        if not await wizard.back():
            await (wizard.call(step.no_way_back) if step.no_way_back else wizard.ask())
        return
    assert step.chosen is not None
    await wizard.call(step.chosen, choice)
