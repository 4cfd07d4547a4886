"""The language picker, asked first when the language is not known and by /language at any step (it is
no step of its own wizard: its presses are read by handlers/start.py). Every other question is an
engine step (bot/ui/wizard/registration/, bot/ui/wizard/request/)."""

from __future__ import annotations

from bot.ui import keyboards as kb
from bot.ui import texts
from bot.ui.flow import PROMPTS, Wizard
from bot.ui.states import Reg


async def ask_language(wizard: Wizard) -> None:
    """The language picker, asked in every language the bot speaks."""
    await wizard.say(texts.language_question(), reply_markup=kb.languages())


PROMPTS[Reg.language.state] = ask_language
