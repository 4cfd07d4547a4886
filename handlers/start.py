"""Start, language, help, cancel, back and data deletion."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from bot.core import clock

from bot.ui import flow, keyboards as kb, texts
from bot.ui.commands import set_chat_commands
from bot.ui.flow import Ctx
from bot.ui.i18n import Label
from bot.services import registry, residents, volunteers
from bot.domain.locale import guess_locale
from bot.ui.states import Reg

router = Router(name="start")

#: Questions asked outside any step, kept in the conversation's `asked` as [kind, Unix seconds, args...].
ASKED_CHECKIN = "checkin"
ASKED_DELETE = "delete"
ASKED_CANCEL = "cancel"


async def show_menu(ctx: Ctx, text: str | None = None) -> None:
    """The main menu, with a greeting."""
    name = texts.q(ctx.resident.name if ctx.resident else "", 100)
    await ctx.bot.send_message(
        ctx.chat_id, text or _("Hello, {name}! What do you need? Choose below.").format(name=name),
        reply_markup=kb.main_menu(),
    )


async def begin_registration(ctx: Ctx) -> None:
    """Ask the language if unsure, else show the privacy notice."""
    data = await ctx.data()
    if data.get("locale") or guess_locale(ctx.user.language_code):
        await flow.go(ctx, Reg.consent)
    else:
        await flow.go(ctx, Reg.language)


async def open_invite(ctx: Ctx, args: str) -> None:
    """An invite link from the community register: bind this account to its record, then consent."""
    outcome, resident = await registry.bind(
        ctx.session, registry.valid_code(args), ctx.user.id, ctx.chat_id, ctx.resident
    )
    if resident is None:
        await ctx.bot.send_message(ctx.chat_id, invite_refusal(outcome))
        return
    ctx.resident = resident
    await ctx.state.clear()
    with ctx.i18n.use_locale(resident.locale):
        await set_chat_commands(ctx.bot, ctx.i18n, ctx.chat_id, resident.locale)
        if residents.is_registered(resident):
            await show_menu(ctx)
        else:
            await flow.go(ctx, Reg.consent)


def invite_refusal(outcome: registry.Binding) -> str:
    """Why an invite link cannot be used from this account."""
    if outcome == registry.Binding.TAKEN:
        return _(
            "This invitation has already been used from another Telegram account. "
            "If it is yours, please call your social worker."
        )
    if outcome == registry.Binding.OTHER_RECORD:
        return _(
            "You are already registered in this bot with other details, so this invitation cannot be used "
            "from your account. Nothing was changed. If the invitation is for someone else, please pass it on to them."
        )
    return _(
        "This invitation link is not valid. Please check it with your social worker, "
        "or send /start to register yourself."
    )


@router.message(CommandStart())
async def start(message: Message, ctx: Ctx, command: CommandObject | None = None) -> None:
    """Main menu, or registration, or back into an unfinished wizard; /start CODE opens an invite."""
    if command is not None and command.args:
        await open_invite(ctx, command.args)
    elif await ctx.state.get_state() is not None:
        await message.answer(_("Let's continue where we stopped. Press «✖️ Cancel» to stop instead."))
        await flow.ask(ctx)
    elif residents.is_registered(ctx.resident):
        await show_menu(ctx)
    elif ctx.resident is not None and ctx.resident.consent_at is not None:
        await flow.go(ctx, Reg.name)
    else:
        await begin_registration(ctx)


@router.message(Command("language"))
async def language(message: Message, ctx: Ctx) -> None:
    """Show the language picker; the current step stays as it is."""
    await flow.ask(ctx, Reg.language.state)


@router.callback_query(kb.LangCb.filter())
async def language_chosen(query: CallbackQuery, callback_data: kb.LangCb, ctx: Ctx) -> None:
    """Store the language and carry on in it."""
    code = callback_data.code if callback_data.code in kb.LANGUAGE_NAMES else ctx.settings.default_locale
    await ctx.state.update_data(locale=code)
    if ctx.resident is not None:
        residents.update(ctx.session, ctx.resident, locale=code)
    await query.answer()
    with ctx.i18n.use_locale(code):
        await set_chat_commands(ctx.bot, ctx.i18n, ctx.chat_id, code)
        await ctx.bot.send_message(ctx.chat_id, _("Language: {name}").format(name=kb.LANGUAGE_NAMES[code]))
        state = await ctx.state.get_state()
        if state == Reg.language.state:
            await flow.go(ctx, Reg.consent)
        elif state is not None:
            await flow.ask(ctx)
        elif residents.is_registered(ctx.resident):
            await show_menu(ctx)
        else:
            await flow.go(ctx, Reg.consent)


@router.message(Command("help"))
@router.message(Label(kb.MENU_HELP))
async def help_(message: Message, ctx: Ctx) -> None:
    """What the bot does, the commands, and the emergency numbers."""
    text = _(
        "This bot passes your requests to the social workers of your community.\n"
        "Choose «🛒 Food and supplies», «💊 Medicine» or «💬 Someone to talk to» in the menu, "
        "answer a few questions, and a social worker will take it. We tell you at every step.\n\n"
        "/requests: your requests\n/language: change the language\n/cancel: stop what you are doing\n"
        "/delete: delete your data"
    )
    await message.answer(text + "\n\n" + texts.emergency_numbers(ctx.settings.emergency_numbers))


@router.message(Command("cancel"))
@router.message(Label(kb.CANCEL))
async def cancel(message: Message, ctx: Ctx) -> None:
    """Leave whatever step we are in; nothing half-filled is sent."""
    had_state = await ctx.state.get_state() is not None
    locale = (await ctx.data()).get("locale")
    await ctx.state.clear()
    if locale and ctx.resident is None:
        await ctx.state.update_data(locale=locale)
    text = _("Cancelled. Nothing was sent.") if had_state else _("There is nothing to cancel.")
    if residents.is_registered(ctx.resident):
        await show_menu(ctx, text)
    else:
        await message.answer(text + "\n" + _("Send /start to begin."), reply_markup=ReplyKeyboardRemove())


@router.message(Label(kb.BACK))
async def back(message: Message, ctx: Ctx) -> None:
    """One step back, or the menu when there is none."""
    if not await flow.back(ctx):
        await cancel(message, ctx)


@router.message(Command("delete"))
async def delete(message: Message, ctx: Ctx) -> None:
    """Ask before erasing the personal data of the resident, the volunteer, or both."""
    if (ctx.resident is None or ctx.resident.consent_at is None) and not await volunteers.is_volunteer(ctx.session, ctx.user.id):
        await ctx.state.clear()  # a sign-up half-way keeps the name and phone typed so far: gone too
        await message.answer(_("We have no personal data of yours."), reply_markup=ReplyKeyboardRemove())
        return
    await ask_delete(ctx)


def delete_options() -> list[tuple[str, str]]:
    """Erase or keep."""
    return [("yes", _("Yes, delete my data")), ("no", _("No, keep it"))]


async def ask_delete(ctx: Ctx) -> None:
    """Are you sure? (a typed yes or no answers it too: handlers.fallback)."""
    await asked(ctx, ASKED_DELETE)
    questions = []
    if ctx.resident is not None and ctx.resident.consent_at is not None:
        questions.append(_("Delete your name, phone, address and the details of your requests? Open requests will be "
                           "cancelled."))
    if await volunteers.is_volunteer(ctx.session, ctx.user.id):
        questions.append(_("Delete your name, phone and volunteer record? Deliveries you have taken go back to the "
                           "social workers."))
    await ctx.bot.send_message(
        ctx.chat_id, "\n".join(questions) or _("We have no personal data of yours."),
        reply_markup=kb.choices(kb.DeleteCb, delete_options(), back=False),
    )


async def asked(ctx: Ctx, kind: str | None, *args: object) -> None:
    """Remember (or forget, kind None) a question asked outside any step, with when (Unix seconds)."""
    await ctx.state.update_data(asked=[kind, int(clock.now().timestamp()), *args] if kind else None)


@router.callback_query(kb.DeleteCb.filter())
async def delete_answer(query: CallbackQuery, callback_data: kb.DeleteCb, ctx: Ctx) -> None:
    """Erase, or keep."""
    await query.answer()
    await delete_chosen(ctx, callback_data.v.value)


async def delete_chosen(ctx: Ctx, value: str) -> None:
    """«yes» (pressed or typed) erases the resident's personal data; anything else keeps it."""
    await asked(ctx, None)
    volunteer = await volunteers.is_volunteer(ctx.session, ctx.user.id)
    if value != "yes" or (ctx.resident is None and not volunteer):
        await ctx.bot.send_message(ctx.chat_id, _("Nothing was deleted."))
        return
    told = await residents.erase(ctx.session, ctx.resident) if ctx.resident is not None else []
    await ctx.notifier().tell([*told, *await volunteers.erase(ctx.session, ctx.user.id, clock.now())])
    await ctx.state.clear()
    await ctx.bot.send_message(
        ctx.chat_id, _("Your personal data has been deleted. Send /start if you need help again."),
        reply_markup=ReplyKeyboardRemove(),
    )
