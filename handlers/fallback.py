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
from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.core import clock

from bot.ui import flow, texts
from bot.ui.flow import Ctx
from bot.ui.prompts import choice_of
from bot.domain import answers
from bot.services import requests, residents
from bot.domain.danger import Level
from bot.services.residents import ADDRESS_MAX, DETAILS_MAX
from bot.ui.states import TEXT_STEPS, VOICE_STEPS, Intake, Reg
from bot.ui import keyboards as kb
from bot.ui.wizard import engine
from bot.ui.wizard.request.common import items_draft
from bot.ui.wizard.request.urgency import URGENCY
from handlers import checkins as checkin_handlers
from handlers import my_requests, registration
from handlers.common import answered_within
from handlers.start import (
    ASKED_CANCEL,
    ASKED_CHECKIN,
    ASKED_DELETE,
    ask_delete,
    asked,
    begin_registration,
    delete_chosen,
    delete_options,
    show_menu,
)

router = Router(name="fallback")
#: Last of all, in every chat: a button press no handler took (random bytes, an unknown action, a
#: missing or mistyped field, a staff button outside a staff chat) is still answered, or the
#: presser's spinner turns until Telegram gives up.
unanswered = Router(name="unanswered_buttons")
log = logging.getLogger(__name__)

#: What a typed answer does at each button question.
CHOSEN: dict[str, Callable[[Ctx, str], Awaitable[None]]] = registration.CHOSEN
#: The address read-backs and the text steps whose answer they read back.
#: How long a question asked outside any step waits for a typed answer, in seconds: enrolling in
#: check-ins is harmless and may be answered late; erasing data or cancelling only right after asking.
ASKED_FOR = {ASKED_CHECKIN: 24 * 3600, ASKED_DELETE: 600, ASKED_CANCEL: 600}
ADDRESS_CHECKS = {Reg.address_check.state: Reg.address.state, Intake.address_check.state: Intake.address.state}


@router.callback_query()
async def stale_button(query: CallbackQuery, ctx: Ctx) -> None:
    """An old, forged or out-of-place button press changes nothing."""
    log.info("stale or forged button from user %s ignored", query.from_user.id)
    await query.answer(_("This button is no longer active."), show_alert=True)


@unanswered.callback_query()
async def unknown_button(query: CallbackQuery) -> None:
    """Any other chat (a staff group, a stranger's group, an inline message): answered, nothing changes."""
    log.info("unknown button data from user %s ignored", query.from_user.id)
    await query.answer(_("This button is no longer active."), show_alert=True)


def hint_for(step: str) -> str:
    """What this step expects, in words."""
    if step == Intake.photo.state:
        return _("Please send a photo, or press «Skip ▶️».")
    if step in {s.state for s in VOICE_STEPS}:
        return _("Please answer with text or a voice message.")
    if step in {s.state for s in TEXT_STEPS}:
        return _("Please answer with text.")
    return _("Please use the buttons.")


