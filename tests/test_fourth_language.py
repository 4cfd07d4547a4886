"""A fourth language is one new catalogue and one line (#13, docs/languages.md), proved with a throwaway one.

In a temporary copy of locales/, Kazakh ("kk") is added the way docs/languages.md says: the one line
(its code in LOCALES, bot/core/languages.py), then `python -m bot.ui.catalog`'s update, which creates
locales/kk/LC_MESSAGES/messages.po from messages.pot with Kazakh's plural forms. A "translator" then
fills it with each English text plus a mark (" ·kk"), so that a kk text can never be mistaken for the
English fallback. The real bot runs on that copy against the fake Bot API: a resident whose Telegram
speaks Kazakh is greeted and registered in it, a Chinese resident finds Қазақ тілі in /language (named
by Babel, no text of ours), and a staff chat can switch to it. Nothing else is added for the language:
no picker label, no district titles (they fall back to the district's main name), no danger rules.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

import tests.helpers as helpers
from bot.core import languages
from bot.ui import catalog as catalog_tool
from bot.ui import i18n as i18n_module
from bot.ui.i18n import DOMAIN, build_i18n
from tests.conftest import COORDINATOR_ID, Harness, running
from sandbox.bot_api import FakeTelegram
from tests.helpers import (
    CONSENT,
    LANGUAGE_QUESTION,
    catalog_plural,
    catalog_text,
    chat_scope,
    expected_commands,
    register,
    resident_of,
    visible_text,
)

ROOT = Path(__file__).resolve().parent.parent
THROWAWAY = "kk"
MARK = " ·kk"
#: Kazakh named in itself, as Babel (CLDR) writes it and the picker shows it.
KAZAKH = "Қазақ тілі"


def marked(text: str) -> str:
    """The throwaway "translation": the English text with the mark before any trailing whitespace."""
    body = text.rstrip()
    return body + MARK + text[len(body):] if body else text


def add_language_line(monkeypatch: pytest.MonkeyPatch, code: str) -> tuple[str, ...]:
    """The one line, LOCALES = (..., code), as if it had been written before the bot was imported: every
    imported module of the project that holds the LOCALES tuple (by that name or another) gets the longer
    one. A module that had copied or derived something from the tuple at import is not reached, and the
    tests below then fail, which is the point: the language list must be read, not copied."""
    old = languages.LOCALES
    new = (*old, code)
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in {"bot", "handlers", "db"}:
            continue
        for attr, value in list(vars(module).items()):
            if value is old:
                monkeypatch.setattr(module, attr, new)
    return new


def translate_throwaway(po_path: Path) -> None:
    """Fill every entry of the new catalogue (each plural form too) with its marked English text."""
    with po_path.open("rb") as po:
        catalogue = read_po(po, locale=THROWAWAY)
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            singular, plural = message.id[0], message.id[1]
            message.string = tuple(marked(singular if k == 0 else plural) for k in range(catalogue.num_plurals))
        else:
            message.string = marked(message.id)
    with po_path.open("wb") as po:
        write_po(po, catalogue)


@pytest.fixture
def fourth_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of locales/ with "kk" added by the documented steps; the bot and the helpers read it."""
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.mo", "*.tmp"))
    assert not (locales / THROWAWAY).exists()
    add_language_line(monkeypatch, THROWAWAY)  # 1. the one line
    catalog_tool.update(locales)  # 2. `python -m bot.ui.catalog` creates the catalogue ...
    po_path = locales / THROWAWAY / "LC_MESSAGES" / f"{DOMAIN}.po"
    assert po_path.exists(), "the catalogue tool did not create the new language's catalogue"
    translate_throwaway(po_path)  # ... and a translator fills it
    monkeypatch.setattr(i18n_module, "SOURCE_LOCALES", locales)
    monkeypatch.setattr(i18n_module, "LOCALES_DIR", locales)
    monkeypatch.setattr(helpers, "LOCALES_DIR", locales)
    monkeypatch.setattr(helpers, "_i18n", None)
    # What a Kazakh resident types and where they live (test data, not the bot's).
    monkeypatch.setitem(helpers.TG_CODES, THROWAWAY, "kk")
    monkeypatch.setitem(helpers.PHONES, THROWAWAY, "+77012345678")
    monkeypatch.setitem(helpers.ADDRESSES, THROWAWAY, "Абай даңғылы, 10-үй, 5-пәтер")
    monkeypatch.setitem(helpers.DISTRICT_OF, THROWAWAY, "presnensky")  # no kk title: the main name is shown
    return locales


