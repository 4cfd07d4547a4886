"""My details: see what is stored and change any of it."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.ui import flow
from bot.ui import keyboards as kb
from bot.ui import texts
from bot.ui.flow import Ctx
from bot.ui.i18n import Label
from bot.domain import flags as flag_rules
from bot.services import residents
from bot.domain.phones import format_phone
from bot.ui.states import Reg
from handlers.start import begin_registration

router = Router(name="profile")

FIELD_STEPS = {
    "name": Reg.name,
    "phone": Reg.phone,
    "address": Reg.address,
    "district": Reg.district,
    "flags": Reg.flags,
}


async def show_profile(ctx: Ctx, heading: str | None = None) -> None:
    """The resident's stored details with change buttons."""
    resident = ctx.resident
    assert resident is not None
    district = await residents.district_of(ctx.session, resident)
    locale = ctx.i18n.current_locale
    conf = ctx.settings.district(district.code) if district else None
    lines = [
        heading or _("<b>Your details</b>"),
        _("Name: {value}").format(value=texts.q(resident.name, 100)),
        _("Phone: {value}").format(value=format_phone(resident.phone) if resident.phone else "—"),
        _("Address: {address}").format(address=texts.q(resident.address, 300)),
        _("District: {district}").format(district=texts.q(conf.title(locale) if conf else "—", 100)),
        _("Situation: {flags}").format(flags=texts.flags_line(resident, ctx.settings.vulnerability_flags)),
        _("Language: {name}").format(name=kb.LANGUAGE_NAMES.get(resident.locale, resident.locale)),
    ]
    await ctx.bot.send_message(ctx.chat_id, "\n".join(lines), reply_markup=kb.profile())
    await ctx.bot.send_message(ctx.chat_id, _("The menu is below."), reply_markup=kb.main_menu())


@router.message(Label(kb.MENU_PROFILE))
async def profile(message: Message, ctx: Ctx) -> None:
    """Show the details."""
    if not residents.is_registered(ctx.resident):
        await begin_registration(ctx)
        return
    await ctx.state.clear()
    await show_profile(ctx)


@router.callback_query(kb.ProfileCb.filter())
async def change(query: CallbackQuery, callback_data: kb.ProfileCb, ctx: Ctx) -> None:
    """Ask just that one question again."""
    await query.answer()
    if not residents.is_registered(ctx.resident):
        return
    assert ctx.resident is not None
    if callback_data.field == "language":
        await flow.ask(ctx, Reg.language.state)
        return
    step = FIELD_STEPS.get(callback_data.field)
    if step is None:
        return
    flags = {code: True for code in flag_rules.codes_of(ctx.resident)}
    await ctx.state.clear()
    await ctx.state.update_data(editing=True, flags=flags)
    await flow.go(ctx, step)
