"""My requests: the list with statuses, and cancelling an open one."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.config import Settings
from bot.ui import keyboards as kb
from bot.ui import texts
from bot.ui.flow import Wizard
from bot.ui.notify import Notifier
from bot.ui.screens import ASKED_CANCEL, asked, show_menu
from bot.ui.i18n import Label
from bot.services import requests, residents
from db.models import Resident
from handlers.start import begin_registration

router = Router(name="my_requests")


@router.message(Command("requests"))
@router.message(Label(kb.MENU_MY))
async def my_requests(
    message: Message, wizard: Wizard, resident: Resident | None, session: AsyncSession, settings: Settings,
) -> None:
    """List the resident's requests, open ones with a cancel button."""
    if not residents.is_registered(resident):
        await begin_registration(wizard, message.from_user)
        return
    assert resident is not None
    mine = await requests.of_resident(session, resident)
    tz = resident.timezone or settings.timezone
    text = texts.my_requests(mine, resident.locale, tz)
    await message.answer(text, reply_markup=kb.my_request_actions(requests.open_ids(mine)))


@router.callback_query(kb.MyReqCb.filter())
async def my_request_action(
    query: CallbackQuery, callback_data: kb.MyReqCb, wizard: Wizard, resident: Resident | None,
    session: AsyncSession, notifier: Notifier,
) -> None:
    """Ask before cancelling; cancel only the presser's own open request."""
    if resident is None:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    if callback_data.action is kb.MyAction.CANCEL:
        await query.answer()
        await ask_cancel(wizard, callback_data.id)
        return
    await asked(wizard.state, None)
    if callback_data.action is kb.MyAction.CANCEL_NO:
        await query.answer(_("The request stays open."))
    elif (cancelled := await requests.cancel(session, resident, callback_data.id)) is None:
        await query.answer(_("This request can no longer be cancelled."), show_alert=True)
    else:
        await notifier.tell(cancelled.told)
        await query.answer()
        await wizard.say(
            _("Request {number} is cancelled.").format(number=texts.number(callback_data.id))
        )


def cancel_options() -> list[tuple[str, str]]:
    """Cancel it or keep it (the labels of kb.cancel_confirm)."""
    return [("yes", _("Yes, cancel it")), ("no", _("No, keep it"))]


async def ask_cancel(wizard: Wizard, request_id: int) -> None:
    """Cancel request №N? (a typed yes or no answers it too: handlers.fallback)."""
    await asked(wizard.state, ASKED_CANCEL, request_id)
    await wizard.say(
        _("Cancel request {number}?").format(number=texts.number(request_id)),
        reply_markup=kb.cancel_confirm(request_id),
    )


async def cancel_chosen(
    request_id: int, value: str, wizard: Wizard, resident: Resident, session: AsyncSession, notifier: Notifier,
) -> None:
    """A typed yes cancels the resident's own open request; a no keeps it."""
    await asked(wizard.state, None)
    if value != "yes":
        await show_menu(wizard, resident, _("The request stays open."))
    elif (cancelled := await requests.cancel(session, resident, request_id)) is None:
        await show_menu(wizard, resident, _("This request can no longer be cancelled."))
    else:
        await notifier.tell(cancelled.told)
        await show_menu(wizard, resident, _("Request {number} is cancelled.").format(number=texts.number(request_id)))
