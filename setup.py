"""Build step of the wheel: the gettext catalogues are compiled into the package (bot/locales/*.mo).

Everything else about the package is declared in pyproject.toml. An installed bot reads its catalogues
from there and never writes into its install folder; a source checkout compiles locales/*.po on start.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "locales"


class BuildWithCatalogues(build_py):
    """build_py, plus locales/<lang>/LC_MESSAGES/messages.po compiled to bot/locales/.../messages.mo."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the source tree's catalogues
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        target = Path(self.build_lib) / "bot" / "locales"
        for po_path in sorted(SOURCE.glob("*/LC_MESSAGES/messages.po")):
            mo_path = (target / po_path.relative_to(SOURCE)).with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parent.parent.name)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)


setup(cmdclass={"build_py": BuildWithCatalogues})
