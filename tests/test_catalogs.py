"""The catalogues of every language in LOCALES (zh/ru/uk) keep up with the code and are safe to show.

Messages are extracted from the code in-process (same method map as babel.cfg, same keywords as
bot.ui.catalog), so a stale messages.pot cannot hide an untranslated string.
"""

from __future__ import annotations

import re
import shutil
import string
import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import cache
from gettext import c2py
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.core.config import LOCALES
from bot.ui.i18n import DOMAIN, LOCALES_DIR, build_i18n, compile_catalogs
from sandbox.bot_api import parse_html

ROOT = LOCALES_DIR.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}  # bot.ui.catalog runs pybabel extract with "-k N_"

#: The usual gettext Plural-Forms of each language (GNU gettext manual, "Plural forms").
RU_UK_PLURAL = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
)
STANDARD_PLURAL_FORMS = {"zh": "nplurals=1; plural=0;", "ru": RU_UK_PLURAL, "uk": RU_UK_PLURAL}


def standard_plural_forms(locale: str) -> str:
    """The Plural-Forms a catalogue must carry: written out above for zh/ru/uk; for a language added
    later, the one Babel's table gives (what `pybabel init` writes into a new catalogue)."""
    return STANDARD_PLURAL_FORMS.get(locale) or str(get_plural(locale))


def standard_nplurals(locale: str) -> int:
    """How many plural forms the language has (zh: 1, ru and uk: 3)."""
    return int(re.search(r"nplurals=(\d+)", standard_plural_forms(locale)).group(1))


def expected_form(locale: str, n: int) -> int:
    """Which msgstr[k] a count must pick, written out independently of the catalogue (zh/ru/uk), or
    from Babel's table for a language added later."""
    if locale not in STANDARD_PLURAL_FORMS:
        return c2py(get_plural(locale).plural_expr)(n)
    if locale == "zh":
        return 0
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


# ---------------------------------------------------------------------------------------------
# Helpers


def po_path(locale: str) -> Path:
    """A locale's catalogue file."""
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def code_messages() -> dict[str, str | tuple[str, str]]:
    """Every translatable message in bot/ and handlers/ now: msgid -> msgid or (msgid, msgid_plural)."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(ROOT / "babel.cfg"))
    found: dict[str, str | tuple[str, str]] = {}
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        assert context is None, f"message contexts are not used by the catalogues: {message!r}"
        if isinstance(message, tuple):
            singular, plural = message[0], message[1]
            if not singular:
                continue
            found[singular] = (singular, plural)
        elif message:
            found.setdefault(message, message)
    assert len(found) > 50, "extraction found suspiciously few messages; is babel.cfg right?"
    return found


@cache
def catalog(locale: str) -> Catalog:
    """A catalogue as Babel reads it (invalid entries abort the read)."""
    with po_path(locale).open("rb") as po:
        return read_po(po, locale=locale, abort_invalid=True)


def entries(locale: str) -> Iterator[Message]:
    """The catalogue's live entries (no header)."""
    return (m for m in catalog(locale) if m.id)


def forms(message: Message) -> list[str]:
    """The translation as a list of plural forms (one for a plain message)."""
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string or ""]


def msgids(message: Message) -> list[str]:
    """msgid, and msgid_plural when there is one."""
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def raw_plural_indices(locale: str) -> dict[str, list[int]]:
    """msgid -> the k of every msgstr[k] line of each plural entry, read from the .po text itself.

    Babel pads missing forms and drops extra ones when it reads a catalogue, so this counts raw lines.
    """
    result: dict[str, list[int]] = {}
    for block in po_path(locale).read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#")]
        if not any(line.startswith("msgid_plural ") for line in lines):
            continue
        msgid, indices, current = "", [], None
        for line in lines:
            if line.startswith("msgid "):
                current, msgid = "msgid", unquote(line[len("msgid "):])
            elif line.startswith('"') and current == "msgid":
                msgid += unquote(line)
            else:
                current = None
                match = re.match(r"msgstr\[(\d+)\] ", line)
                if match:
                    indices.append(int(match.group(1)))
        result[msgid] = indices
    return result


def unquote(quoted: str) -> str:
    """One quoted .po string segment, unescaped."""
    body = quoted.strip()[1:-1]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(1), m.group(1)), body)


def placeholders(text: str) -> set[str]:
    """The {names} a str.format() call fills in."""
    return {field for _lit, field, _spec, _conv in string.Formatter().parse(text) if field is not None}


TAG = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")


def tags(text: str) -> Counter[str]:
    """The HTML tags of a text, opening and closing counted separately."""
    return Counter(("/" if m.group(0).startswith("</") else "") + m.group(1).lower() for m in TAG.finditer(text))