@router.message()
async def unexpected(message: Message, ctx: Ctx, danger_handled: Level = Level.NONE) -> None:
    """Typed answers, split answers, free text outside a request; anything else gets a hint. An album
    (several messages with one media_group_id) is answered once, at its first part. A message the
    danger check already answered (handlers/danger.py) gets no "please use the buttons": after a danger
    at the urgency question the request goes on as urgent, elsewhere the question is asked again; after
    «Are you safe right now?» nothing more is said until the person answers it."""
    if message.media_group_id is not None:
        data = await ctx.data()
        if message.media_group_id in (data.get("answered_album"), data.get("photo_album")):
            return  # a video in the album whose photos the photo step took is not asked about again
        await ctx.state.update_data(answered_album=message.media_group_id)
    step = await ctx.state.get_state()
    if danger_handled is Level.UNSURE:
        return
    if danger_handled is Level.DANGER:
        if step == Intake.urgency.state:
            await engine.advance(ctx, URGENCY)
        elif step is not None:
            await flow.ask(ctx)
        return
    if step is not None:
        # «Delete my data?» or «Cancel request?» asked a moment ago (their buttons work at any step): a
        # typed yes or no answers that question, not the step's own.
        asked_now = (await ctx.data()).get("asked")
        if message.text and asked_now and asked_now[0] in (ASKED_DELETE, ASKED_CANCEL) \
                and await answer_to_asked(message, ctx, asked_now):
            if (await ctx.data()).get("asked") is None and await ctx.state.get_state() is not None:
                await flow.ask(ctx)  # answered «no»: the step they were at, again
            return
        if message.text and await typed_answer(message, ctx, step):
            return
        await message.answer(hint_for(step))
        await flow.ask(ctx)
    elif residents.is_registered(ctx.resident):
        await outside_a_step(message, ctx)
    elif message.text and (asked_now := (await ctx.data()).get("asked")) and asked_now[0] == ASKED_DELETE \
            and await answer_to_asked(message, ctx, asked_now):
        return  # a volunteer who is no resident typed their answer to «Delete your data?»
    else:
        await begin_registration(ctx)


async def typed_answer(message: Message, ctx: Ctx, step: str) -> bool:
    """Take a text at a step that wanted something else; False when it means nothing here."""
    text = message.text or ""
    declared = engine.step_at(step)
    if declared is not None and await typed_choice(ctx, declared, text):
        return True
    choice = await choice_of(ctx, step)
    value = answers.choose(text, choice[0], choice[1], choice[2]) if choice else None
    if value is not None and step in CHOSEN:
        await CHOSEN[step](ctx, value)
        return True
    if not text.strip():
        return False
    if step in ADDRESS_CHECKS:
        await join_address(ctx, text, late=not await answered_within(ctx, message, ADDRESS_CHECKS[step]))
        await remember_join(ctx, message, ADDRESS_CHECKS[step])
        return True
    if step == Intake.items_review.state and await answered_within(ctx, message, Intake.items.state):
        joined = f"{(await engine.draft(ctx)).raw_items or ''}\n{text.strip()}"[:DETAILS_MAX]
        await engine.change(ctx, **items_draft(joined))
        await remember_join(ctx, message, Intake.items.state)
        await flow.ask(ctx)
        return True
    if step == Intake.photo.state and await answered_within(ctx, message, Intake.medicine.state):
        joined = f"{(await engine.draft(ctx)).medicine or ''} {text.strip()}"[:DETAILS_MAX]
        await engine.change(ctx, medicine=joined)
        await remember_join(ctx, message, Intake.medicine.state)
        await message.answer(_("Added: {text}").format(text=texts.q(joined, 300)))
        await flow.ask(ctx)
        return True
    if step == Intake.offer.state:
        # More words while «send this as a new request?» is open: they belong to it.
        before = (await ctx.data()).get("offer_text")
        joined = f"{before}\n{text.strip()}" if before else text.strip()
        await ctx.state.update_data(offer_text=joined[:DETAILS_MAX])
        await flow.ask(ctx)
        return True
    if step == Intake.address_choice.state:
        # «Where should the help come?» answered with an address: take it as another address.
        await remember_join(ctx, message, Intake.address.state)
        await flow.go(ctx, Intake.address_check, address_pending=text.strip()[:ADDRESS_MAX], address_late=False)
        return True
    return False


async def typed_choice(ctx: Ctx, step: engine.Step, text: str) -> bool:
    """A typed answer to a declared step's buttons («对», «да», a label typed out), or its «Skip»."""
    if step.skip is not None and answers.choose(text, [("skip", _(kb.SKIP))], None, "skip") == "skip":
        await step.skip(ctx)
        return True
    if step.chosen is None:
        return False
    raw = answers.choose(text, step.typed_options(ctx, await ctx.data()), step.yes, step.no)
    choice = step.value_of(raw) if raw is not None else None
    if choice is None:
        return False
    await engine.choose(ctx, step, choice)
    return True


