"""Unit tests of the danger detector (bot/domain/danger.py and its data files)."""

from __future__ import annotations

import pytest

from importlib import resources

from bot.domain.danger import (
    RULE_LANGUAGES,
    DangerKind,
    Level,
    assess,
    cyrillic_sentences,
    detect_danger,
    parse_rules,
    rules,
    score,
    warm_up,
)


@pytest.mark.parametrize(
    ("text", "signals"),
    [
        ("Краще б мене вже не було. Назбирала снодійного, вип'ю все одразу.",
         {"better_not_exist", "means", "stockpile", "take_all"}),
        ("Устала я так жить. Накопила снотворного, сегодня всё закончу.",
         {"tired_of_life", "means", "stockpile", "time", "ending_it"}),
        ("真想一觉睡过去再也不醒来", {"sleep_forever"}),
        ("真想一覺睡過去再也不醒來", {"sleep_forever"}),  # Traditional characters
    ],
)
def test_the_issues_examples_are_danger(text: str, signals: set[str]) -> None:
    """The issue's sentences: DANGER, self-harm, with the signals named (never the text)."""
    found = assess(text)
    assert (found.level, found.kind) == (Level.DANGER, DangerKind.SELF_HARM)
    assert signals <= set(found.signals)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Купите снотворное, пожалуйста.", Level.NONE),  # a means alone
        ("Накопила снотворного.", Level.UNSURE),  # a means and a stockpile
        ("Накопила снотворного, выпью всё сразу.", Level.DANGER),  # and taking it all at once
        ("Купіть снодійне.", Level.NONE),
        ("Назбирала снодійного.", Level.UNSURE),
        ("帮我买安眠药", Level.NONE),
        ("我攒了好多安眠药", Level.UNSURE),
        ("我攒了好多安眠药，今晚就全吃了", Level.DANGER),
        ("Я всем обуза.", Level.UNSURE),  # a burden alone: ask
        ("我是孩子们的累赘", Level.UNSURE),
        ("Прощайте.", Level.NONE),  # a goodbye alone
        ("Прощайте все, простите меня за всё.", Level.UNSURE),
    ],
)
def test_signals_combine(text: str, level: Level) -> None:
    """Weights add up: weak signals alone say nothing, together they ask, with a plan they alarm."""
    assert assess(text).level is level, assess(text)


@pytest.mark.parametrize(
    "text",
    [
        "Я никогда не причиню себе вреда.", "Я не хочу умирать.", "Я ніколи не заподію собі шкоди.",
        "Я не хочу помирати.", "我绝对不会自杀", "我不想死", "我从来没想过自杀",
        "Боюсь уснуть и не проснуться, сердце шалит.", "我害怕一觉睡过去再也醒不来",
    ],
)
def test_negations_and_fears_cancel(text: str) -> None:
    """"I would never hurt myself", "I am afraid to fall asleep and not wake up": nothing."""
    assert assess(text).level is Level.NONE, assess(text)


@pytest.mark.parametrize(
    "text",
    [
        "Соседка сказала, что хочет умереть.", "Мама говорит, что не хочет жить.",
        "Сусідка сказала, що хоче померти.", "Він увесь час говорить про самогубство.",
        "我邻居说她想死", "新闻里说有人跳楼了", "Кот выпрыгнул из окна, но жив.",
    ],
)
def test_someone_elses_words_are_not_the_writers(text: str) -> None:
    """A third person's wish to die is not the writer's (a worker can still be asked to visit)."""
    assert assess(text).level is Level.NONE, assess(text)


@pytest.mark.parametrize(
    "text",
    ["Муж умер, не хочу жить.", "Без мами жити не хочеться.", "老伴走了，不想活了", "Моя мама умерла, и я хочу умереть."],
)
def test_grief_with_ones_own_wish_to_die_is_danger(text: str) -> None:
    """A person named as the lost one, not the speaker: the wish is the writer's."""
    assert assess(text).level is Level.DANGER, assess(text)


