"""The three newest features tried as a new user would (official notices, medicines, follow-ups): bad
input, forged and double presses, restarts in the middle, a resident who blocked the bot. Each test here
failed before its fix."""

from __future__ import annotations

from tests.conftest import Harness
from tests.helpers import catalog_text, register
from tests.test_medicines import medicines_of


async def test_a_medicine_line_with_a_long_run_of_spaces_is_recorded_after_the_press(harness: Harness) -> None:
    """ru: a line that reads well but is padded past 500 characters (a long run of spaces before the days)
    is read back; after a restart the press «No» records it (it used to be cut at 500 characters, unread
    again, and the press said «no longer active»: the medicine was lost)."""
    user = await register(harness, "ru", flags=())
    await user.send(catalog_text("ru", "👤 My details"))
    await user.press(catalog_text("ru", "💊 My medicines"))
    await user.press(catalog_text("ru", "➕ Record a medicine"))
    await user.send("Аспирин; 1 таблетка;" + " " * 600 + "10")
    asked = await user.expect("Аспирин; 1 таблетка;")
    await harness.restart()
    await user.press(catalog_text("ru", "No"), message=asked)
    assert user.last_answer is not None and user.last_answer["text"] != catalog_text("ru", "This button is no longer active.")
    await user.expect("Аспирин 1 таблетка")
    (medicine,) = await medicines_of(harness, user)
    assert (medicine.name, medicine.dose, medicine.days_supply, medicine.do_not_interrupt) == ("Аспирин", "1 таблетка", 10, False)
