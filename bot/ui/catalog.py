"""Maintainer commands for the catalogues: extract messages.pot and merge it into each language of LOCALES."""

from __future__ import annotations

from pathlib import Path

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


def update(directory: Path = LOCALES_DIR) -> None:
    """Merge messages.pot into each catalogue of LOCALES; a language just added to LOCALES gets its
    catalogue here, initialised from messages.pot with its plural forms (docs/languages.md)."""
    pot = directory / f"{DOMAIN}.pot"
    for locale in LOCALES:
        po = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        action = "update" if po.exists() else "init"
        CommandLineInterface().run([
            "pybabel", "-q", action, "-i", str(pot), "-d", str(directory), "-l", locale, "-D", DOMAIN,
            *(["--no-fuzzy-matching", "--ignore-obsolete"] if action == "update" else []),
        ])


if __name__ == "__main__":
    extract()
    update()
