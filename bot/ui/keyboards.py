"""Keyboards and callback data. Callback data carries short ids and actions, never personal data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from functools import cache
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils import keyboard
from aiogram.utils.i18n import gettext as _
from babel import Locale, UnknownLocaleError

from bot.core.languages import LOCALES
from bot.domain.answers import YesNo
from bot.ui.i18n import N_, ngettext

MENU_SUPPLIES = N_("🛒 Food and supplies")
MENU_MEDICINE = N_("💊 Medicine")
MENU_PSYCH = N_("💬 Someone to talk to")
MENU_MY = N_("📋 My requests")
MENU_PROFILE = N_("👤 My details")
MENU_HELP = N_("ℹ️ Help")
BACK = N_("◀️ Back")
CANCEL = N_("✖️ Cancel")
SKIP = N_("Skip ▶️")
SHARE_PHONE = N_("📱 Share my phone number")


class InlineKeyboardBuilder(keyboard.InlineKeyboardBuilder):
    """aiogram's builder without its deep copies: `add` deep-copied every button added so far (pydantic
    models) for each new one, an eighth of an update's middleware time under load. The builder is thrown
    away once the markup is made, so sharing the button objects with the markup is safe."""

    def export(self) -> list[list[Any]]:
        """The rows, copied; the buttons, shared."""
        return [list(row) for row in self._markup]


class ReplyKeyboardBuilder(keyboard.ReplyKeyboardBuilder):
    """See InlineKeyboardBuilder."""

    export = InlineKeyboardBuilder.export


@cache
def language_name(code: str) -> str:
    """A language named in itself, as CLDR (Babel) writes it, capitalised for a button: 中文, Русский."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError):  # a code CLDR does not know: the code itself
        name = code
    return name[:1].upper() + name[1:]


class LanguageNames(Mapping[str, str]):
    """The bot's languages (bot.core.languages.LOCALES, read when used), each named in itself: the
    picker's labels need no text of their own, so a new language brings its label with it."""

    def __getitem__(self, code: str) -> str:
        if code not in LOCALES:
            raise KeyError(code)
        return language_name(code)

    def __iter__(self) -> Iterator[str]:
        return iter(LOCALES)

    def __len__(self) -> int:
        return len(LOCALES)


LANGUAGE_NAMES = LanguageNames()


class LangCb(CallbackData, prefix="lg"):
    """A language chosen from the picker."""

    code: str


class StepCb(CallbackData, prefix="st"):
    """The one callback class of every question before #13: only read now (a press on a message sent
    before the upgrade, bot/ui/wizard/engine.legacy_press), never sent."""

    step: str
    value: str


class ConsentCb(CallbackData, prefix="rcs"):
    """The privacy notice: agree or not."""

    v: YesNo


class Whose(StrEnum):
    """Whose number a shared contact card is."""

    OWN = "own"
    RELATIVE = "relative"


class WhoseCb(CallbackData, prefix="rwh"):
    """Someone else's contact card at the phone question: the resident's own number or a relative's."""

    v: Whose


class RelativeCb(CallbackData, prefix="rrc"):
    """Save a contact card sent at another moment as the relative's contact, or not."""

    v: YesNo


class DeleteCb(CallbackData, prefix="rdl"):
    """/delete: erase the resident's data, or keep it."""

    v: YesNo


class DistrictCb(CallbackData, prefix="rdi"):
    """A district, by its configured code (configuration, so no Enum), or Back ("_back")."""

    v: str


class FlagCb(CallbackData, prefix="rfl"):
    """A configured vulnerability flag toggled (its code), "done", or Back ("_back")."""

    v: str


class ConfirmCb(CallbackData, prefix="cf"):
    """Confirm a request draft; the draft key makes a double tap create one request."""

    draft: str


class MyAction(StrEnum):
    """What a resident does with one of their requests."""

    CANCEL = "c"
    CANCEL_YES = "y"
    CANCEL_NO = "n"


