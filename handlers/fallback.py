"""Anything no other handler took: typed answers to button questions, the rest of a split answer,
what a resident writes outside a request, and otherwise a clear answer with the current question again.

Nothing a resident sends is answered with only a menu hint:

- at a button question, a typed answer that means a choice («对», «да», «так», a button's words) is
  taken as that choice (bot.domain.answers); anything else gets the same question again with a hint;
- a text that comes within JOIN_WINDOW seconds (Telegram's message.date) after a typed list, medicine
  or address, at the question that followed it, is the rest of that answer and is joined to it;
  at the address read-back a later text is joined as well, and the bot asks whether it belongs
  (the read-back's ✅ Correct / ✏️ Change);
- outside any step, text, a voice message or a photo goes to the resident's open request (the claimer
  gets it privately, the card says so), or, with none open, the bot offers to send it as a new one.
  The danger check runs first.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.fsm.context import FSMContext
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from bot.ui import texts
from bot.ui.flow import Wizard
from bot.ui.notify import Notifier
from bot.ui.screens import ASKED_CANCEL, ASKED_CHECKIN, ASKED_DELETE, asked, offer_checkins, show_menu
from bot.domain import answers
from bot.services import requests, residents
from bot.domain.danger import Level
from bot.services.residents import ADDRESS_MAX, DETAILS_MAX
from bot.ui.states import Intake, Reg
from bot.ui import keyboards as kb
from bot.ui.wizard import engine
from bot.ui.wizard.request.common import items_draft
from bot.ui.wizard.request.urgency import URGENCY
from handlers import checkins as checkin_handlers
from handlers import followups as followup_handlers
from handlers import my_requests
from handlers.common import answered_within
from db.models import Resident
from handlers.start import ask_delete, begin_registration, delete_chosen, delete_options

router = Router(name="fallback")
#: Last of all, in every chat: a button press no handler took (random bytes, an unknown action, a
#: missing or mistyped field, a staff button outside a staff chat) is still answered, or the
#: presser's spinner turns until Telegram gives up.
unanswered = Router(name="unanswered_buttons")
log = logging.getLogger(__name__)

#: The address read-backs and the text steps whose answer they read back.
#: How long a question asked outside any step waits for a typed answer, in seconds: enrolling in
#: check-ins is harmless and may be answered late; erasing data or cancelling only right after asking.
ASKED_FOR = {ASKED_CHECKIN: 24 * 3600, ASKED_DELETE: 600, ASKED_CANCEL: 600}
ADDRESS_CHECKS = {Reg.address_check.state: Reg.address.state, Intake.address_check.state: Intake.address.state}


@router.callback_query()
async def stale_button(query: CallbackQuery) -> None:
    """An old, forged or out-of-place button press changes nothing."""
    log.info("stale or forged button from user %s ignored", query.from_user.id)
    await query.answer(_("This button is no longer active."), show_alert=True)


@unanswered.callback_query()
async def unknown_button(query: CallbackQuery) -> None:
    """Any other chat (a staff group, a stranger's group, an inline message): answered, nothing changes."""
    log.info("unknown button data from user %s ignored", query.from_user.id)
    await query.answer(_("This button is no longer active."), show_alert=True)


def hint_for(step: str) -> str:
    """What this step expects, in words (from its declaration: a photo that may be skipped, a typed
    question that also takes a voice message, a typed one, else buttons)."""
    declared = engine.step_at(step)
    if declared is not None and declared.photo is not None and declared.skip is not None:
        return _("Please send a photo, or press «Skip ▶️».")
    if declared is not None and declared.typed and declared.voice is not None:
        return _("Please answer with text or a voice message.")
    if declared is not None and declared.typed:
        return _("Please answer with text.")
    return _("Please use the buttons.")


@router.message()
async def unexpected(
    message: Message, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings,
    notifier: Notifier, danger_handled: Level = Level.NONE,
) -> None:
    """Typed answers, split answers, free text outside a request; anything else gets a hint. An album
    (several messages with one media_group_id) is answered once, at its first part. A message the
    danger check already answered (handlers/danger.py) gets no "please use the buttons": after a danger
    at the urgency question the request goes on as urgent, elsewhere the question is asked again; after
    «Are you safe right now?» nothing more is said until the person answers it."""
    if message.media_group_id is not None:
        data = await wizard.data()
        if message.media_group_id in (data.get("answered_album"), data.get("photo_album")):
            return  # a video in the album whose photos the photo step took is not asked about again
        await wizard.state.update_data(answered_album=message.media_group_id)
    step = await wizard.at()
    if danger_handled is Level.UNSURE:
        return
    if danger_handled is Level.DANGER:
        if step == Intake.urgency.state:
            await engine.advance(wizard, URGENCY)
        elif step is not None:
            await wizard.ask()
        return
    if step is not None:
        # «Delete my data?» or «Cancel request?» asked a moment ago (their buttons work at any step): a
        # typed yes or no answers that question, not the step's own.
        asked_now = (await wizard.data()).get("asked")
        if message.text and asked_now and asked_now[0] in (ASKED_DELETE, ASKED_CANCEL) \
                and await answer_to_asked(message, wizard, resident, session, settings, notifier, asked_now):
            if (await wizard.data()).get("asked") is None and await wizard.at() is not None:
                await wizard.ask()  # answered «no»: the step they were at, again
            return
        if message.text and await typed_answer(message, wizard, settings, step):
            return
        await message.answer(hint_for(step))
        await wizard.ask()
    elif residents.is_registered(resident):
        assert resident is not None
        await outside_a_step(message, wizard, resident, session, settings, notifier)
    elif message.text and (asked_now := (await wizard.data()).get("asked")) and asked_now[0] == ASKED_DELETE \
            and await answer_to_asked(message, wizard, resident, session, settings, notifier, asked_now):
        return  # a volunteer who is no resident typed their answer to «Delete your data?»
    else:
        await begin_registration(wizard, message.from_user)


async def typed_answer(message: Message, wizard: Wizard, settings: Settings, step: str) -> bool:
    """Take a text at a step that wanted something else; False when it means nothing here."""
    text = message.text or ""
    declared = engine.step_at(step)
    if declared is not None and await typed_choice(wizard, declared, text):
        return True
    if not text.strip():
        return False
    window = settings.join_window
    if step in ADDRESS_CHECKS:
        late = not await answered_within(wizard.state, message, ADDRESS_CHECKS[step], window)
        await join_address(wizard, text, late=late)
        await remember_join(wizard.state, message, ADDRESS_CHECKS[step])
        return True
    if step == Intake.items_review.state and await answered_within(wizard.state, message, Intake.items.state, window):
        joined = f"{(await engine.draft(wizard)).raw_items or ''}\n{text.strip()}"[:DETAILS_MAX]
        await engine.change(wizard, **items_draft(joined))
        await remember_join(wizard.state, message, Intake.items.state)
        await wizard.ask()
        return True
    if step == Intake.photo.state and await answered_within(wizard.state, message, Intake.medicine.state, window):
        joined = f"{(await engine.draft(wizard)).medicine or ''} {text.strip()}"[:DETAILS_MAX]
        await engine.change(wizard, medicine=joined)
        await remember_join(wizard.state, message, Intake.medicine.state)
        await message.answer(_("Added: {text}").format(text=texts.q(joined, 300)))
        await wizard.ask()
        return True
    if step == Intake.offer.state:
        # More words while «send this as a new request?» is open: they belong to it.
        before = (await wizard.data()).get("offer_text")
        joined = f"{before}\n{text.strip()}" if before else text.strip()
        await wizard.state.update_data(offer_text=joined[:DETAILS_MAX])
        await wizard.ask()
        return True
    if step == Intake.address_choice.state:
        # «Where should the help come?» answered with an address: take it as another address.
        await remember_join(wizard.state, message, Intake.address.state)
        await wizard.go(Intake.address_check, address_pending=text.strip()[:ADDRESS_MAX], address_late=False)
        return True
    return False


async def typed_choice(wizard: Wizard, step: engine.Step, text: str) -> bool:
    """A typed answer to a declared step's buttons («对», «да», a label typed out), or its «Skip»."""
    if step.skip is not None and answers.choose(text, [("skip", _(kb.SKIP))], None, "skip") == "skip":
        await wizard.call(step.skip)
        return True
    if step.chosen is None:
        return False
    raw = answers.choose(text, step.typed_options(wizard, await wizard.data()), step.yes, step.no)
    choice = step.value_of(raw) if raw is not None else None
    if choice is None:
        return False
    await engine.choose(wizard, step, choice)
    return True


async def remember_join(state: FSMContext, message: Message, step: str) -> None:
    """A joined part counts as the answer's latest message: a third part seconds later joins too."""
    await state.update_data(answered=[step, int(message.date.timestamp())])


async def join_address(wizard: Wizard, text: str, late: bool) -> None:
    """The rest of an address sent in a second message: joined and read back again.

    A text that already contains the address read back replaces it (the whole address typed again).
    late: it came after JOIN_WINDOW, so the read-back asks whether it belongs.
    """
    pending = str((await wizard.data()).get("address_pending") or "")
    text = text.strip()
    joined = text if pending in text else f"{pending} {text}"
    await wizard.state.update_data(address_pending=joined[:ADDRESS_MAX], address_late=late)
    await wizard.ask()


async def outside_a_step(
    message: Message, wizard: Wizard, resident: Resident, session: AsyncSession, settings: Settings,
    notifier: Notifier,
) -> None:
    """A registered resident wrote, spoke or sent a photo with no question open."""
    text = message.text or message.caption
    text = text.strip()[:DETAILS_MAX] if text and text.strip() else None
    # A message in which danger was seen never reaches here: handlers/danger.py answered it first.
    data = await wizard.data()
    if message.text and await answer_to_asked(message, wizard, resident, session, settings, notifier, data.get("asked")):
        return
    if message.text and await checkin_handlers.typed_answer(message.text, wizard, resident, session, settings, notifier):
        return  # «好» to today's «Are you OK?»
    if message.text and await followup_handlers.typed_answer(
            session, settings, notifier, wizard.bot, resident, message.text):
        return  # «不太好» to a follow-up's «how are you now?»
    voice = message.voice.file_id if message.voice else None
    photo = message.photo[-1].file_id if message.photo else None
    if text is None and voice is None and photo is None:
        await show_menu(wizard, resident, _("I can read text, voice messages and photos. To ask for help, choose below."))
        return
    await wizard.state.update_data(danger=None)  # not an older message's
    added = await requests.add_follow_up(session, resident, text=text, voice=voice, photo=photo, danger=None)
    if added is not None:
        await notifier.tell(added.told)
        await show_menu(wizard, resident, added_to_request(added))
        return
    await wizard.go(Intake.offer, offer_text=text, offer_voice=voice, offer_photo=photo)


async def answer_to_asked(
    message: Message, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings,
    notifier: Notifier, question: list[Any] | None,
) -> bool:
    """A typed answer to a yes/no question asked outside any step (the check-in offer, /delete, cancel a
    request); False when none is waiting. Unclear text gets the question again once, with a hint;
    after that the text is taken as something the resident says."""
    if not question or question[0] not in ASKED_FOR:
        return False
    kind, at, *args = question
    if clock.now().timestamp() - at > ASKED_FOR[kind]:
        await asked(wizard.state, None)
        return False
    if kind == ASKED_CHECKIN:
        options = [("yes", _("✅ Yes, every day at {time}").format(time=settings.checkins.default_time)),
                   ("no", _("No, thank you"))]
    elif kind == ASKED_DELETE:
        options = delete_options()
    else:
        options = my_requests.cancel_options()
    value = answers.choose(message.text, options, "yes", "no")
    if value is None:
        if (await wizard.data()).get("asked_again"):
            await wizard.state.update_data(asked=None, asked_again=None)
            return False
        await message.answer(_("Please use the buttons."))
        if kind == ASKED_CHECKIN:
            await asked(wizard.state, kind, *args)
            await offer_checkins(wizard, settings)
        elif kind == ASKED_DELETE:
            await ask_delete(wizard, resident, session)
        else:
            await my_requests.ask_cancel(wizard, int(args[0]))
        await wizard.state.update_data(asked_again=True)
        return True
    await wizard.state.update_data(asked_again=None)
    if kind == ASKED_CHECKIN:
        await asked(wizard.state, None)
        assert resident is not None
        await checkin_handlers.offer_answered(value == "yes", wizard, resident, session, settings)
    elif kind == ASKED_DELETE:
        await delete_chosen(wizard, resident, session, notifier, value)
    else:
        assert resident is not None
        await my_requests.cancel_chosen(int(args[0]), value, wizard, resident, session, notifier)
    return True


def added_to_request(added: requests.FollowUp) -> str:
    """Told to the resident: which request the message joined, and where it stands."""
    request = added.request
    text = _("✉️ I added your message to your request {number} ({kind}). Its status: {status}.").format(
        number=texts.number(request.id or 0), kind=texts.kind_label(request.kind), status=texts.status_label(request.status)
    )
    if added.claimer is not None:
        return text + "\n" + _("Social worker {name} has received it.").format(name=texts.q(added.claimer.name, 100))
    return text + "\n" + _("The social workers see it with your request. Whoever takes it will get in touch.")
