"""Whether a message says its writer may be in danger: self-harm intent, or an acute medical emergency.

Pure: no database, no Telegram. `assess(text)` returns an `Assessment`: a `Level` (NONE, UNSURE, DANGER),
the `DangerKind` (self-harm or medical) and the names of the signals that fired (for tests and logs;
never the text).

How the self-harm part works. The rules live in data files, one per language (bot/data/danger/zh.toml,
ru.toml, uk.toml), not in code:

1. The text is split into sentences and words. Russian and Ukrainian words are reduced to their
   dictionary forms with pymorphy3 (both dictionaries, so «назбирала», «накопила», «вип'ю» become
   назбирати, накопить, випити, whatever the resident's language setting); Chinese is segmented with
   jieba (Traditional characters are mapped to Simplified first).
2. Idioms («умираю, как хочу пельменей», 饿死了, 想死你了) are masked: their words cannot take part in a
   signal.
3. Each signal group (wish to die, sleep and not wake up, burden, goodbye, tired of living, means such
   as pills or a rope, stockpiling, taking it all at once, a time, "ending it") has patterns: sequences
   of words, each a set of alternatives, with at most a few words between them. A match does not count
   when a negation stands just before it («не хочу умирать», 我绝不会自杀) or when it is about someone
   else (a third person named before it and no "I" in between: «соседка сказала, что хочет умереть»).
4. The weights of the distinct groups that fired add up: `danger_at` or more is DANGER, `unsure_at` or
   more is UNSURE (ask "Are you safe right now?"). So «купите снотворное» (a means alone) is nothing,
   «накопила снотворного» (means + stockpile) is UNSURE, and «Накопила снотворного, выпью всё сразу»
   is DANGER.

The medical part is bot/domain/safety.py's phrase list (breathing, chest pain, stroke, fainting,
bleeding, a fall, an overdose, "call an ambulance"): an acute emergency is DANGER of kind MEDICAL.
Self-harm DANGER wins over medical, medical over a self-harm UNSURE.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cache, lru_cache
from importlib import resources

import jieba
import pymorphy3

from bot.domain.safety import DangerKind, detect_medical, to_simplified

__all__ = ["Assessment", "DangerKind", "Level", "assess", "detect_danger", "warm_up"]


class Level(IntEnum):
    """How sure the detector is that the writer is in danger."""

    NONE = 0
    UNSURE = 1  # ask "Are you safe right now?"
    DANGER = 2  # emergency numbers at once, a worker calls


@dataclass(frozen=True)
class Assessment:
    """The outcome for one message: level, kind (None at NONE) and the names of the signals that fired."""

    level: Level
    kind: DangerKind | None = None
    signals: tuple[str, ...] = ()


NOTHING = Assessment(Level.NONE)


@dataclass(frozen=True)
class Token:
    """One word: its surface form, its dictionary forms, and whether it can be a sentence's subject."""

    surface: str
    forms: frozenset[str]
    nominative: bool = True  # may be a subject (ru/uk: a nominative noun or pronoun; zh: always)
    first_person: bool = False  # ru/uk: a verb in the first person («хочу», «закінчу»)
    third_person: bool = False  # ru/uk: a verb in the third person («хочет», «хоче»), by its top parse


@dataclass(frozen=True)
class Slot:
    """One position of a pattern: dictionary or written forms, written forms only (`=word` in the data
    files: «=себя» is not «себе»), or prefixes (`stem*`)."""

    words: frozenset[str]
    prefixes: tuple[str, ...]
    surfaces: frozenset[str] = frozenset()

    def matches(self, token: Token) -> bool:
        """Whether the token is one of the alternatives."""
        if token.forms & self.words or token.surface in self.surfaces:
            return True
        return any(form.startswith(p) for p in self.prefixes for form in token.forms)

    def possible(self, present: frozenset[str], surfaces: frozenset[str]) -> bool:
        """Whether some token of a sentence with these forms and written forms may match (cheap)."""
        return bool(self.prefixes) or bool(self.words & present) or bool(self.surfaces & surfaces)


Words = tuple[frozenset[str], frozenset[str]]


def gather(tokens: Sequence[Token | None]) -> Words:
    """Every dictionary and written form of a sentence's unmasked tokens, and their written forms."""
    live = [t for t in tokens if t is not None]
    return frozenset().union(*(t.forms for t in live)), frozenset(t.surface for t in live)


