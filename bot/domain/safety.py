"""Acute medical emergencies in a message (breathing, chest pain, stroke, fainting, bleeding, a fall,
an overdose, "call an ambulance"), and the kinds of danger.

Languages: Chinese (Simplified, and common Traditional forms mapped to Simplified), Russian and
Ukrainian. Matching is by regular expressions over a normalised copy of the text (lower case,
ё→е, one apostrophe, collapsed spaces, no spaces between Chinese characters). Recall wins: broad stems
("инсульт", "задыха-", "昏迷"); "中风险" (a COVID "medium-risk" area) is excluded. Self-harm is not
decided here but by the rules of bot/domain/danger.py, which also calls this.
"""

from __future__ import annotations

import re
from enum import StrEnum


class DangerKind(StrEnum):
    """The kind of danger a message signals."""

    SELF_HARM = "self_harm"
    MEDICAL = "medical"


_TRADITIONAL = str.maketrans(
    "殺結東沒過氣難暈風腦臟藥絕輕樓離開這個們無義著還給讓厭覺塊頭痛瘋紮尋見樂趣語話說喚醒腫來麼會為種點裡後體錢歡嗎聽實帶對煩負擔該應萬斷繩窗臺陽場邊兒當決時晚夠罪膩",
    "杀结东没过气难晕风脑脏药绝轻楼离开这个们无义着还给让厌觉块头痛疯扎寻见乐趣语话说唤醒肿来么会为种点里后体钱欢吗听实带对烦负担该应万断绳窗台阳场边儿当决时晚够罪腻",
)
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'", "′": "'", "ё": "е", "i": "і"})
_SPACES_RE = re.compile(r"\s+")
_CJK_GAP_RE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")

_MEDICAL_PATTERNS: tuple[str, ...] = (
    # zh
    r"喘不(?:上|过|动)气?|透不过气|上不来气|喘不上来",
    r"呼吸困难|(?:没法|不能|无法|没办法)呼吸|不能喘气",
    r"胸(?:口|部)?(?:很|好|特别|非常)?(?:疼|痛|闷得)|心口(?:很)?(?:疼|痛)|心绞痛|心脏(?:很)?(?:疼|痛)",
    r"[晕昏](?:倒|过去|厥)|不省人事|昏迷|失去(?:了)?(?:知觉|意识)|意识不清|叫不醒",
    r"中风(?!险)|脑梗|脑溢血|脑出血|心梗|心肌梗|心脏病(?:发|犯)|心脏骤停",
    r"大出血|血流不止|止不住血|血止不住|吐血|咯血",
    r"抽搐|口眼歪斜|半边身(?:子|体)?(?:麻|动不了|没知觉|不能动)",
    r"[摔跌]倒.{0,6}起不来|药吃多了|吃错药|吃了很多药|中毒",
    r"救命|叫救护车|打120|快不行了",
    # ru
    r"\bне\s+мо(?:гу|жет|жем|гут)\s+(?:дышать|вздохнуть|продохнуть)",
    r"\b(?:трудно|тяжело|больно)\s+дышать|\bзадыха\w*|\bнечем\s+дышать"
    r"|\bне\s+хватает\s+воздуха|\bне\s+дышит",
    r"\bбол\w*\s+в\s+груди|\bболит\s+(?:сердце|грудь)|\bсердце\s+болит|\bдавит\s+(?:в\s+)?груд\w*",
    r"\bинсульт|\bинфаркт|\bсердечн\w*\s+приступ",
    r"\b(?:потерял\w*|теря\w*)\s+сознани|\bбез\s+сознания|\bобморок",
    r"\bкровотечени|\bкровь\s+не\s+останавлива|\bистека\w*\s+кровью",
    r"\bупал\w*.{0,30}не\s+мо\w+\s+(?:встать|подняться)|\bне\s+мо(?:гу|жет)\s+встать",
    r"\bсудорог|\bпарализ|\bотнял\w*\s+(?:рука|нога|речь)|\bперекосил\w*\s+лиц",
    r"\bпередозировк|\bотравил\w*|\bотравлени",
    r"\bвызов\w*\s+скорую|\bвызв\w*\s+скорую|\bскорую\s+помощь",
    # uk
    r"\bне\s+мо(?:жу|же|жемо)\s+(?:дихати|вдихнути)",
    r"\b(?:важко|тяжко|боляче)\s+дихати|\bзадиха\w*|\bнічим\s+дихати"
    r"|\bне\s+вистачає\s+повітря|\bне\s+дихає",
    r"\bбіл\w*\s+(?:у|в)\s+грудях|\bболить\s+(?:серце|груди)|\bсерце\s+болить"
    r"|\bтисне\s+(?:у|в)\s+грудях",
    r"\bінсульт|\bінфаркт|\bсерцев\w*\s+напад",
    r"\bзнепритомн\w*|\bнепритомн\w*|\bвтрати\w*\s+свідомість|\bбез\s+свідомості|\bзомлі\w*",
    r"\bкровотеч|\bкров\s+не\s+зупиня|\bне\s+зупиняється\s+кров|\bстіка\w*\s+кров'?ю",
    r"\bвпал\w*.{0,30}не\s+мо\w+\s+(?:встати|підвестися)|\bне\s+мо(?:жу|же)\s+встати",
    r"\bсудом[аиу]|\bпаралі|\bвідня\w*\s+(?:рука|нога|руку|ногу|мова|мову)|\bперекосил\w*\s+облич",
    r"\bпередозуван|\bотру(?:їв|їла|єння|тися)",
    r"\bвиклич\w*\s+швидку|\bшвидку\s+допомогу",
)

