"""Misses and false alarms a tester found in the danger check (2026-11-29), kept from coming back.

A symptom told as the recurring reason for a medicine («иногда болит сердце», «哮喘喷雾，晚上喘不上气») is not
an emergency now; «Сил больше нет жить», «Лягу и не встану, так и лучше», «活着就是给家里添麻烦» are signs;
«Не можу жити без кави» is an idiom.
"""

from __future__ import annotations

import pytest

from bot.domain.danger import DangerKind, Level, assess
from bot.domain.safety import detect_medical
from tests.conftest import Harness
from tests.helpers import MEDICINE_PROMPT, PHOTO_PROMPT, emergency_text, open_wizard, register, requests_of, visible_text


@pytest.mark.parametrize(("text", "level"), [
    ("Сил больше нет жить", Level.UNSURE),
    ("Сил немає жити", Level.UNSURE),
    ("我觉得自己活着就是给家里添麻烦", Level.UNSURE),
    ("Лягу и не встану, так и лучше", Level.DANGER),
    ("Ляжу і не встану, так і краще", Level.DANGER),
    ("Не можу жити без кави", Level.NONE),
    ("Не могу жить без кофе по утрам", Level.NONE),
])
def test_signs_and_idioms(text: str, level: Level) -> None:
    """Each sentence reaches exactly its level of self-harm danger."""
    found = assess(text)
    assert found.level is level, found
    if level:
        assert found.kind is DangerKind.SELF_HARM


@pytest.mark.parametrize(("text", "acute"), [
    ("Нужен нитроглицерин, иногда болит сердце", False),
    ("哮喘喷雾，晚上喘不上气", False),
    ("Потрібен сальбутамол, буває задихаюся", False),
    ("有时候胸口疼", False),
    ("Иногда болит сердце, но сейчас упала и не могу встать", True),
    ("Обычно ничего, а сейчас задыхаюсь", True),
    ("现在晚上喘不上气", True),
    ("救命，我喘不上气", True),
    ("Мне плохо, болит сердце, вызовите скорую", True),
])
def test_a_recurring_symptom_is_not_an_emergency_now(text: str, acute: bool) -> None:
    """A recurrence word in the symptom's own clause makes it a reason, not an emergency; «now» wins."""
    assert detect_medical(text) is acute


@pytest.mark.parametrize(("locale", "text"), [
    ("ru", "Нитроглицерин 0,5 мг, иногда болит сердце"),
    ("zh", "沙丁胺醇喷雾，晚上喘不上气"),
])
async def test_the_reason_for_a_medicine_goes_on_with_the_wizard(harness: Harness, locale: str, text: str) -> None:
    """At the medicine step the recurring symptom is the request's text: the next question follows, no
    emergency numbers, and the request stays a medicine request of ordinary urgency until the resident says."""
    user = await register(harness, locale)
    await open_wizard(user, locale, "medicine")
    await user.expect(visible_text(locale, MEDICINE_PROMPT))
    replies = await user.send(text)
    assert not any(emergency_text(locale) in (m.text or "") for m in replies), [m.text for m in replies]
    await user.expect(visible_text(locale, PHOTO_PROMPT))
    assert await requests_of(harness, user) == []  # before: an urgent «someone to talk to» request was filed at once