def is_emoji_char(char: str) -> bool:
    """Pictographs, their variation selectors and joiners (ℹ️ is the one emoji that is a letter)."""
    return unicodedata.category(char) in ("So", "Sk", "Mn", "Cf") or char == "\u2139"


def leading_emoji(text: str) -> str:
    """The emoji a text starts with ('' if none)."""
    end = 0
    while end < len(text) and is_emoji_char(text[end]):
        end += 1
    return text[:end]


def trailing_emoji(text: str) -> str:
    """The emoji a text ends with ('' if none)."""
    start = len(text)
    while start > 0 and is_emoji_char(text[start - 1]):
        start -= 1
    return text[start:]


def filled(text: str) -> str:
    """A translation with every placeholder replaced by 'x', as the bot would format it."""

    class AnyX(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return "x"

    return text.format_map(AnyX())


def translated_pairs(locale: str) -> Iterator[tuple[Message, list[str], str]]:
    """(entry, the source texts it must match, one translated form) for every non-empty form."""
    for message in entries(locale):
        for text in forms(message):
            if text:
                yield message, msgids(message), text


# ---------------------------------------------------------------------------------------------
# Headers


@pytest.mark.parametrize("locale", LOCALES)
def test_header_is_filled(locale: str) -> None:
    """Project, language and team are set; no template placeholders remain."""
    header = dict(catalog(locale).mime_headers)
    assert header["Project-Id-Version"].split()[0] == "doorstep"
    assert header["Language"] == locale
    for name in ("Language-Team", "Last-Translator", "Project-Id-Version"):
        value = header.get(name, "")
        assert value and not re.search(r"PROJECT|VERSION|FULL NAME|EMAIL@ADDRESS|LL@li\.org", value), (name, value)
    assert not catalog(locale).fuzzy, "the header is marked fuzzy"


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms_header_is_standard(locale: str) -> None:
    """Plural-Forms is the usual expression for the language (zh: one form; ru, uk: three)."""
    raw = dict(catalog(locale).mime_headers)["Plural-Forms"]
    assert " ".join(raw.split()) == standard_plural_forms(locale)
    assert catalog(locale).num_plurals == standard_nplurals(locale)


# ---------------------------------------------------------------------------------------------
# Completeness


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_in_the_code_is_translated(locale: str) -> None:
    """Each msgid the code uses is in the catalogue, translated in every form, not fuzzy or obsolete."""
    cat = catalog(locale)
    problems = []
    for msgid, expected in sorted(code_messages().items()):
        message = cat.get(msgid)
        if message is None:
            state = "only obsolete (#~)" if msgid in cat.obsolete else "missing"
            problems.append(f"{state}: {msgid!r}")
            continue
        if isinstance(expected, tuple) != message.pluralizable:
            problems.append(f"plural/singular mismatch with the code: {msgid!r}")
        elif isinstance(expected, tuple) and tuple(message.id) != expected:
            problems.append(f"msgid_plural differs from the code ({message.id[1]!r}): {msgid!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        empty = [k for k, text in enumerate(forms(message)) if not text.strip()]
        if empty:
            problems.append(f"untranslated form(s) {empty}: {msgid!r}")
    assert not problems, (
        f"{locale}: run `python -m bot.ui.catalog` and translate:\n" + "\n".join(problems)
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_no_fuzzy_or_stale_entries(locale: str) -> None:
    """Nothing fuzzy, and no entry the code no longer uses."""
    code = code_messages()
    fuzzy = [m.id for m in entries(locale) if m.fuzzy]
    stale = [m.id for m in entries(locale) if msgids(m)[0] not in code]
    assert not fuzzy, f"{locale}: fuzzy entries: {fuzzy}"
    assert not stale, f"{locale}: entries no longer in the code (run `python -m bot.ui.catalog`): {stale}"


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_entries_have_exactly_nplurals_forms(locale: str) -> None:
    """msgstr[0..nplurals-1], no more, no fewer (zh: only msgstr[0])."""
    nplurals = catalog(locale).num_plurals
    raw = raw_plural_indices(locale)
    plural_ids = {m.id[0] for m in entries(locale) if m.pluralizable}
    assert set(raw) == plural_ids
    wrong = {msgid: indices for msgid, indices in raw.items() if sorted(indices) != list(range(nplurals))}
    assert not wrong, f"{locale}: expected msgstr[0..{nplurals - 1}]: {wrong}"


# ---------------------------------------------------------------------------------------------
# Shape of each translation


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match_the_source(locale: str) -> None:
    """Same {placeholders} as the msgid (for plural forms: as msgid and msgid_plural together)."""
    problems = []
    for message, sources, text in translated_pairs(locale):
        try:
            want = set().union(*(placeholders(s) for s in sources))
            got = placeholders(text)
        except ValueError as exc:  # an unbalanced brace breaks str.format at run time
            problems.append(f"{exc}: {text!r}")
            continue
        if got != want:
            problems.append(f"{sorted(got)} != {sorted(want)}: {text!r}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_html_tags_match_the_source(locale: str) -> None:
    """The same tags, the same number of times, as the msgid (and msgid_plural)."""
    problems = []
    for message, sources, text in translated_pairs(locale):
        if any(tags(text) != tags(source) for source in sources):
            problems.append(f"{dict(tags(text))} != {dict(tags(sources[-1]))}: {text!r}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_leading_and_trailing_newlines_match(locale: str) -> None:
    """Texts that are glued to others keep their edge newlines (as msgfmt --check requires)."""
    problems = []
    for message, sources, text in translated_pairs(locale):
        source = sources[-1]
        if source.startswith("\n") != text.startswith("\n") or source.endswith("\n") != text.endswith("\n"):
            problems.append(repr(text))
    assert not problems, f"{locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_emoji_stay_in_place(locale: str) -> None:
    """A text (a button above all) that starts or ends with an emoji keeps that emoji there."""
    problems = []
    for message, sources, text in translated_pairs(locale):
        source = sources[-1]
        if leading_emoji(source) and not text.startswith(leading_emoji(source)):
            problems.append(f"should start with {leading_emoji(source)}: {text!r}")
        if trailing_emoji(source) and not text.endswith(trailing_emoji(source)):
            problems.append(f"should end with {trailing_emoji(source)}: {text!r}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


def test_reply_keyboard_labels_never_collide() -> None:
    """Reply-keyboard buttons are recognised by their text in any language: no two may share one."""
    from bot.ui import keyboards
    labels = sorted(
        value for name, value in vars(keyboards).items()
        if name.isupper() and isinstance(value, str) and value in code_messages()
    )
    assert len(labels) >= 6, labels
    owner: dict[str, str] = {}
    clashes = []
    for msgid in labels:
        texts = {msgid.strip(), *(catalog(loc).get(msgid).string.strip() for loc in LOCALES)}
        for text in texts:
            if owner.setdefault(text, msgid) != msgid:
                clashes.append(f"{text!r}: {owner[text]!r} and {msgid!r}")
    assert not clashes, clashes


# ---------------------------------------------------------------------------------------------
# Compiled catalogues


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_picks_the_right_plural_form(locale: str) -> None:
    """gettext(singular, plural, n) returns msgstr[k] for the k the language's rule gives."""
    i18n = build_i18n("zh")
    plural_entries = [m for m in entries(locale) if m.pluralizable]
    assert plural_entries, "no plural entries to check"
    for message in plural_entries:
        singular, plural = message.id
        for n in (0, 1, 2, 3, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 1000):
            expected = message.string[expected_form(locale, n)]
            assert i18n.gettext(singular, plural, n, locale=locale) == expected, (locale, singular, n)


def test_compiled_russian_item_counts() -> None:
    """The example from the spec: 1, 2, 5, 11, 21 items pick forms 0, 1, 2, 2, 0."""
    i18n = build_i18n("zh")
    for locale in ("ru", "uk"):
        message = catalog(locale).get("{n} item")
        assert message is not None and message.pluralizable
        got = [i18n.gettext("{n} item", "{n} items", n, locale=locale) for n in (1, 2, 5, 11, 21)]
        assert got == [message.string[k] for k in (0, 1, 2, 2, 0)]
        assert len(set(got)) == 3


def test_catalogues_compile_without_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A fresh compile of every .po reports nothing (Babel prints plural-count problems as warnings)."""
    for locale in LOCALES:
        target = tmp_path / locale / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(po_path(locale), target / f"{DOMAIN}.po")
    compile_catalogs(tmp_path)
    out = capsys.readouterr()
    assert "WARNING" not in out.out + out.err, out.out + out.err
    for locale in LOCALES:
        assert (tmp_path / locale / "LC_MESSAGES" / f"{DOMAIN}.mo").stat().st_size > 0


# ---------------------------------------------------------------------------------------------
# Telegram


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_are_valid_telegram_html(locale: str) -> None:
    """Every translation, formatted, passes Telegram's HTML parser (as the fake Bot API implements it)."""
    problems = []
    for message, _sources, text in translated_pairs(locale):
        try:
            parse_html(filled(text))
        except Exception as exc:  # noqa: BLE001 - any parse error is the finding
            problems.append(f"{exc}: {text!r}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)
