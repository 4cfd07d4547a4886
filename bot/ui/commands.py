"""The command menu (setMyCommands), per language and per chat."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n

from bot.core.config import LOCALES
from bot.ui.i18n import N_

RESIDENT_COMMANDS = {
    "start": N_("Main menu"),
    "requests": N_("My requests"),
    "language": N_("Change language"),
    "help": N_("Help and emergency numbers"),
    "cancel": N_("Stop what I am doing"),
    "notices": N_("Official notices on or off"),
    "delete": N_("Delete my data"),
}


def resident_commands(i18n: I18n, locale: str) -> list[BotCommand]:
    """The resident's commands in one locale."""
    return [BotCommand(command=c, description=i18n.gettext(d, locale=locale)) for c, d in RESIDENT_COMMANDS.items()]


async def set_default_commands(bot: Bot, i18n: I18n, default_locale: str) -> None:
    """One menu per supported language, and the default language for everyone else."""
    for locale in LOCALES:
        await bot.set_my_commands(resident_commands(i18n, locale), scope=BotCommandScopeDefault(), language_code=locale)
    await bot.set_my_commands(resident_commands(i18n, default_locale), scope=BotCommandScopeDefault())


async def set_chat_commands(bot: Bot, i18n: I18n, chat_id: int, locale: str) -> None:
    """A resident who chose a language gets the menu in it, whatever their Telegram app says."""
    await bot.set_my_commands(resident_commands(i18n, locale), scope=BotCommandScopeChat(chat_id=chat_id))