@dataclass(frozen=True)
class Pattern:
    """Slots in order, with at most `gap` other words between neighbours."""

    slots: tuple[Slot, ...]
    gap: int

    def possible(self, present: frozenset[str], surfaces: frozenset[str]) -> bool:
        """False when some word of the pattern is nowhere in the sentence: no need to look further."""
        return all(slot.possible(present, surfaces) for slot in self.slots)

    def find(self, tokens: Sequence[Token | None], words: Words | None = None) -> Iterable[tuple[int, int]]:
        """Every (first, last) index span of a match; masked tokens (None) match nothing. `words`: the
        sentence's forms, when the caller has them (they are gathered here otherwise)."""
        present, surfaces = words or gather(tokens)
        if not self.possible(present, surfaces):
            return
        for start, token in enumerate(tokens):
            if token is not None and self.slots[0].matches(token):
                end = self._rest(tokens, start, 1)
                if end is not None:
                    yield start, end

    def _rest(self, tokens: Sequence[Token | None], at: int, slot: int) -> int | None:
        if slot == len(self.slots):
            return at
        for nxt in range(at + 1, min(len(tokens), at + 2 + self.gap)):
            token = tokens[nxt]
            if token is None or token is COMMA:  # a pattern stays within a clause
                return None
            if self.slots[slot].matches(token):
                end = self._rest(tokens, nxt, slot + 1)
                if end is not None:
                    return end
        return None


@dataclass(frozen=True)
class Signal:
    """A group of patterns meaning one thing (e.g. wish_die), and its weight."""

    name: str
    weight: float
    patterns: tuple[Pattern, ...]
    negatable: bool = True
    about_self: bool = True  # a third person named before it makes it someone else's
    #: the words one of which a sentence needs for any pattern to match (their first words), and whether
    #: some pattern opens with a prefix or a written form instead (then it is never skipped)
    keys: frozenset[str] = frozenset()
    open: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", frozenset().union(*(p.slots[0].words for p in self.patterns)))
        object.__setattr__(self, "open", any(p.slots[0].prefixes or p.slots[0].surfaces for p in self.patterns))


@dataclass(frozen=True)
class Rules:
    """One language's data file, parsed."""

    language: str
    signals: tuple[Signal, ...]
    idioms: tuple[Pattern, ...]
    negations: Slot
    negation_window: int
    fears: Slot
    first_person: Slot
    third_person: Slot
    third_pronouns: Slot
    reporting: Slot
    prepositions: Slot
    impersonal: Slot
    contexts: Slot
    danger_at: float
    unsure_at: float


def _slot(spec: str) -> Slot:
    words = [w.strip().lower() for w in spec.split("|") if w.strip()]
    return Slot(
        frozenset(w for w in words if not w.endswith("*") and not w.startswith("=")),
        tuple(w[:-1] for w in words if w.endswith("*")),
        frozenset(w[1:] for w in words if w.startswith("=")),
    )


def _pattern(spec: str, gap: int) -> Pattern:
    return Pattern(tuple(_slot(part) for part in spec.split()), gap)


def parse_rules(text: str) -> Rules:
    """Rules from the TOML text of a data file (see bot/data/danger/README.md); KeyError if incomplete."""
    data = tomllib.loads(text)
    gap = int(data.get("gap", 2))
    signals = tuple(
        Signal(
            name=s["name"],
            weight=float(s["weight"]),
            patterns=tuple(_pattern(p, int(s.get("gap", gap))) for p in s["patterns"]),
            negatable=bool(s.get("negatable", True)),
            about_self=bool(s.get("about_self", True)),
        )
        for s in data["signal"]
    )
    return Rules(
        language=data["language"],
        signals=signals,
        idioms=tuple(_pattern(p, int(data.get("idiom_gap", 1))) for p in data.get("idioms", [])),
        negations=_slot("|".join(data["negations"])),
        negation_window=int(data.get("negation_window", 3)),
        fears=_slot("|".join(data.get("fears", []))),
        first_person=_slot("|".join(data["first_person"])),
        third_person=_slot("|".join(data["third_person"])),
        third_pronouns=_slot("|".join(data["third_pronouns"])),
        reporting=_slot("|".join(data["reporting"])),
        prepositions=_slot("|".join(data.get("prepositions", []))),
        impersonal=_slot("|".join(data.get("impersonal", []))),
        contexts=_slot("|".join(data.get("contexts", []))),
        danger_at=float(data.get("danger_at", 3)),
        unsure_at=float(data.get("unsure_at", 2)),
    )


#: The languages with self-harm rules (bot/data/danger/<language>.toml). They are chosen by the script
#: a message is written in (Han: zh; Cyrillic: ru and uk), never by the resident's language setting, so
#: they are independent of the bot's LOCALES: a language the bot speaks without rules of its own is
#: still checked by the medical phrase list (bot/domain/safety.py) and, when written in Cyrillic or Han,
#: by these rules; otherwise its messages are simply NONE for self-harm (docs/languages.md).
RULE_LANGUAGES: tuple[str, ...] = ("zh", "ru", "uk")


