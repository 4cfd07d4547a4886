"""Conversation states: registration (and profile edits) and the request wizard."""

from aiogram.fsm.state import State, StatesGroup


class Reg(StatesGroup):
    """Registration steps, also used one at a time to change a detail later."""

    language = State()
    consent = State()
    name = State()
    phone = State()
    address = State()
    address_check = State()
    district = State()
    flags = State()


class Intake(StatesGroup):
    """Request wizard steps; `offer` asks whether a free text outside a request should become one."""

    items = State()
    items_review = State()
    medicine = State()
    photo = State()
    feeling = State()
    call_time = State()
    urgency = State()
    address_choice = State()
    address = State()
    address_check = State()
    confirm = State()
    offer = State()


class Referral(StatesGroup):
    """A staff member typing why they refer a request to another station (in the staff group)."""

    reason = State()
