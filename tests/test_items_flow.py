"""End to end: a shopping list with connectors reaches the resident's review with each quantity on its own item."""

from __future__ import annotations

import pytest

from tests.conftest import Harness
from tests.helpers import ITEMS_PROMPT, MENU, REVIEW_PROMPT, head, register, catalog_text, visible_text


@pytest.mark.parametrize(
    ("locale", "text", "lines"),
    [
        # Issue #10.5: «купите 1 кг и сметану» became «и сметану — 1 кг».
        ("ru", "купите 1 кг и сметану", "1. 1 кг\n2. сметану"),
        ("ru", "Купите, пожалуйста, сметану 1 кг и хлеб", "1. сметану — 1 кг\n2. хлеб"),
        ("uk", "купіть хліб та 2 кг цукру", "1. хліб\n2. цукру — 2 кг"),
        ("zh", "帮我买2斤青菜和豆腐", "1. 青菜 — 2斤\n2. 豆腐"),
    ],
)
async def test_review_shows_each_quantity_on_its_own_item(harness: Harness, locale: str, text: str, lines: str) -> None:
    """The review the resident is asked to confirm lists the items as they meant them."""
    user = await register(harness, locale)
    await user.tap(catalog_text(locale, MENU["supplies"]))
    await user.expect(visible_text(locale, ITEMS_PROMPT))
    await user.send(text)
    review = await user.expect(head(locale, REVIEW_PROMPT))
    assert lines + "\n\n" in review.text