@cache
def rules(language: str) -> Rules:
    """The shipped rules of one of RULE_LANGUAGES, read once."""
    return parse_rules(resources.files("bot.data.danger").joinpath(f"{language}.toml").read_text("utf-8"))


# --- words ------------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff]")
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;。！？；…\n]+")
_CYRILLIC_WORD = re.compile(r"[a-zа-яёіїєґ0-9']+(?:-[a-zа-яёіїєґ0-9']+)*|[,:—–]")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'", "′": "'", "ё": "е"})
_LATIN_I = re.compile(r"(?<=[а-яіїєґ'])i|i(?=[а-яіїєґ'])")
_CLAUSE_MARKS = frozenset({",", ":", "—", "–", "，", "：", "、"})
COMMA = Token(",", frozenset({","}))


@cache
def _morph() -> tuple[pymorphy3.MorphAnalyzer, pymorphy3.MorphAnalyzer]:
    return pymorphy3.MorphAnalyzer(lang="ru"), pymorphy3.MorphAnalyzer(lang="uk")


@cache
def _jieba() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for signal in rules("zh").signals:  # the lexicon's words are cut as whole words
        for pattern in signal.patterns:
            for slot in pattern.slots:
                for word in slot.words:
                    if len(word) > 1 and tokenizer.FREQ.get(word, 0) == 0:
                        tokenizer.add_word(word)
    return tokenizer


@lru_cache(maxsize=20_000)
def _cyrillic_token(word: str) -> Token:
    if not _CYRILLIC.search(word) or len(word) > 40:
        return Token(word, frozenset({word}))
    forms = {word}
    nominative = first_person = third_person = False
    for analyzer in _morph():
        parses = analyzer.parse(word)
        for parse in parses[:4]:
            forms.add(parse.normal_form.replace("ё", "е"))
        if parses and analyzer.word_is_known(word):  # a Russian word guessed as Ukrainian says nothing
            top = parses[0].tag
            nominative = nominative or bool({"NOUN", "NPRO"} & set(top.grammemes) and "nomn" in top)
            first_person = first_person or "1per" in top
            third_person = third_person or "3per" in top
    return Token(word, frozenset(forms), nominative, first_person, third_person)


def cyrillic_sentences(text: str) -> list[list[Token]]:
    """Sentences of dictionary-form tokens (ru and uk forms together); commas kept as clause marks."""
    text = _LATIN_I.sub("і", text.lower().translate(_APOSTROPHES))
    out = []
    for sentence in _SENTENCE_END.split(text):
        tokens = [COMMA if w in _CLAUSE_MARKS else _cyrillic_token(w.strip("'")) for w in _CYRILLIC_WORD.findall(sentence)]
        if tokens:
            out.append(tokens)
    return out


def chinese_sentences(text: str) -> list[list[Token]]:
    """Sentences of jieba words (Simplified); commas kept as clause marks, spaces dropped."""
    text = re.sub(r"\s+", "", to_simplified(text.lower()))
    out = []
    for sentence in _SENTENCE_END.split(text):
        tokens = []
        for word in _jieba().lcut(sentence, HMM=True):
            if word in _CLAUSE_MARKS or word in {",", "."}:
                tokens.append(COMMA)
            elif word.strip():
                tokens.append(Token(word, frozenset({word})))
        if tokens:
            out.append(tokens)
    return out


# --- signals ----------------------------------------------------------------------------------------


def _negated(tokens: Sequence[Token | None], start: int, rules: Rules) -> bool:
    """A negation word in the few words before the match, or a fear word anywhere before it in its
    clause («боюсь уснуть и не проснуться»); never across a comma."""
    for i in range(start - 1, -1, -1):
        token = tokens[i]
        if token is COMMA:
            break
        if token is None:
            continue
        if rules.fears.matches(token) or (start - i <= rules.negation_window and rules.negations.matches(token)):
            return True
    return False


