"""Keyboards and callback data. Callback data carries short ids and actions, never personal data."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from bot.i18n import N_

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

LANGUAGE_NAMES = {"zh": "中文", "ru": "Русский", "uk": "Українська"}


class LangCb(CallbackData, prefix="lg"):
    """A language chosen from the picker."""

    code: str


class StepCb(CallbackData, prefix="st"):
    """An answer to one wizard step; stale when the conversation has moved on."""

    step: str
    value: str


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


def choices(step: str, options: Iterable[tuple[str, str]], columns: int = 1, back: bool = True) -> InlineKeyboardMarkup:
    """Inline answers to a wizard step as (value, label) pairs, plus Back."""
    kb = InlineKeyboardBuilder()
    count = 0
    for value, label in options:
        kb.button(text=label, callback_data=StepCb(step=step, value=value))
        count += 1
    if back:
        kb.button(text=_(BACK), callback_data=StepCb(step=step, value="_back"))
    sizes = [columns] * ((count + columns - 1) // columns) + ([1] if back else [])
    kb.adjust(*sizes)
    return kb.as_markup()


def confirm(draft: str) -> InlineKeyboardMarkup:
    """Confirm, go back, or cancel the summary."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ Send the request"), callback_data=ConfirmCb(draft=draft))
    kb.button(text=_(BACK), callback_data=StepCb(step="confirm", value="_back"))
    kb.button(text=_(CANCEL), callback_data=StepCb(step="confirm", value="_cancel"))
    kb.adjust(1, 2)
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
    """One button per detail that can be changed."""
    kb = InlineKeyboardBuilder()
    for field, label in PROFILE_FIELDS.items():
        kb.button(text=_("Change: {field}").format(field=_(label)), callback_data=ProfileCb(field=field))
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


def staff_card(request_id: int, status: str) -> InlineKeyboardMarkup | None:
    """Claim while new; the claimer's actions while in progress; nothing when closed."""
    kb = InlineKeyboardBuilder()
    if status == "new":
        kb.button(text=_("✋ Claim №{number}").format(number=request_id), callback_data=StaffCb(a=StaffAction.CLAIM, r=request_id))
    elif status in ("claimed", "on_the_way"):
        if status == "claimed":
            kb.button(text=_("🚚 On the way"), callback_data=StaffCb(a=StaffAction.ON_THE_WAY, r=request_id))
        kb.button(text=_("✅ Done"), callback_data=StaffCb(a=StaffAction.DONE, r=request_id))
        kb.button(text=_("❌ Can't fulfil"), callback_data=StaffCb(a=StaffAction.FAIL, r=request_id))
        kb.button(text=_("↩️ Release"), callback_data=StaffCb(a=StaffAction.RELEASE, r=request_id))
        kb.button(text=_("➡️ Transfer"), callback_data=StaffCb(a=StaffAction.TRANSFER, r=request_id))
        kb.adjust(2, 2, 1) if status == "claimed" else kb.adjust(2, 2)
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


def feedback(request_id: int) -> InlineKeyboardMarkup:
    """Received or not, and 1-5 stars."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("👍 Received"), callback_data=FeedbackCb(a=FeedbackAction.RECEIVED, r=request_id))
    kb.button(text=_("👎 Not received"), callback_data=FeedbackCb(a=FeedbackAction.NOT_RECEIVED, r=request_id))
    for stars in range(1, 6):
        kb.button(text=f"{stars}⭐", callback_data=FeedbackCb(a=FeedbackAction.RATE, r=request_id, v=stars))
    kb.adjust(2, 5)
    return kb.as_markup()


def digest(claimable: Iterable[int]) -> InlineKeyboardMarkup | None:
    """One Claim button per request of a digest that is still new."""
    kb = InlineKeyboardBuilder()
    for request_id in claimable:
        kb.button(text=_("✋ Claim №{number}").format(number=request_id), callback_data=StaffCb(a=StaffAction.CLAIM, r=request_id))
    kb.adjust(2)
    return kb.as_markup() if kb.buttons else None