_MEDICAL_RE = re.compile("|".join(f"(?:{p})" for p in _MEDICAL_PATTERNS))


def to_simplified(text: str) -> str:
    """Common Traditional characters of the danger rules mapped to Simplified."""
    return text.translate(_TRADITIONAL)


def normalize_for_matching(text: str) -> str:
    """Return a lower-case, simplified, space-normalised copy of text for the medical rules."""
    lowered = text.lower().translate(_TRADITIONAL).translate(_APOSTROPHES)
    return _CJK_GAP_RE.sub("", _SPACES_RE.sub(" ", lowered)).strip()


#: Words that make a symptom a recurring one, told as the reason for a medicine («иногда болит сердце»,
#: «哮喘喷雾，晚上喘不上气»), not an emergency now; they count only in the symptom's own clause.
_HABITUAL_RE = re.compile(
    r"有时|偶尔|经常|常常|老是|总是|平时|晚上|夜里|每天|一到"
    r"|\b(?:иногда|бывает|часто|периодически|временами|ночами|обычно|по\s+ночам|по\s+утрам"
    r"|время\s+от\s+времени|іноді|буває|часом|періодично|вночі|зазвичай|час\s+від\s+часу)\b"
)
_CLAUSE_END_RE = re.compile(r"[.!?。！？;；,，、\n]")
#: «Now» overrides a recurrence word in the same clause: «обычно терплю, а сейчас задыхаюсь».
_NOW_RE = re.compile(r"现在|此刻|刚才|\b(?:сейчас|прямо|только\s+что|зараз|щойно)\b")


def _habitual(normalized: str, start: int, end: int) -> bool:
    """Whether the symptom at [start, end) has a recurrence word in its own clause."""
    before = _CLAUSE_END_RE.split(normalized[:start])[-1]
    after = _CLAUSE_END_RE.split(normalized[end:])[0]
    clause = before + normalized[start:end] + after
    return bool(_HABITUAL_RE.search(clause)) and not _NOW_RE.search(clause)


def detect_medical(text: str) -> bool:
    """Whether the text describes an acute medical emergency: a symptom phrase that is not told as a
    recurring one («иногда», «буває», «晚上») in its own clause."""
    if not text:
        return False
    normalized = normalize_for_matching(text)
    return any(not _habitual(normalized, m.start(), m.end()) for m in _MEDICAL_RE.finditer(normalized))
