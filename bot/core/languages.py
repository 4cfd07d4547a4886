"""The languages the bot speaks: the one line a new language adds (see docs/languages.md).

Everything else follows from this tuple and the catalogue locales/<code>/LC_MESSAGES/messages.po:
the language guess from Telegram's language_code, the /language picker (each language named in itself
by Babel), the command menus, the /chatlang codes, DEFAULT_LOCALE and STAFF_LOCALE, and the
catalogue tools. Kept apart from config.py so the pure domain can read it without pydantic.
"""

LOCALES: tuple[str, ...] = ("zh", "ru", "uk")
