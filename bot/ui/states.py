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


class VolunteerSignup(StatesGroup):
    """The /volunteer sign-up, in a private chat; `photo` waits for the optional photo of a delivered order."""

    name = State()
    phone = State()
    districts = State()
    skills = State()
    availability = State()
    rules = State()
    photo = State()
class Meds(StatesGroup):
    """A resident recording a regular medicine under «My details»: the line, then «do not interrupt?»."""

    line = State()
    keep = State()


class NoticeWizard(StatesGroup):
    """A coordinator writing an official notice (/notice), in the staff group: audience, the text in each
    language, a photo or PDF, the previews and Send. The draft is the conversation data's `notice`."""

    audience = State()
    text = State()
    attachment = State()
    confirm = State()