async def remember_join(ctx: Ctx, message: Message, step: str) -> None:
    """A joined part counts as the answer's latest message: a third part seconds later joins too."""
    await ctx.state.update_data(answered=[step, int(message.date.timestamp())])


async def join_address(ctx: Ctx, text: str, late: bool) -> None:
    """The rest of an address sent in a second message: joined and read back again.

    A text that already contains the address read back replaces it (the whole address typed again).
    late: it came after JOIN_WINDOW, so the read-back asks whether it belongs.
    """
    pending = str((await ctx.data()).get("address_pending") or "")
    text = text.strip()
    joined = text if pending in text else f"{pending} {text}"
    await ctx.state.update_data(address_pending=joined[:ADDRESS_MAX], address_late=late)
    await flow.ask(ctx)


async def outside_a_step(message: Message, ctx: Ctx) -> None:
    """A registered resident wrote, spoke or sent a photo with no question open."""
    assert ctx.resident is not None
    text = message.text or message.caption
    text = text.strip()[:DETAILS_MAX] if text and text.strip() else None
    # A message in which danger was seen never reaches here: handlers/danger.py answered it first.
    data = await ctx.data()
    if message.text and await answer_to_asked(message, ctx, data.get("asked")):
        return
    if message.text and await checkin_handlers.typed_answer(ctx, message.text):
        return  # «好» to today's «Are you OK?»
    voice = message.voice.file_id if message.voice else None
    photo = message.photo[-1].file_id if message.photo else None
    if text is None and voice is None and photo is None:
        await show_menu(ctx, _("I can read text, voice messages and photos. To ask for help, choose below."))
        return
    await ctx.state.update_data(danger=None)  # not an older message's
    added = await requests.add_follow_up(ctx.session, ctx.resident, text=text, voice=voice, photo=photo, danger=None)
    if added is not None:
        await ctx.notifier().tell(added.told)
        await show_menu(ctx, added_to_request(added))
        return
    await flow.go(ctx, Intake.offer, offer_text=text, offer_voice=voice, offer_photo=photo)


async def answer_to_asked(message: Message, ctx: Ctx, question: list | None) -> bool:
    """A typed answer to a yes/no question asked outside any step (the check-in offer, /delete, cancel a
    request); False when none is waiting. Unclear text gets the question again once, with a hint;
    after that the text is taken as something the resident says."""
    if not question or question[0] not in ASKED_FOR:
        return False
    kind, at, *args = question
    if clock.now().timestamp() - at > ASKED_FOR[kind]:
        await asked(ctx, None)
        return False
    if kind == ASKED_CHECKIN:
        options = [("yes", _("✅ Yes, every day at {time}").format(time=ctx.settings.checkins.default_time)),
                   ("no", _("No, thank you"))]
    elif kind == ASKED_DELETE:
        options = delete_options()
    else:
        options = my_requests.cancel_options()
    value = answers.choose(message.text, options, "yes", "no")
    if value is None:
        if (await ctx.data()).get("asked_again"):
            await ctx.state.update_data(asked=None, asked_again=None)
            return False
        await message.answer(_("Please use the buttons."))
        if kind == ASKED_CHECKIN:
            await asked(ctx, kind, *args)
            await checkin_handlers.offer_checkins(ctx)
        elif kind == ASKED_DELETE:
            await ask_delete(ctx)
        else:
            await my_requests.ask_cancel(ctx, int(args[0]))
        await ctx.state.update_data(asked_again=True)
        return True
    await ctx.state.update_data(asked_again=None)
    if kind == ASKED_CHECKIN:
        await asked(ctx, None)
        await checkin_handlers.offer_answered(ctx, value == "yes")
    elif kind == ASKED_DELETE:
        await delete_chosen(ctx, value)
    else:
        await my_requests.cancel_chosen(ctx, int(args[0]), value)
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
