"""Start, language, help, cancel, back and data deletion."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import clock
from bot.core.config import Settings
from bot.ui import keyboards as kb, texts
from bot.ui.commands import set_chat_commands
from bot.ui.flow import Wizard
from bot.ui.i18n import Label
from bot.services import registry, residents, volunteers
from bot.domain.locale import guess_locale
from bot.ui.notify import Notifier
from bot.ui.screens import ASKED_DELETE, asked, show_menu
from bot.ui.states import Reg
from db.models import Resident

router = Router(name="start")

async def begin_registration(wizard: Wizard, user: User | None) -> None:
    """Ask the language if unsure, else show the privacy notice."""
    data = await wizard.data()
    if data.get("locale") or guess_locale(user.language_code if user else None):
        await wizard.go(Reg.consent)
    else:
        await wizard.go(Reg.language)


async def open_invite(
    message: Message, wizard: Wizard, resident: Resident | None, session: AsyncSession, i18n: I18n, args: str,
) -> None:
    """An invite link from the community register: bind this account to its record, then consent."""
    assert message.from_user is not None
    outcome, bound = await registry.bind(session, registry.valid_code(args), message.from_user.id, message.chat.id, resident)
    if bound is None:
        await message.answer(invite_refusal(outcome))
        return
    wizard.serve(bound)
    await wizard.state.clear()
    with i18n.use_locale(bound.locale):
        await set_chat_commands(wizard.bot, i18n, message.chat.id, bound.locale)
        if residents.is_registered(bound):
            await show_menu(wizard, bound)
        else:
            await wizard.go(Reg.consent)


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
async def start(
    message: Message, wizard: Wizard, resident: Resident | None, session: AsyncSession, i18n: I18n,
    command: CommandObject | None = None,
) -> None:
    """Main menu, or registration, or back into an unfinished wizard; /start CODE opens an invite."""
    if command is not None and command.args:
        await open_invite(message, wizard, resident, session, i18n, command.args)
    elif await wizard.at() is not None:
        await message.answer(_("Let's continue where we stopped. Press «✖️ Cancel» to stop instead."))
        await wizard.ask()
    elif residents.is_registered(resident):
        await show_menu(wizard, resident)
    elif resident is not None and resident.consent_at is not None:
        await wizard.go(Reg.name)
    else:
        await begin_registration(wizard, message.from_user)


@router.message(Command("language"))
async def language(message: Message, wizard: Wizard) -> None:
    """Show the language picker; the current step stays as it is."""
    await wizard.ask(Reg.language.state)


@router.callback_query(kb.LangCb.filter())
async def language_chosen(
    query: CallbackQuery, callback_data: kb.LangCb, wizard: Wizard, resident: Resident | None,
    session: AsyncSession, settings: Settings, i18n: I18n, bot: Bot,
) -> None:
    """Store the language and carry on in it."""
    code = callback_data.code if callback_data.code in kb.LANGUAGE_NAMES else settings.default_locale
    await wizard.state.update_data(locale=code)
    if resident is not None:
        residents.update(session, resident, locale=code)
    await query.answer()
    with i18n.use_locale(code):
        await set_chat_commands(bot, i18n, wizard.chat_id, code)
        await wizard.say(_("Language: {name}").format(name=kb.LANGUAGE_NAMES[code]))
        state = await wizard.at()
        if state == Reg.language.state:
            await wizard.go(Reg.consent)
        elif state is not None:
            await wizard.ask()
        elif residents.is_registered(resident):
            await show_menu(wizard, resident)
        else:
            await wizard.go(Reg.consent)


@router.message(Command("help"))
@router.message(Label(kb.MENU_HELP))
async def help_(message: Message, settings: Settings) -> None:
    """What the bot does, the commands, and the emergency numbers."""
    text = _(
        "This bot passes your requests to the social workers of your community.\n"
        "Choose «🛒 Food and supplies», «💊 Medicine» or «💬 Someone to talk to» in the menu, "
        "answer a few questions, and a social worker will take it. We tell you at every step.\n\n"
        "/requests: your requests\n/language: change the language\n/cancel: stop what you are doing\n"
        "/delete: delete your data"
    )
    await message.answer(text + "\n\n" + texts.emergency_numbers(settings.emergency_numbers))


@router.message(Command("cancel"))
@router.message(Label(kb.CANCEL))
async def cancel(message: Message, wizard: Wizard, resident: Resident | None) -> None:
    """Leave whatever step we are in; nothing half-filled is sent."""
    had_state = await wizard.at() is not None
    locale = (await wizard.data()).get("locale")
    await wizard.state.clear()
    if locale and resident is None:
        await wizard.state.update_data(locale=locale)
    text = _("Cancelled. Nothing was sent.") if had_state else _("There is nothing to cancel.")
    if residents.is_registered(resident):
        await show_menu(wizard, resident, text)
    else:
        await message.answer(text + "\n" + _("Send /start to begin."), reply_markup=ReplyKeyboardRemove())


@router.message(Label(kb.BACK))
async def back(message: Message, wizard: Wizard, resident: Resident | None) -> None:
    """One step back, or the menu when there is none."""
    if not await wizard.back():
        await cancel(message, wizard, resident)


@router.message(Command("delete"))
async def delete(message: Message, wizard: Wizard, resident: Resident | None, session: AsyncSession) -> None:
    """Ask before erasing the personal data of the resident, the volunteer, or both."""
    if (resident is None or resident.consent_at is None) and not await volunteers.is_volunteer(session, wizard.chat_id):
        await wizard.state.clear()  # a sign-up half-way keeps the name and phone typed so far: gone too
        await message.answer(_("We have no personal data of yours."), reply_markup=ReplyKeyboardRemove())
        return
    await ask_delete(wizard, resident, session)


def delete_options() -> list[tuple[str, str]]:
    """Erase or keep."""
    return [("yes", _("Yes, delete my data")), ("no", _("No, keep it"))]


async def ask_delete(wizard: Wizard, resident: Resident | None, session: AsyncSession) -> None:
    """Are you sure? (a typed yes or no answers it too: handlers.fallback). In a private chat the chat's id
    (`wizard.chat_id`) is the person's Telegram user id, which is how a volunteer is found."""
    await asked(wizard.state, ASKED_DELETE)
    questions = []
    if resident is not None and resident.consent_at is not None:
        questions.append(_("Delete your name, phone, address and the details of your requests? Open requests will be "
                           "cancelled."))
    if await volunteers.is_volunteer(session, wizard.chat_id):
        questions.append(_("Delete your name, phone and volunteer record? Deliveries you have taken go back to the "
                           "social workers."))
    await wizard.say(
        "\n".join(questions) or _("We have no personal data of yours."),
        reply_markup=kb.choices(kb.DeleteCb, delete_options(), back=False),
    )


@router.callback_query(kb.DeleteCb.filter())
async def delete_answer(
    query: CallbackQuery, callback_data: kb.DeleteCb, wizard: Wizard, resident: Resident | None,
    session: AsyncSession, notifier: Notifier,
) -> None:
    """Erase, or keep."""
    await query.answer()
    await delete_chosen(wizard, resident, session, notifier, callback_data.v.value)


async def delete_chosen(
    wizard: Wizard, resident: Resident | None, session: AsyncSession, notifier: Notifier, value: str,
) -> None:
    """«yes» (pressed or typed) erases the resident's personal data; anything else keeps it."""
    await asked(wizard.state, None)
    volunteer = await volunteers.is_volunteer(session, wizard.chat_id)
    if value != "yes" or (resident is None and not volunteer):
        await wizard.say(_("Nothing was deleted."))
        return
    told = await residents.erase(session, resident) if resident is not None else []
    await notifier.tell([*told, *await volunteers.erase(session, wizard.chat_id, clock.now())])
    await wizard.state.clear()
    await wizard.say(
        _("Your personal data has been deleted. Send /start if you need help again."),
        reply_markup=ReplyKeyboardRemove(),
    )