class MyReqCb(CallbackData, prefix="mr"):
    """An action on the resident's own request."""

    action: MyAction
    id: int


class ProfileCb(CallbackData, prefix="pf"):
    """Change one registration detail."""

    field: str


def main_menu() -> ReplyKeyboardMarkup:
    """The resident's main menu: big buttons, two per row."""
    kb = ReplyKeyboardBuilder()
    for label in (MENU_SUPPLIES, MENU_MEDICINE, MENU_PSYCH, MENU_MY, MENU_PROFILE, MENU_HELP):
        kb.button(text=_(label))
    kb.adjust(2, 1, 2, 1)
    return kb.as_markup(resize_keyboard=True, is_persistent=True)


def step_keyboard(*extra: str, back: bool = True, contact: bool = False) -> ReplyKeyboardMarkup:
    """Reply keyboard for a typed step: optional extra buttons, then Back and Cancel."""
    rows: list[list[KeyboardButton]] = []
    if contact:
        rows.append([KeyboardButton(text=_(SHARE_PHONE), request_contact=True)])
    rows.extend([KeyboardButton(text=text)] for text in extra)
    nav = [KeyboardButton(text=_(BACK))] if back else []
    rows.append([*nav, KeyboardButton(text=_(CANCEL))])
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True)


def languages() -> InlineKeyboardMarkup:
    """Language picker, each language named in itself."""
    kb = InlineKeyboardBuilder()
    for code, name in LANGUAGE_NAMES.items():
        kb.button(text=name, callback_data=LangCb(code=code))
    kb.adjust(1)
    return kb.as_markup()


