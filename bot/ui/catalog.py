"""Maintainer commands for the catalogues: extract messages.pot and merge it into zh/ru/uk."""

from __future__ import annotations

from babel.messages.frontend import CommandLineInterface

from bot.core.config import LOCALES
from bot.ui.i18n import DOMAIN, LOCALES_DIR

ROOT = LOCALES_DIR.parent
POT = LOCALES_DIR / f"{DOMAIN}.pot"


def extract() -> None:
    """Collect every translatable string of bot/ and handlers/ into messages.pot."""
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(POT),
        "--no-location", "--sort-output", "--omit-header", "-k", "N_", str(ROOT),
    ])


def update() -> None:
    """Merge messages.pot into each catalogue (new locales are initialised)."""
    for locale in LOCALES:
        po = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        action = "update" if po.exists() else "init"
        CommandLineInterface().run([
            "pybabel", "-q", action, "-i", str(POT), "-d", str(LOCALES_DIR), "-l", locale, "-D", DOMAIN,
            *(["--no-fuzzy-matching", "--ignore-obsolete"] if action == "update" else []),
        ])


if __name__ == "__main__":
    extract()
    update()