@pytest.fixture
async def kk_harness(fourth_language: Path, fake: FakeTelegram, settings) -> AsyncIterator[Harness]:  # noqa: ANN001
    """The real bot, started after the fourth language was added."""
    async with running(Harness(fake, settings)) as h:
        yield h


def test_the_throwaway_catalogue_is_a_real_catalogue(fourth_language: Path) -> None:
    """The tool gave it Kazakh's plural forms (two), and the compiled catalogue picks them by count."""
    with (fourth_language / THROWAWAY / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        catalogue = read_po(po, locale=THROWAWAY)
    assert catalogue.num_plurals == 2
    assert dict(catalogue.mime_headers)["Language"] == THROWAWAY
    i18n = build_i18n("zh")
    assert THROWAWAY in i18n.available_locales
    assert i18n.gettext("{n} item", "{n} items", 1, locale=THROWAWAY) == "{n} item" + MARK
    assert i18n.gettext("{n} item", "{n} items", 5, locale=THROWAWAY) == "{n} items" + MARK
    assert catalog_plural(THROWAWAY, "{n} item", "{n} items", 2) == "2 items" + MARK


async def test_a_kazakh_speaker_is_greeted_and_registered_in_kazakh(kk_harness: Harness) -> None:
    """language_code "kk" is guessed (no picker), every step is in the new catalogue, the resident is
    stored with locale kk, and the Kazakh command menu was set for Telegram's kk users at start."""
    user = kk_harness.user(language_code="kk-KZ", phone=helpers.PHONES[THROWAWAY])
    await user.send_command("/start")
    consent = await user.expect(visible_text(THROWAWAY, CONSENT))
    assert consent.text.endswith(MARK.strip()), "the greeting is not the kk catalogue's"
    assert not any(LANGUAGE_QUESTION.split(" · ")[0] in text for text in user.texts())
    await register(kk_harness, THROWAWAY, user=user)  # /start picks up the registration where it stopped
    resident = await resident_of(kk_harness, user)
    assert resident is not None and resident.locale == THROWAWAY and resident.registered_at is not None
    assert user.fake.get_commands(language_code=THROWAWAY) == expected_commands(THROWAWAY)
    assert expected_commands(THROWAWAY)[0]["description"].endswith(MARK)


async def test_kazakh_can_be_picked_in_language(kk_harness: Harness) -> None:
    """/language lists Kazakh named in itself and asks in it too; choosing it switches the resident."""
    user = await register(kk_harness, "zh")
    await user.send_command("/language")
    picker = await user.expect(LANGUAGE_QUESTION)
    assert picker.text == LANGUAGE_QUESTION + " · " + visible_text(THROWAWAY, "Choose your language")
    assert picker.button_texts() == ["中文", "Русский", "Українська", KAZAKH]
    await user.press(KAZAKH)
    await user.expect(visible_text(THROWAWAY, "Language: {name}", name=KAZAKH))
    await user.expect(visible_text(THROWAWAY, "Hello, {name}! What do you need? Choose below.", name=user.first_name))
    assert user.fake.get_commands(chat_scope(user)) == expected_commands(THROWAWAY)
    resident = await resident_of(kk_harness, user)
    assert resident is not None and resident.locale == THROWAWAY


async def test_a_staff_chat_can_speak_kazakh(kk_harness: Harness) -> None:
    """/chatlang takes the new code and confirms in the new language."""
    coordinator = kk_harness.staff(COORDINATOR_ID, "Координатор")
    await coordinator.send_command("/join")
    await coordinator.send_command(f"/chatlang {THROWAWAY}")
    await coordinator.expect(visible_text(THROWAWAY, "This chat's language is now {language}.", language=KAZAKH))


#: The language codes written as a list in product code: ("zh", "ru", "uk"), ["ru", "uk", "zh"], ...
LANGUAGE_LIST = re.compile(r"""["'](?:zh|ru|uk)["']\s*,\s*["'](?:zh|ru|uk)["']""")
#: Where a list of these codes is right: the one line, and the languages that have danger rules
#: (chosen by a message's script, not by LOCALES; see RULE_LANGUAGES).
ALLOWED = {"bot/core/languages.py": 1, "bot/domain/danger.py": 1}


def test_the_one_line_is_the_only_list_of_languages() -> None:
    """No other product module spells out the bot's languages, so LOCALES cannot be half-extended."""
    found: dict[str, int] = {}
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        count = len(LANGUAGE_LIST.findall(path.read_text(encoding="utf-8")))
        if count:
            found[path.relative_to(ROOT).as_posix()] = count
    assert found == ALLOWED