def choices(
    cb: type[CallbackData], options: Iterable[tuple[str, str]], columns: int = 1, back: bool = True
) -> InlineKeyboardMarkup:
    """Inline answers to a question outside the wizard engine as (value, label) pairs, each press carrying
    the question's own callback class `cb` (one field, v), plus Back (v="_back")."""
    kb = InlineKeyboardBuilder()
    count = 0
    for value, label in options:
        kb.button(text=label, callback_data=cb(v=value))
        count += 1
    if back:
        kb.button(text=_(BACK), callback_data=cb(v="_back"))
    sizes = [columns] * ((count + columns - 1) // columns) + ([1] if back else [])
    kb.adjust(*sizes)
    return kb.as_markup()


def my_request_actions(request_ids: Iterable[int]) -> InlineKeyboardMarkup | None:
    """A cancel button for each open request."""
    kb = InlineKeyboardBuilder()
    for request_id in request_ids:
        kb.button(
            text=_("Cancel request №{number}").format(number=request_id),
            callback_data=MyReqCb(action=MyAction.CANCEL, id=request_id),
        )
    kb.adjust(1)
    return kb.as_markup() if kb.buttons else None


def cancel_confirm(request_id: int) -> InlineKeyboardMarkup:
    """Are you sure you want to cancel?"""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Yes, cancel it"), callback_data=MyReqCb(action=MyAction.CANCEL_YES, id=request_id))
    kb.button(text=_("No, keep it"), callback_data=MyReqCb(action=MyAction.CANCEL_NO, id=request_id))
    kb.adjust(2)
    return kb.as_markup()


PROFILE_FIELDS = {
    "name": N_("Name"),
    "phone": N_("Phone"),
    "address": N_("Address"),
    "district": N_("District"),
    "flags": N_("My situation"),
    "language": N_("Language"),
}


def profile() -> InlineKeyboardMarkup:
    """One button per detail that can be changed, and «My medicines»."""
    kb = InlineKeyboardBuilder()
    for field, label in PROFILE_FIELDS.items():
        kb.button(text=_("Change: {field}").format(field=_(label)), callback_data=ProfileCb(field=field))
    kb.button(text=_("💊 My medicines"), callback_data=MedCb(a=MedAction.LIST, m=0))
    kb.adjust(2)
    return kb.as_markup()


class StaffAction(StrEnum):
    """What a staff button does (one letter keeps callback data short)."""

    CLAIM = "c"
    ON_THE_WAY = "w"
    DONE = "d"
    FAIL = "f"
    FAIL_REASON = "r"
    RELEASE = "l"
    TRANSFER = "t"
    TRANSFER_TO = "x"
    REFER = "y"  # the referral's reason, chosen after the district: v = "<reason>.<district code>"
    REACHED = "a"  # check-in escalation: reached, all fine
    VISIT = "v"  # check-in escalation: a visit is needed
    HANDOVER = "h"  # hand the delivery to volunteers (supplies and medicine)
    FOLLOW_UP = "u"  # a done «someone to talk to» request: ask again in v days ("1", "3", "7"; "0": no)


class StaffCb(CallbackData, prefix="sf"):
    """A staff action on a request; 'v' carries a reason or a district code."""

    a: StaffAction
    r: int
    v: str = ""


class FeedbackAction(StrEnum):
    """A resident's answer when a request is done."""

    RECEIVED = "y"
    NOT_RECEIVED = "n"
    RATE = "s"


class FeedbackCb(CallbackData, prefix="fb"):
    """Received / not received / stars, from the resident."""

    a: FeedbackAction
    r: int
    v: int = 0


def wellbeing_card(request_id: int, status: str) -> InlineKeyboardMarkup | None:
    """A check-in escalation: claim, or settle it at once with what the worker found."""
    kb = InlineKeyboardBuilder()
    if status == "new":
        kb.button(text=_("✋ Claim №{number}").format(number=request_id), callback_data=StaffCb(a=StaffAction.CLAIM, r=request_id))
    if status in ("new", "claimed"):
        kb.button(text=_("✅ Reached, all fine"), callback_data=StaffCb(a=StaffAction.REACHED, r=request_id))
        kb.button(text=_("🚶 Visit needed"), callback_data=StaffCb(a=StaffAction.VISIT, r=request_id))
    if status == "on_the_way":
        kb.button(text=_("✅ Visited, done"), callback_data=StaffCb(a=StaffAction.DONE, r=request_id))
    if status in ("claimed", "on_the_way"):
        kb.button(text=_("↩️ Release"), callback_data=StaffCb(a=StaffAction.RELEASE, r=request_id))
        kb.button(text=_("➡️ Transfer"), callback_data=StaffCb(a=StaffAction.TRANSFER, r=request_id))
    kb.adjust(1)
    return kb.as_markup() if kb.buttons else None


#: The follow-up choices on a done «someone to talk to» card: days -> label.
FOLLOW_UP_CHOICES = {
    1: N_("🔔 Tomorrow"),
    3: N_("🔔 In 3 days"),
    7: N_("🔔 In a week"),
    0: N_("No follow-up"),
}


def staff_card(
    request_id: int, status: str, kind: str = "supplies", handover: bool = False, follow_up: bool = False,
) -> InlineKeyboardMarkup | None:
    """Claim while new; the claimer's actions while in progress (with «hand to volunteers» when
    `handover`); nothing when closed, except the follow-up choices of a done «someone to talk to»
    request still without one (`follow_up`)."""
    if kind == "wellbeing":
        return wellbeing_card(request_id, status)
    kb = InlineKeyboardBuilder()
    if follow_up:
        for days, label in FOLLOW_UP_CHOICES.items():
            kb.button(text=_(label), callback_data=StaffCb(a=StaffAction.FOLLOW_UP, r=request_id, v=str(days)))
        kb.adjust(3, 1)
        return kb.as_markup()
    if status == "new":
        kb.button(text=_("✋ Claim №{number}").format(number=request_id), callback_data=StaffCb(a=StaffAction.CLAIM, r=request_id))
    elif status in ("claimed", "on_the_way"):
        if status == "claimed":
            kb.button(text=_("🚚 On the way"), callback_data=StaffCb(a=StaffAction.ON_THE_WAY, r=request_id))
        kb.button(text=_("✅ Done"), callback_data=StaffCb(a=StaffAction.DONE, r=request_id))
        kb.button(text=_("❌ Can't fulfil"), callback_data=StaffCb(a=StaffAction.FAIL, r=request_id))
        kb.button(text=_("↩️ Release"), callback_data=StaffCb(a=StaffAction.RELEASE, r=request_id))
        kb.button(text=_("➡️ Transfer"), callback_data=StaffCb(a=StaffAction.TRANSFER, r=request_id))
        if handover:
            kb.button(text=_("🙋 Hand to volunteers"), callback_data=StaffCb(a=StaffAction.HANDOVER, r=request_id))
        rows = [2, 2, 1] if status == "claimed" else [2, 2]
        kb.adjust(*rows, 1)
    else:
        return None
    return kb.as_markup()


def fail_reasons(request_id: int, reasons: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Why a request cannot be fulfilled."""
    kb = InlineKeyboardBuilder()
    for code, label in reasons:
        kb.button(text=label, callback_data=StaffCb(a=StaffAction.FAIL_REASON, r=request_id, v=code))
    kb.adjust(1)
    return kb.as_markup()


def transfer_targets(request_id: int, districts: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Which district's station takes the request over."""
    kb = InlineKeyboardBuilder()
    for code, title in districts:
        kb.button(text=title, callback_data=StaffCb(a=StaffAction.TRANSFER_TO, r=request_id, v=code))
    kb.adjust(2)
    return kb.as_markup()


def referral_reasons(request_id: int, code: str, reasons: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Why the request goes to the district `code`'s station (one button per reason)."""
    kb = InlineKeyboardBuilder()
    for reason, label in reasons:
        kb.button(text=label, callback_data=StaffCb(a=StaffAction.REFER, r=request_id, v=f"{reason}.{code}"))
    kb.adjust(1)
    return kb.as_markup()


def feedback(request_id: int) -> InlineKeyboardMarkup:
    """Received or not, and 1-5 stars."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("👍 Received"), callback_data=FeedbackCb(a=FeedbackAction.RECEIVED, r=request_id))
    kb.button(text=_("👎 Not received"), callback_data=FeedbackCb(a=FeedbackAction.NOT_RECEIVED, r=request_id))
    for stars in range(1, 6):
        kb.button(text=f"{stars}⭐", callback_data=FeedbackCb(a=FeedbackAction.RATE, r=request_id, v=stars))
    kb.adjust(2, 5)
    return kb.as_markup()


class OpenPageCb(CallbackData, prefix="op"):
    """A page of the /open list (0-based)."""

    p: int


def open_pages(page: int, pages: int) -> InlineKeyboardMarkup | None:
    """Previous / next page of the /open list, where there is one."""
    kb = InlineKeyboardBuilder()
    if page > 0:
        kb.button(text=_("◀️ Previous"), callback_data=OpenPageCb(p=page - 1))
    if page + 1 < pages:
        kb.button(text=_("Next ▶️"), callback_data=OpenPageCb(p=page + 1))
    kb.adjust(2)
    return kb.as_markup() if kb.buttons else None


def digest(claimable: Iterable[int]) -> InlineKeyboardMarkup | None:
    """One Claim button per request of a digest that is still new."""
    kb = InlineKeyboardBuilder()
    for request_id in claimable:
        kb.button(text=_("✋ Claim №{number}").format(number=request_id), callback_data=StaffCb(a=StaffAction.CLAIM, r=request_id))
    kb.adjust(2)
    return kb.as_markup() if kb.buttons else None


class CheckinAction(StrEnum):
    """A resident's answer to a check-in, and the follow-up choices."""

    FINE = "f"
    NOT_WELL = "n"
    HELP = "h"
    WHAT = "w"  # what is wrong: v = supplies, medicine, talk, health


class CheckinCb(CallbackData, prefix="ci"):
    """An answer to check-in c."""

    a: CheckinAction
    c: int
    v: str = ""


def checkin(checkin_id: int) -> InlineKeyboardMarkup:
    """Three large buttons, one a row."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("😊 I'm fine"), callback_data=CheckinCb(a=CheckinAction.FINE, c=checkin_id))
    kb.button(text=_("😐 Not so well"), callback_data=CheckinCb(a=CheckinAction.NOT_WELL, c=checkin_id))
    kb.button(text=_("🆘 I need help"), callback_data=CheckinCb(a=CheckinAction.HELP, c=checkin_id))
    kb.adjust(1)
    return kb.as_markup()


class FollowUpCb(CallbackData, prefix="fu"):
    """An answer to follow-up f (a: fine, not so well, I need help)."""

    a: CheckinAction
    f: int


class MedAction(StrEnum):
    """What a medicine button does."""

    ORDER = "o"  # the reminder's «order it»
    NOT_NOW = "n"  # the reminder's «not now»
    LIST = "l"  # «My medicines» (m = 0)
    ADD = "a"  # record one (m = 0)
    KEEP = "k"  # the new medicine is «do not interrupt» (m = 1) or not (m = 0)
    STOP = "s"  # no longer taken


class MedCb(CallbackData, prefix="md"):
    """A press about medicine m."""

    a: MedAction
    m: int


def medicine_reminder(medicine_id: int) -> InlineKeyboardMarkup:
    """Order it (one tap), or not now."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🛒 Order it"), callback_data=MedCb(a=MedAction.ORDER, m=medicine_id))
    kb.button(text=_("Not now"), callback_data=MedCb(a=MedAction.NOT_NOW, m=medicine_id))
    kb.adjust(1)
    return kb.as_markup()


def my_medicines(medicines: Iterable[tuple[int, str]]) -> InlineKeyboardMarkup:
    """Add one; stop one that is no longer taken."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("➕ Record a medicine"), callback_data=MedCb(a=MedAction.ADD, m=0))
    for medicine_id, name in medicines:
        kb.button(text=_("🗑 No longer: {name}").format(name=name[:40]), callback_data=MedCb(a=MedAction.STOP, m=medicine_id))
    kb.adjust(1)
    return kb.as_markup()


def do_not_interrupt() -> InlineKeyboardMarkup:
    """Yes (psychiatric treatment, do not interrupt) or no."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🧠 Yes, do not interrupt"), callback_data=MedCb(a=MedAction.KEEP, m=1))
    kb.button(text=_("No"), callback_data=MedCb(a=MedAction.KEEP, m=0))
    kb.adjust(1)
    return kb.as_markup()


