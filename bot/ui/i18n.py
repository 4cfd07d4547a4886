"""Gettext catalogues (compiled on start), the locale middleware and label matching."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiogram.filters import Filter
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.core.config import LOCALES
from bot.domain.locale import guess_locale
from db.repo.staff import chat_locale

#: The .po catalogues of a source checkout, compiled to .mo on start (development, `pip install -e .`).
SOURCE_LOCALES = Path(__file__).resolve().parents[2] / "locales"
#: The .mo catalogues compiled into an installed wheel when it was built (setup.py); nothing is written there.
PACKAGED_LOCALES = Path(__file__).resolve().parents[1] / "locales"
LOCALES_DIR = PACKAGED_LOCALES if PACKAGED_LOCALES.is_dir() else SOURCE_LOCALES
DOMAIN = "messages"


def compile_catalogs(path: Path | None = None) -> None:
    """Compile every .po into .mo when the .mo is missing or older, so users never run a tool.

    Every locales/<lang>/LC_MESSAGES/messages.po found is compiled and loaded, whether or not the
    language is in LOCALES yet: LOCALES decides which languages are offered and guessed."""
    for po_path in (path or LOCALES_DIR).glob(f"*/LC_MESSAGES/{DOMAIN}.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)


def build_i18n(default_locale: str) -> I18n:
    """Load the catalogues, compiling a source checkout's .po files first (a wheel ships them compiled)."""
    if LOCALES_DIR == SOURCE_LOCALES:
        compile_catalogs()
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


class LocaleMiddleware(I18nMiddleware):
    """Resident's stored locale, else the staff chat's, else a guess from Telegram, else default."""

    def __init__(self, i18n: I18n, staff_locale: str) -> None:
        super().__init__(i18n)
        self.staff_locale = staff_locale

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        """Pick the locale for this event."""
        chat = data.get("event_chat")
        if chat is not None and chat.type != "private":
            # Only inside the update's transaction: after it (aiogram's error event) there is none, and
            # a query would begin one that nobody ends.
            session = data.get("session")
            return (await chat_locale(session, chat.id) if session is not None else None) or self.staff_locale
        resident = data.get("resident")
        if resident is not None:
            return resident.locale
        state = data.get("state")
        chosen = (await state.get_data()).get("locale") if state is not None else None
        user = data.get("event_from_user")
        return chosen or guess_locale(user.language_code if user else None) or self.i18n.default_locale


def translations_of(i18n: I18n, msgid: str) -> frozenset[str]:
    """A message in every supported locale (and the source text)."""
    return frozenset({msgid, *(i18n.gettext(msgid, locale=loc) for loc in LOCALES)})


class Label(Filter):
    """Matches a reply-keyboard button's text in any language, so a stale keyboard still works."""

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    async def __call__(self, message: Message, i18n: I18n) -> bool:
        """Whether the message text is this label in some locale."""
        return bool(message.text) and message.text.strip() in translations_of(i18n, self.msgid)


def N_(msgid: str) -> str:
    """Mark a message for extraction; translated later where it is shown."""
    return msgid


def ngettext(singular: str, plural: str, n: int) -> str:
    """Plural-aware translation in the current locale (ru/uk have three forms, zh one)."""
    from aiogram.utils.i18n import gettext

    return gettext(singular, plural, n)
