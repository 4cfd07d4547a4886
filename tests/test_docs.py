"""The docs stand alone: every link in the project's Markdown points at a file inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: [text](target) and [text](target "title"); images too.
LINK_RE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
EXTERNAL = ("http://", "https://", "mailto:")


def markdown_files() -> list[Path]:
    """README.md and every Markdown file under docs/ and bench/."""
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "bench").rglob("*.md"))]
    return [f for f in files if f.exists()]


def broken_links(path: Path) -> list[str]:
    """Links of one file that leave the repository or name a file that is not there."""
    broken = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for target in LINK_RE.findall(line):
            if target.startswith(EXTERNAL) or target.startswith("#"):
                continue
            resolved = (path.parent / target.split("#", 1)[0]).resolve()
            if not resolved.is_relative_to(ROOT):
                broken.append(f"{path.name}:{number}: {target} leaves the repository")
            elif not resolved.exists():
                broken.append(f"{path.name}:{number}: {target} does not exist")
    return broken


def test_the_link_checker_sees_a_link_out_of_the_repository(tmp_path: Path) -> None:
    """The check itself: a link to ../shared and one to a missing file are both reported."""
    page = ROOT / "docs" / "__probe__.md"
    page.write_text("[a](../../shared/ARCHITECTURE.md) [b](missing.md) [c](https://example.org) [d](deployment.md)\n")
    try:
        assert broken_links(page) == [
            "__probe__.md:1: ../../shared/ARCHITECTURE.md leaves the repository",
            "__probe__.md:1: missing.md does not exist",
        ]
    finally:
        page.unlink()


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_inside_the_repository(path: Path) -> None:
    """A newcomer's clone has only the repository: no link may point outside it or at nothing."""
    assert broken_links(path) == []


def test_the_design_is_in_the_repository() -> None:
    """docs/architecture.md holds the design and the README links it."""
    assert (ROOT / "docs" / "architecture.md").exists()
    assert "(docs/architecture.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