def follow_up_question(followup_id: int) -> InlineKeyboardMarkup:
    """The check-in's three large buttons, answering a follow-up."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("😊 I'm fine"), callback_data=FollowUpCb(a=CheckinAction.FINE, f=followup_id))
    kb.button(text=_("😐 Not so well"), callback_data=FollowUpCb(a=CheckinAction.NOT_WELL, f=followup_id))
    kb.button(text=_("🆘 I need help"), callback_data=FollowUpCb(a=CheckinAction.HELP, f=followup_id))
    kb.adjust(1)
    return kb.as_markup()


WHAT_IS_WRONG = {
    "supplies": N_("🛒 I need food or supplies"),
    "medicine": N_("💊 I need medicine"),
    "talk": N_("💬 I would like to talk to someone"),
    "health": N_("🩺 I feel ill"),
}


def what_is_wrong(checkin_id: int) -> InlineKeyboardMarkup:
    """What is wrong? One button a row."""
    kb = InlineKeyboardBuilder()
    for value, label in WHAT_IS_WRONG.items():
        kb.button(text=_(label), callback_data=CheckinCb(a=CheckinAction.WHAT, c=checkin_id, v=value))
    kb.adjust(1)
    return kb.as_markup()


class PlanAction(StrEnum):
    """Changes to one's check-in plan."""

    START = "s"
    TIMES = "t"
    TOGGLE = "g"
    PAUSE = "p"
    PAUSE_DAYS = "d"
    RESUME = "r"
    STOP = "x"
    QUIET = "q"
    QUIET_SET = "k"
    DECLINE = "n"


