"""Check-in escalation cards (issue #11.6): who the person is, a final «reached» state, the last answer
after a late one; the register's check-in times reach people already bound and read the bot's formats."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core import clock
from bot.app import follow_up_checkins
from bot.core.config import CardName
from bot.services import registry
from bot.domain.register_file import read_register
from db.models import Checkin, CheckinPlan, Request, RequestStatus
from db.repo import checkins as checkins_repo
from tests.conftest import STAFF_CHAT, Harness
from tests.helpers import register, resident_of, staff_messages, catalog_text, visible_text, when_shown
from tests.test_checkins import checkins_of, tick_to_due
from tests.test_staff import join

OFFER = "Would you like us to ask you every day whether you are OK? If you do not answer, a social worker is told."


async def enrolled(harness: Harness, locale: str, name: str):  # type: ignore[no-untyped-def]
    """A resident living alone, registered under a typed name, who accepted the daily check-in."""
    user = await register(harness, locale, name=name, flags=("lives_alone", "over_65"))
    await user.expect(visible_text(locale, OFFER), since_start=True)
    await user.press(catalog_text(locale, "✅ Yes, every day at {time}", time="09:00"))
    return user


def wellbeing_cards(harness: Harness) -> list:  # type: ignore[type-arg]
    """The check-in escalation cards in the staff chat."""
    return [m for m in staff_messages(harness, STAFF_CHAT) if catalog_text("zh", "Wellbeing check-in") in (m.text or "")]


async def missed(harness: Harness, user) -> None:  # type: ignore[no-untyped-def]
    """The check-in is asked, reminded and escalated without an answer."""
    await tick_to_due(harness, user)
    assert harness.app is not None
    for minutes in (61, 60):
        clock.advance(timedelta(minutes=minutes))
        await follow_up_checkins(harness.app)
        await harness.drain()


@pytest.fixture
def card_name(harness: Harness):  # type: ignore[no-untyped-def]
    """Set CHECKINS__CARD_NAME for one test."""
    before = harness.settings.checkins.card_name

    def set_form(form: CardName) -> None:
        harness.settings.checkins.card_name = form

    yield set_form
    harness.settings.checkins.card_name = before


async def test_missed_card_names_the_person_in_short_form_and_the_claimer_gets_the_rest(harness: Harness, card_name) -> None:  # type: ignore[no-untyped-def]
    """ru: «Иванова Анна Петровна» is «Иванова А.» on the group card; the claimer gets the full name privately."""
    card_name(CardName.SHORT)
    worker = await join(harness, 5001, "王社工")
    user = await enrolled(harness, "ru", "Иванова Анна Петровна")
    await missed(harness, user)
    (card,) = wellbeing_cards(harness)
    assert visible_text("zh", "Who: {name}", name="Иванова А.") in card.text
    assert "Анна Петровна" not in card.text
    await worker.press(catalog_text("zh", "✋ Claim №{number}", number=1), message=card)
    await harness.drain()
    private = harness.fake.messages[5001][-1].text
    assert visible_text("zh", "Resident: {name}", name="Иванова Анна Петровна") in private


async def test_help_card_names_the_person_in_full(harness: Harness, card_name) -> None:  # type: ignore[no-untyped-def]
    """zh: «I need help» and CARD_NAME=full: the card says 王小明."""
    card_name(CardName.FULL)
    user = await enrolled(harness, "zh", "王小明")
    await tick_to_due(harness, user)
    await user.press(catalog_text("zh", "🆘 I need help"))
    await harness.drain()
    (card,) = wellbeing_cards(harness)
    assert visible_text("zh", "Who: {name}", name="王小明") in card.text


async def test_unreachable_card_short_chinese_and_none(harness: Harness, card_name) -> None:  # type: ignore[no-untyped-def]
    """uk resident, blocked bot: CARD_NAME=none leaves the name off; zh resident short: 林**."""
    card_name(CardName.NONE)
    olena = await enrolled(harness, "uk", "Олена Петренко")
    harness.fake.block_user(olena.chat_id)
    await tick_to_due(harness, olena)
    await harness.drain()
    (card,) = wellbeing_cards(harness)
    assert "Олена" not in card.text and "Петренко" not in card.text
    assert catalog_text("zh", "Who: {name}").split("{", 1)[0] not in card.text

    card_name(CardName.SHORT)
    lin = await enrolled(harness, "zh", "林婆婆")
    harness.fake.block_user(lin.chat_id)
    await tick_to_due(harness, lin)
    await harness.drain()
    card = wellbeing_cards(harness)[-1]
    assert visible_text("zh", "Who: {name}", name="林**") in card.text and "林婆婆" not in card.text


async def test_reached_all_fine_is_final_and_a_late_answer_is_the_last_answer(harness: Harness) -> None:
    """A late «I'm fine» shows on the «Last answer» line (not «none yet»); «Reached, all fine» closes the
    card for good (no «waiting for the resident to confirm», no buttons)."""
    worker = await join(harness, 5001, "王社工")
    user = await enrolled(harness, "ru", "Мария Ивановна")
    await missed(harness, user)
    (card,) = wellbeing_cards(harness)
    assert visible_text("zh", "Last answer: none yet") in card.text
    await user.press(catalog_text("ru", "😊 I'm fine"))
    await harness.drain()
    (checkin,) = await checkins_of(harness, user)
    assert checkin.answered_at is not None
    when = when_shown(checkin.answered_at, "zh")
    assert visible_text("zh", "Last answer: {answer}, {when}", answer=catalog_text("zh", "I'm fine"), when=when) in card.text
    assert visible_text("zh", "Last answer: none yet") not in card.text

    await worker.press(catalog_text("zh", "✅ Reached, all fine"), message=card)
    await harness.drain()
    assert visible_text("zh", "✅ Closed by {name}: the resident was reached", name="王社工") in card.text
    assert catalog_text("zh", "✅ Done by {name}; waiting for the resident to confirm").split("}", 1)[1] not in card.text
    assert card.button_texts() == []
    assert harness.app is not None
    async with harness.app.sessions() as session:
        request = await session.get(Request, checkin.request_id)
    assert request is not None and request.status == RequestStatus.DONE
    assert not [m for m in user.messages() if catalog_text("ru", "Did you receive everything?").split("?")[0] in (m.text or "")]


# ---------------------------------------------------------------------------------- register times

REGISTER = (
    "姓名,电话,地址,社区,语言,签到时间,独居\n"
    "林婆婆,13800138000,抚琴街道 12号,fuqin,zh,{times},是\n"
)


async def import_text(harness: Harness, tmp_path: Path, text: str) -> registry.Imported:
    """Import a register as the CLI does (with the settings, so bound people's plans follow)."""
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    entries, rejected = registry.check_rows(read_register(path, registry.flag_columns(harness.settings)), harness.settings)
    assert harness.app is not None
    async with harness.app.sessions.begin() as session:
        return await registry.store(session, entries, rejected, harness.settings)


async def plan_of(harness: Harness, resident_id: int) -> CheckinPlan | None:
    assert harness.app is not None
    async with harness.app.sessions() as session:
        return await checkins_repo.plan_of(session, resident_id)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("9点", ["09:00"]), ("9.00", ["09:00"]), ("9:00", ["09:00"]), ("09:00;18:00", ["09:00", "18:00"]),
     ("18点半、9点", ["09:00", "18:30"]), ("9.00 19.30", ["09:00", "19:30"]), ("", []),
     ("25:00", None), ("明天", None), ("9", None), ("9:00;下午", None)],
)
def test_register_time_parser(raw: str, expected: list[str] | None) -> None:
    """The register's check-in times: any form the bot reads, sorted HH:MM; None when a part is not a time."""
    assert registry.parse_times(raw) == expected