@pytest.mark.parametrize(
    "text",
    ["умираю как хочу пельменей", "Умираю, как хочу пельменей.", "помираю, як хочу побачити онуків",
     "饿死了", "累死了", "笑死我了", "想死你了", "убить время", "Не хочу жить с сыном.",
     "Хочу исчезнуть на недельку к сестре."],
)
def test_idioms_do_not_trigger(text: str) -> None:
    """Idioms of dying of hunger, laughing to death, missing someone to death: nothing."""
    assert assess(text).level is Level.NONE, assess(text)


@pytest.mark.parametrize("text", ["胸口很疼，喘不上气", "не могу дышать", "мама знепритомніла", "вызовите скорую"])
def test_acute_medical_emergencies_are_danger_of_kind_medical(text: str) -> None:
    """The medical phrase list still works through assess()."""
    assert (assess(text).level, assess(text).kind) == (Level.DANGER, DangerKind.MEDICAL)


def test_self_harm_danger_wins_over_medical_and_medical_over_unsure() -> None:
    """Both kinds in one message: self-harm DANGER first; medical before a self-harm UNSURE."""
    assert assess("не могу дышать, хочу умереть").kind is DangerKind.SELF_HARM
    assert assess("Я всем обуза, не могу дышать").kind is DangerKind.MEDICAL


@pytest.mark.parametrize("text", [None, "", "   ", "👍", "12345"])
def test_empty_and_wordless_texts_are_nothing(text: str | None) -> None:
    """Nothing to read: NONE."""
    assert assess(text).level is Level.NONE


def test_the_rules_are_data() -> None:
    """A rule file parsed from TOML decides: a word added to a signal there is found in text."""
    toml = """
language = "ru"
negations = ["не"]
first_person = ["я"]
third_pronouns = ["он"]
third_person = ["сосед"]
reporting = ["сказать"]
idioms = ["умирать как хотеть"]

[[signal]]
name = "lonely"
weight = 2
patterns = ["заесть одиночество|тоска"]
"""
    rules = parse_rules(toml)
    assert score(cyrillic_sentences("Меня заела тоска"), rules) == (2.0, ("lonely",))
    assert score(cyrillic_sentences("Меня не заела тоска"), rules) == (0.0, ())
    assert score(cyrillic_sentences("Сосед сказал, что его заела тоска"), rules) == (0.0, ())


def test_the_shipped_rule_files_are_the_rule_languages() -> None:
    """Each of RULE_LANGUAGES has its file and it loads; no file lies there unused (a new language's
    rules need a word splitter in danger.py too, see docs/languages.md)."""
    files = sorted(p.name for p in resources.files("bot.data.danger").iterdir() if p.name.endswith(".toml"))
    assert files == sorted(f"{language}.toml" for language in RULE_LANGUAGES)
    for language in RULE_LANGUAGES:
        loaded = rules(language)
        assert loaded.language == language and loaded.signals
        assert loaded.unsure_at <= loaded.danger_at
    warm_up()  # loads them all, the dictionaries and the segmenter, without error


def test_an_incomplete_rule_file_is_refused() -> None:
    """A rule file without its signals or word lists fails when read, not when a resident writes."""
    with pytest.raises(KeyError):
        parse_rules('language = "xx"\nnegations = ["no"]\n')


@pytest.mark.parametrize(
    "text",
    [
        "Please buy bread and two litres of milk",  # Latin: no rules read it
        "გთხოვთ, იყიდეთ პური და რძე",  # Georgian
        "ขอข้าวสารหนึ่งถุง",  # Thai
    ],
)
def test_a_script_without_rules_is_read_without_error_and_is_nothing(text: str) -> None:
    """A language the bot may speak without danger rules (docs/languages.md): its messages are NONE for
    self-harm, not an error; the medical list and the emergency numbers in /help stay."""
    assert assess(text).level is Level.NONE
    assert detect_danger(text) is None


def test_detect_danger_reports_the_kind_from_unsure_up() -> None:
    """UNSURE already gives the kind (the resident is asked whether they are safe); NONE gives None."""
    unsure = "Накопила снотворного"
    assert assess(unsure).level is Level.UNSURE
    assert detect_danger(unsure) is DangerKind.SELF_HARM
    assert detect_danger("Купите снотворное, пожалуйста") is None