class PlanCb(CallbackData, prefix="cp"):
    """A plan change; v carries a time, a number of days or a quiet window (times without ':', the separator)."""

    a: PlanAction
    v: str = ""

    @property
    def value(self) -> str:
        """v with its times as HH:MM again ('0800' -> '08:00', '2200-0700' -> '22:00-07:00')."""
        return "-".join(f"{p[:2]}:{p[2:]}" if len(p) == 4 and p.isdigit() else p for p in self.v.split("-"))


PRESET_TIMES = ("08:00", "09:00", "10:00", "12:00", "15:00", "18:00", "20:00")
PAUSE_DAYS = (3, 7, 14, 30)
QUIET_PRESETS = ("22:00-07:00", "21:00-08:00", "20:00-09:00", "00:00-00:00")


def plan_menu(active: bool, paused: bool) -> InlineKeyboardMarkup:
    """What can be changed in the plan."""
    kb = InlineKeyboardBuilder()
    if not active:
        kb.button(text=_("✅ Start daily check-ins"), callback_data=PlanCb(a=PlanAction.START))
    else:
        kb.button(text=_("🕘 Change times"), callback_data=PlanCb(a=PlanAction.TIMES))
        kb.button(text=_("🌙 Quiet hours"), callback_data=PlanCb(a=PlanAction.QUIET))
        if paused:
            kb.button(text=_("▶️ Resume"), callback_data=PlanCb(a=PlanAction.RESUME))
        else:
            kb.button(text=_("⏸ Pause"), callback_data=PlanCb(a=PlanAction.PAUSE))
        kb.button(text=_("🔕 Stop check-ins"), callback_data=PlanCb(a=PlanAction.STOP))
    kb.adjust(1)
    return kb.as_markup()