@pytest.mark.parametrize("times", ["9点", "9.00", "9:00", "9点；18点半"])
async def test_register_reads_the_time_formats_the_bot_reads(harness: Harness, tmp_path: Path, times: str) -> None:
    """«9点», «9.00», «9:00» (and 18点半) are check-in times, as they are when typed to the bot."""
    result = await import_text(harness, tmp_path, REGISTER.format(times=times))
    assert result.rejected == []
    expected = ["09:00", "18:30"] if "18" in times else ["09:00"]
    assert result.people[0].imported_checkin_times == expected


async def test_reimport_with_changed_times_moves_a_bound_persons_plan(harness: Harness, tmp_path: Path) -> None:
    """Lin Popo opened her invite (plan at 09:00); the register now says 8点 and 19:30: her plan follows,
    and the import says so on her line. A person whose check-ins are stopped is told about, not changed."""
    first = await import_text(harness, tmp_path, REGISTER.format(times="9:00"))
    code = first.people[0].invite_code
    from tests.helpers import new_user

    user = new_user(harness, "zh")
    await user.send_command(f"/start {code}")
    await user.press(catalog_text("zh", "✅ I agree"))
    await harness.drain()
    lin = await resident_of(harness, user)
    assert lin is not None and lin.registered_at is not None
    plan = await plan_of(harness, lin.id or 0)
    assert plan is not None and plan.times == ["09:00"]

    again = await import_text(harness, tmp_path, REGISTER.format(times="8点；19:30"))
    plan = await plan_of(harness, lin.id or 0)
    assert plan is not None and plan.times == ["08:00", "19:30"] and plan.active
    assert plan.next_due_at is not None
    assert plan.next_due_at.astimezone(harness.settings.tz).strftime("%H:%M") in ("08:00", "19:30")
    assert [(n.line, n.text) for n in again.notes] == [(2, "check-in times now 08:00, 19:30 (were 09:00)")]

    same = await import_text(harness, tmp_path, REGISTER.format(times="8点；19:30"))
    assert same.notes == []  # unchanged in the register: her own later changes are left alone

    assert harness.app is not None
    async with harness.app.sessions.begin() as session:
        stored = await checkins_repo.plan_of(session, lin.id or 0)
        assert stored is not None
        stored.active, stored.next_due_at = False, None
        session.add(stored)
    stopped = await import_text(harness, tmp_path, REGISTER.format(times="10:00"))
    assert [n.line for n in stopped.notes] == [2]
    assert "not applied" in stopped.notes[0].text and "no daily check-ins" in stopped.notes[0].text
    plan = await plan_of(harness, lin.id or 0)
    assert plan is not None and plan.times == ["08:00", "19:30"] and not plan.active