def _about_someone_else(tokens: Sequence[Token | None], start: int, rules: Rules) -> bool:
    """Whether the match is about someone else: before it stands a third-person pronoun, or a subject
    noun that is in the match's own clause or followed by a reporting verb ("said"), with no "I"
    (a first-person pronoun or verb) after it; or the match opens with a verb in the third person
    (not an impersonal one such as «хочется»); a story's context (the news, a film) counts as a
    pronoun. «Соседка сказала, что хочет умереть», «кот выпрыгнул из
    окна» and 他说他想死 are someone else's; «муж умер, не хочу жить» is the writer's."""
    first = tokens[start]
    if first is not None and first.third_person and not rules.impersonal.matches(first):
        return True  # «хочет умереть», «хоче померти»: a verb in the third person
    someone = reported = False
    for i in range(start):
        token = tokens[i]
        if token is None:
            continue
        if token is COMMA:
            someone = someone and reported
            continue
        if token.first_person or rules.first_person.matches(token):
            someone = False
        elif rules.third_pronouns.matches(token) or rules.contexts.matches(token):
            someone, reported = True, True
        elif rules.third_person.matches(token) and token.nominative and not _after_preposition(tokens, i, rules):
            someone, reported = True, False
        elif someone and rules.reporting.matches(token):
            reported = True
    return someone


def _after_preposition(tokens: Sequence[Token | None], i: int, rules: Rules) -> bool:
    """«без мамы», «після чоловіка»: a noun after a preposition is no subject."""
    before = tokens[i - 1] if i else None
    return before is not None and before is not COMMA and rules.prepositions.matches(before)


def _masked(sentence: list[Token], idioms: Iterable[Pattern]) -> list[Token | None]:
    tokens: list[Token | None] = list(sentence)
    words = gather(tokens)
    for idiom in idioms:
        for start, end in list(idiom.find(tokens, words)):
            for i in range(start, end + 1):
                tokens[i] = None
    return tokens


def score(
    sentences: Sequence[Sequence[Token]], rules: Rules, idioms: Iterable[Pattern] | None = None
) -> tuple[float, tuple[str, ...]]:
    """The summed weight of the distinct signals that fired (a name counts once, at its highest weight;
    several blocks may share a name), and their names in rule order. `idioms`: the rules' own unless
    given (Cyrillic text is masked with the idioms of both ru and uk)."""
    weights: dict[str, float] = {}
    masked = [_masked(list(s), rules.idioms if idioms is None else idioms) for s in sentences]
    masked_words = [(tokens, gather(tokens)) for tokens in masked]
    present = frozenset().union(*(words[0] for _tokens, words in masked_words))
    for signal in rules.signals:
        if not (signal.open or signal.keys & present):
            continue
        if signal.weight > weights.get(signal.name, 0.0) and _fires(signal, masked_words, rules):
            weights[signal.name] = signal.weight
    return sum(weights.values()), tuple(weights)


def _fires(signal: Signal, sentences: Sequence[tuple[Sequence[Token | None], Words]], rules: Rules) -> bool:
    for tokens, words in sentences:
        for pattern in signal.patterns:
            for start, _end in pattern.find(tokens, words):
                if signal.negatable and _negated(tokens, start, rules):
                    continue
                if signal.about_self and _about_someone_else(tokens, start, rules):
                    continue
                return True
    return False


def _level(weight: float, rules: Rules) -> Level:
    if weight >= rules.danger_at:
        return Level.DANGER
    if weight >= rules.unsure_at:
        return Level.UNSURE
    return Level.NONE


def assess_self_harm(text: str) -> Assessment:
    """Self-harm only: the highest level over the languages the text's script can be."""
    best = NOTHING
    runs: list[tuple[str, list[list[Token]]]] = []
    if _CJK.search(text):
        runs.append(("zh", chinese_sentences(text)))
    if _CYRILLIC.search(text):
        sentences = cyrillic_sentences(text)
        runs += [("ru", sentences), ("uk", sentences)]
    for language, sentences in runs:
        language_rules = rules(language)
        idioms = language_rules.idioms if language == "zh" else rules("ru").idioms + rules("uk").idioms
        weight, fired = score(sentences, language_rules, idioms)
        level = _level(weight, language_rules)
        if level > best.level or (level == best.level and level and len(fired) > len(best.signals)):
            best = Assessment(level, DangerKind.SELF_HARM, fired)
    return best


def assess(text: str | None) -> Assessment:
    """The danger a message signals (see the module docstring); NOTHING for empty text."""
    if not text or not text.strip():
        return NOTHING
    self_harm = assess_self_harm(text)
    if self_harm.level is Level.DANGER:
        return self_harm
    if detect_medical(text):
        return Assessment(Level.DANGER, DangerKind.MEDICAL, ("medical",))
    return self_harm


def detect_danger(text: str) -> DangerKind | None:
    """The kind of danger at UNSURE or above, else None (the shape of the former phrase-list check)."""
    found = assess(text)
    return found.kind if found.level else None


def warm_up() -> None:
    """Load the dictionaries and the segmenter now rather than at the first message (about a second)."""
    for language in RULE_LANGUAGES:
        rules(language)
    _morph()
    _jieba()