def plan_times(chosen: Iterable[str]) -> InlineKeyboardMarkup:
    """Toggle preset times."""
    chosen = set(chosen)
    kb = InlineKeyboardBuilder()
    for value in PRESET_TIMES:
        mark = "☑️ " if value in chosen else "⬜ "
        kb.button(text=mark + value, callback_data=PlanCb(a=PlanAction.TOGGLE, v=value.replace(":", "")))
    kb.button(text=_("✅ Save"), callback_data=PlanCb(a=PlanAction.TIMES, v="save"))
    kb.adjust(3, 3, 1, 1)
    return kb.as_markup()


def plan_pause() -> InlineKeyboardMarkup:
    """How long to pause."""
    kb = InlineKeyboardBuilder()
    for days in PAUSE_DAYS:
        kb.button(text=ngettext("{n} day", "{n} days", days).format(n=days), callback_data=PlanCb(a=PlanAction.PAUSE_DAYS, v=str(days)))
    kb.adjust(2)
    return kb.as_markup()


def plan_quiet() -> InlineKeyboardMarkup:
    """Quiet hour presets."""
    kb = InlineKeyboardBuilder()
    for value in QUIET_PRESETS:
        label = _("No quiet hours") if value == "00:00-00:00" else value.replace("-", "–")
        kb.button(text=label, callback_data=PlanCb(a=PlanAction.QUIET_SET, v=value.replace(":", "")))
    kb.adjust(1)
    return kb.as_markup()


def enrol_offer(default_time: str) -> InlineKeyboardMarkup:
    """Offered at the end of registration."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ Yes, every day at {time}").format(time=default_time), callback_data=PlanCb(a=PlanAction.START))
    kb.button(text=_("No, thank you"), callback_data=PlanCb(a=PlanAction.DECLINE))
    kb.adjust(1)
    return kb.as_markup()


class SafetyCb(CallbackData, prefix="sa"):
    """The answer to «Are you safe right now?»: safe=1 or 0."""

    safe: int


def safety_question() -> InlineKeyboardMarkup:
    """Two large buttons, one a row."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ I am safe"), callback_data=SafetyCb(safe=1))
    kb.button(text=_("🆘 I am not safe"), callback_data=SafetyCb(safe=0))
    kb.adjust(1)
    return kb.as_markup()


