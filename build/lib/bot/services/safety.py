"""Detect messages saying the writer is in danger: self-harm intent or an acute medical emergency.

Languages: Chinese (Simplified, and common Traditional forms mapped to Simplified), Russian and
Ukrainian. Matching is by regular expressions over a normalised copy of the text (lower case,
ё→е, one apostrophe, collapsed spaces, no spaces between Chinese characters).

Precision/recall trade-off: recall wins. A false alarm only shows the resident emergency numbers and
flags the request for a worker; a miss can cost a life. So the rules use broad stems ("инсульт",
"задыха-", "昏迷") and accept figurative uses ("сердце болит", "活不下去了" about money) as hits.
Only well-known false friends are excluded: negated wishes ("не хочу умирать", "不想死"),
the idiom "想死你了" (miss you to death), "中风险" (a COVID "medium-risk" area, not a stroke) and
"不想活动" (not wanting to move about). Still missed: spelling mistakes, transliteration, irony, and
phrasings not listed here. Self-harm wins over medical when both match.
"""

from __future__ import annotations

import re
from enum import StrEnum


class DangerKind(StrEnum):
    """The kind of danger a message signals."""

    SELF_HARM = "self_harm"
    MEDICAL = "medical"


_TRADITIONAL = str.maketrans(
    "殺結東沒過氣難暈風腦臟藥絕輕樓離開這個們無義著還給讓厭覺塊頭痛瘋紮尋見樂趣語話說喚醒腫",
    "杀结东没过气难晕风脑脏药绝轻楼离开这个们无义着还给让厌觉块头痛疯扎寻见乐趣语话说唤醒肿",
)
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "‘": "'", "′": "'", "ё": "е", "i": "і"})
_SPACES_RE = re.compile(r"\s+")
_CJK_GAP_RE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")

_NOT_NEGATED = r"(?<!\bне )(?<!\bни )"
_WANT_RU = r"(?:хочу|хочется|хотела?|хотелось\s+бы|хочу\s+уже|очень\s+хочу)"
_WANT_UK = r"(?:хочу|хочеться|хотіла?|хотілося\s+б|дуже\s+хочу)"

_SELF_HARM_PATTERNS: tuple[str, ...] = (
    # zh
    r"不(?:想|愿意?|再想)再?活(?!动|跃|泼|儿|计|血|期|性|鱼|鸡|鸭|虾|蟹|禽|口|物|体)",
    r"活不下去",
    r"(?<![不你您他她它家])(?<!想.)(?<!想..)(?<!想...)想(?:去)?死(?![你您他她它我咱])",
    r"自杀|轻生|寻死|寻短见|自残|自尽|厌世|生无可恋|一了百了|了此残生",
    r"活着(?:真|也|都|还|实在)?(?:没|没有|有什么|还有什么|有啥|没啥)(?:意思|意义|劲|用|盼头|希望)",
    r"(?:结束|了结|结果)(?:掉)?(?:自己|我)?的?(?:生命|性命|自己)",
    r"死了(?:算了|好了|就好了|干净|一了百了)|不如死了|还不如死|活够了",
    r"伤害自己|割腕|跳楼(?!价|大?甩卖)|上吊|吃安眠药|吞安眠药|喝农药|离开这个世界",
    # ru
    _NOT_NEGATED
    + _WANT_RU
    + r"\s+(?:бы\s+)?(?:умереть|помереть|сдохнуть|не\s+жить|уйти\s+из\s+жизни)",
    r"\bне\s+(?:хочу|хочется|хочу\s+больше|хочется\s+больше)\s+жить"
    r"|\bжить\s+(?:больше\s+)?не\s+(?:хочу|хочется)",
    r"\b(?:незачем|нет\s+смысла|не\s+для\s+чего|надоело|устала?)\s+жить",
    r"\bпоконч\w*\s+(?:с\s+собой|с\s+жизнью)",
    r"\bсуицид|\bсамоубийств|\bсамоповрежд",
    r"\bуб(?:ить|ью|ьет|ила?|ил)\s+себя",
    r"\bналож\w*\s+на\s+себя\s+руки",
    r"\bсв(?:ести|еду|ела?|ел)\s+сч[её]ты\s+с\s+жизнью",
    r"\bповеш(?:усь|аться|аюсь)|\bповеситься|\bвскр(?:ыть|ою|ыла?)\s+(?:себе\s+)?вены",
    r"\bлучше\s+(?:бы\s+)?(?:я\s+)?(?:умерла?|умереть|сдохнуть)",
    # uk
    _NOT_NEGATED + _WANT_UK + r"\s+(?:б\s+)?(?:померти|вмерти|умерти|здохнути|не\s+жити)",
    r"\bне\s+(?:хочу|хочеться|хочу\s+більше|хочеться\s+більше)\s+жити"
    r"|\bжити\s+(?:більше\s+)?не\s+(?:хочу|хочеться)",
    r"\b(?:нема\s+сенсу|немає\s+сенсу|набридло|втомила?ся)\s+жити",
    r"\bпокінч\w*\s+(?:з|із)\s+(?:собою|життям)",
    r"\bсуїцид|\bсамогубств|\bсамоушкодж",
    r"\bвб(?:ити|'?ю|'?є|ила?|ив)\s+себе",
    r"\bнаклас(?:ти|ла?)\s+на\s+себе\s+руки|\bнакладу\s+на\s+себе\s+руки",
    r"\bповіс(?:итися|итись|илася|ився)|\bповішу(?:ся|сь)",
    r"\bкраще\s+(?:б\s+)?(?:я\s+)?(?:померла?|померти|вмерти)",
)

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

_SELF_HARM_RE = re.compile("|".join(f"(?:{p})" for p in _SELF_HARM_PATTERNS))
_MEDICAL_RE = re.compile("|".join(f"(?:{p})" for p in _MEDICAL_PATTERNS))


def normalize_for_matching(text: str) -> str:
    """Return a lower-case, simplified, space-normalised copy of text for the danger rules."""
    lowered = text.lower().translate(_TRADITIONAL).translate(_APOSTROPHES)
    return _CJK_GAP_RE.sub("", _SPACES_RE.sub(" ", lowered)).strip()


def detect_danger(text: str) -> DangerKind | None:
    """Return the kind of danger the text signals, self-harm first, or None."""
    if not text:
        return None
    normalized = normalize_for_matching(text)
    if _SELF_HARM_RE.search(normalized):
        return DangerKind.SELF_HARM
    if _MEDICAL_RE.search(normalized):
        return DangerKind.MEDICAL
    return None
