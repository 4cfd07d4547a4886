"""Medicines, medicine orders and /notices tried as a new user would: a padded medicine line, an order left
at the summary, /notices with whole words in uk and ru. Each test here failed before its fix."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Harness
from tests.helpers import (
    catalog_text,
    check_title,
    register,
    requests_of,
    resident_of,
    send_request,
    visible_text,
)
from tests.test_medicines import medicines_of, tick_at


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


async def test_an_order_left_at_the_summary_is_reminded_again_the_next_day(harness: Harness) -> None:
    """zh: 5 days' supply, reminded 3 days before; «Order it», then «Cancel» at the summary (or the summary
    simply left): the next day at the same hour the reminder comes again (it used to be the last one: the
    medicine ran out unreminded). Once the request is sent, the next day brings no reminder."""
    user = await register(harness, "zh", flags=())
    await user.send(catalog_text("zh", "👤 My details"))
    await user.press(catalog_text("zh", "💊 My medicines"))
    await user.press(catalog_text("zh", "➕ Record a medicine"))
    await user.send("药; 1片; 5")
    await user.press(catalog_text("zh", "No"))
    (medicine,) = await medicines_of(harness, user)
    assert medicine.remind_at is not None
    first = medicine.remind_at
    await tick_at(harness, first + timedelta(seconds=1))
    reminder = await user.expect(visible_text("zh", "Shall we order more? One tap, and you check the request before it is sent."))
    await user.press(catalog_text("zh", "🛒 Order it"), message=reminder)
    summary = await user.expect(check_title("zh"))
    await user.press(catalog_text("zh", "✖️ Cancel"), message=summary)
    await user.expect(catalog_text("zh", "Cancelled. Nothing was sent."))
    user.mark_read()
    await tick_at(harness, first + timedelta(days=1) - timedelta(minutes=1))
    await user.expect_nothing_more()
    await tick_at(harness, first + timedelta(days=1, seconds=1))
    again = await user.expect(visible_text("zh", "Shall we order more? One tap, and you check the request before it is sent."))
    await user.press(catalog_text("zh", "🛒 Order it"), message=again)
    summary = await user.expect(check_title("zh"))
    await send_request(user, "zh", summary)
    await harness.drain()
    assert len(await requests_of(harness, user)) == 1
    user.mark_read()
    await tick_at(harness, first + timedelta(days=2, seconds=1))
    await user.expect_nothing_more()


async def test_notices_on_in_ukrainian_or_russian_words_never_turns_them_off(harness: Harness) -> None:
    """uk and ru: «/notices увімкнути» (or «/notices включить») while notices are on keeps them on, and
    «/notices вимкнути» turns them off (the full words used to be taken as «switch»: asking for them on
    turned them off, and the resident silently missed every notice after)."""
    uk = await register(harness, "uk")
    await uk.send_command("/notices увімкнути")
    await uk.expect(visible_text("uk", "🔔 Official notices from the social workers are on. Send /notices to turn them off."))
    stored = await resident_of(harness, uk)
    assert stored is not None and not stored.notices_off
    await uk.send_command("/notices вимкнути")
    await uk.expect(visible_text("uk", "🔕 Official notices are off: you will not receive them. Your requests and daily "
                                       "check-ins go on as before. Send /notices to turn them on again."))
    ru = await register(harness, "ru")
    await ru.send_command("/notices включить")
    await ru.expect(visible_text("ru", "🔔 Official notices from the social workers are on. Send /notices to turn them off."))
    stored = await resident_of(harness, ru)
    assert stored is not None and not stored.notices_off