class VolSignAction(StrEnum):
    """A choice in the /volunteer sign-up."""

    DISTRICT = "d"  # v: a district code (toggled)
    SKILL = "s"  # v: a skill (toggled)
    NEXT = "n"  # the districts or skills are chosen
    WHEN = "w"  # v: an availability choice
    AGREE = "y"
    DISAGREE = "x"


class VolSignCb(CallbackData, prefix="vs"):
    """A press in the volunteer sign-up."""

    a: VolSignAction
    v: str = ""


class VolDecideCb(CallbackData, prefix="va"):
    """A coordinator's decision on volunteer application v (approve or decline)."""

    ok: bool
    v: int


class DeliveryAction(StrEnum):
    """A volunteer's press on a delivery."""

    TAKE = "t"
    PICKED_UP = "p"
    DELIVERED = "d"
    FAIL = "f"  # asks why
    FAIL_REASON = "r"  # v: the reason
    BACK = "b"  # from the reasons back to the steps


class DeliveryCb(CallbackData, prefix="dv"):
    """A press on delivery d's card or on its private copy."""

    a: DeliveryAction
    d: int
    v: str = ""


def toggles(action: VolSignAction, options: Iterable[tuple[str, str]], chosen: Iterable[str]) -> InlineKeyboardMarkup:
    """Choices to tick (✅ on the chosen ones) and «Next»."""
    picked = set(chosen)
    kb = InlineKeyboardBuilder()
    for code, label in options:
        kb.button(text=("✅ " if code in picked else "") + label, callback_data=VolSignCb(a=action, v=code))
    kb.button(text=_("Next step ▶️"), callback_data=VolSignCb(a=VolSignAction.NEXT, v=action.value))
    kb.adjust(2)
    return kb.as_markup()


class NoticeStep(StrEnum):
    """A button of the /notice wizard."""

    DISTRICT = "d"  # a district toggled (v: its code)
    ALL = "all"  # every district
    CHECKINS = "ci"  # residents with daily check-ins
    STAFF = "sf"  # the staff
    NEXT = "nx"  # the districts ticked are the audience
    ONE = "one"  # one version for everyone
    NO_FILE = "nf"  # no photo or PDF
    SEND = "go"
    CANCEL = "x"


class NoticeCb(CallbackData, prefix="nw"):
    """A /notice wizard button; `k` is the wizard's key (a press on an older wizard's message is stale)."""

    a: NoticeStep
    k: str
    v: str = ""


class NoticeStopCb(CallbackData, prefix="ns"):
    """Cancel on a notice's progress message."""

    n: int


def notice_audience(key: str, districts: list[tuple[str, str]], ticked: set[str]) -> InlineKeyboardMarkup:
    """The audience: districts to tick (code, title), «all districts», residents with check-ins, the staff."""
    kb = InlineKeyboardBuilder()
    for code, title in districts:
        kb.button(text=("☑️ " if code in ticked else "⬜ ") + title,
                  callback_data=NoticeCb(a=NoticeStep.DISTRICT, k=key, v=code))
    kb.button(text=_("🏘 All districts"), callback_data=NoticeCb(a=NoticeStep.ALL, k=key))
    kb.button(text=_("☀️ Residents with daily check-ins"), callback_data=NoticeCb(a=NoticeStep.CHECKINS, k=key))
    kb.button(text=_("👥 Staff"), callback_data=NoticeCb(a=NoticeStep.STAFF, k=key))
    if ticked:
        kb.button(text=_("Next ▶️"), callback_data=NoticeCb(a=NoticeStep.NEXT, k=key))
    kb.button(text=_(CANCEL), callback_data=NoticeCb(a=NoticeStep.CANCEL, k=key))
    kb.adjust(2)
    return kb.as_markup()


def availability(options: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    """When a volunteer is available (or they type it)."""
    kb = InlineKeyboardBuilder()
    for code, label in options:
        kb.button(text=label, callback_data=VolSignCb(a=VolSignAction.WHEN, v=code))
    kb.adjust(2)
    return kb.as_markup()


def notice_text(key: str, first: bool) -> InlineKeyboardMarkup:
    """Under the question for one language's text: one version for everyone (on the first language: the
    next text is for everyone; later: the languages not given get the first language's), or cancel."""
    kb = InlineKeyboardBuilder()
    label = _("🌐 One version for everyone") if first else _("🌐 The others get the first version")
    kb.button(text=label, callback_data=NoticeCb(a=NoticeStep.ONE, k=key))
    kb.button(text=_(CANCEL), callback_data=NoticeCb(a=NoticeStep.CANCEL, k=key))
    kb.adjust(1)
    return kb.as_markup()


def notice_file(key: str) -> InlineKeyboardMarkup:
    """Under the question for a photo or a PDF."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("No photo or file ▶️"), callback_data=NoticeCb(a=NoticeStep.NO_FILE, k=key))
    kb.button(text=_(CANCEL), callback_data=NoticeCb(a=NoticeStep.CANCEL, k=key))
    kb.adjust(1)
    return kb.as_markup()


def notice_send(key: str) -> InlineKeyboardMarkup:
    """Under the previews: send, or cancel."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("📢 Send"), callback_data=NoticeCb(a=NoticeStep.SEND, k=key))
    kb.button(text=_(CANCEL), callback_data=NoticeCb(a=NoticeStep.CANCEL, k=key))
    kb.adjust(2)
    return kb.as_markup()


def volunteer_rules() -> InlineKeyboardMarkup:
    """Agree to the volunteers' rules, or not."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ I agree"), callback_data=VolSignCb(a=VolSignAction.AGREE))
    kb.button(text=_("✖️ No"), callback_data=VolSignCb(a=VolSignAction.DISAGREE))
    return kb.as_markup()


def application(volunteer_id: int) -> InlineKeyboardMarkup:
    """A coordinator approves or declines an application."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ Approve"), callback_data=VolDecideCb(ok=True, v=volunteer_id))
    kb.button(text=_("✖️ Decline"), callback_data=VolDecideCb(ok=False, v=volunteer_id))
    return kb.as_markup()


def delivery_offer(delivery_id: int) -> InlineKeyboardMarkup:
    """One tap takes the delivery."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🙋 I'll take it"), callback_data=DeliveryCb(a=DeliveryAction.TAKE, d=delivery_id))
    return kb.as_markup()


def delivery_steps(delivery_id: int, picked_up: bool) -> InlineKeyboardMarkup:
    """The taker's buttons on their private copy."""
    kb = InlineKeyboardBuilder()
    if not picked_up:
        kb.button(text=_("📦 Picked up"), callback_data=DeliveryCb(a=DeliveryAction.PICKED_UP, d=delivery_id))
    kb.button(text=_("✅ Delivered"), callback_data=DeliveryCb(a=DeliveryAction.DELIVERED, d=delivery_id))
    kb.button(text=_("❌ Can't deliver"), callback_data=DeliveryCb(a=DeliveryAction.FAIL, d=delivery_id))
    kb.adjust(1)
    return kb.as_markup()


def delivery_fail_reasons(delivery_id: int, reasons: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Why the volunteer cannot deliver (and back)."""
    kb = InlineKeyboardBuilder()
    for code, label in reasons:
        kb.button(text=label, callback_data=DeliveryCb(a=DeliveryAction.FAIL_REASON, d=delivery_id, v=code))
    kb.button(text=_(BACK), callback_data=DeliveryCb(a=DeliveryAction.BACK, d=delivery_id))
    kb.adjust(1)
    return kb.as_markup()


def notice_stop(notice_id: int) -> InlineKeyboardMarkup:
    """Under the progress message while the notice is being sent."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("⏹ Stop sending"), callback_data=NoticeStopCb(n=notice_id))
    return kb.as_markup()
