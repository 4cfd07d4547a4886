"""bot.services.staff_queries returns rows and numbers; bot.ui.staff_reports puts them in words."""

from __future__ import annotations

from bot.domain.draft import Draft
from bot.services import requests, staff, staff_queries
from bot.ui import staff_reports
from bot.ui.i18n import build_i18n
from db.models import RequestKind, RequestStatus
from tests.unit.conftest import World

I18N = build_i18n("zh")


async def test_open_mine_and_stats_are_rows_and_numbers(world: World) -> None:
    chat = world.worker.chat_id
    async with world.sessions.begin() as session:
        empty = await staff_queries.open_list(session, world.settings, chat)
        ids = []
        for n in range(3):
            data = Draft(kind=RequestKind.SUPPLIES, draft_key=f"d{n}", items=[("米", "1")], raw_items="米", address="1号")
            ids.append((await requests.submit(session, I18N, world.settings, world.resident, data)).request.id)
        await staff.claim(session, world.settings, world.worker, ids[0] or 0, chat)
        await staff.progress(session, world.settings, world.worker, ids[0] or 0, chat, RequestStatus.DONE)
        await staff.claim(session, world.settings, world.worker, ids[1] or 0, chat)
    assert (empty.rows, empty.total, empty.page, empty.pages) == ([], 0, 0, 1)
    async with world.sessions() as session:
        listing = await staff_queries.open_list(session, world.settings, chat, page=5)
        mine = await staff_queries.mine(session, world.worker)
        stats = await staff_queries.stats(session, world.settings, chat)
    assert listing.total == 2 and listing.page == 0 and sorted(r.id for r in listing.rows) == sorted(ids[1:])
    assert [r.id for r in mine] == [ids[1]]
    assert (stats.new, stats.claimed, stats.done, stats.cancelled) == (3, 2, 1, 0)
    assert stats.median_claim_minutes == 0
    with I18N.context():
        text = staff_reports.day_stats(stats)
        assert "3" in text and staff_reports.open_page(empty, "zh", world.settings.timezone) == I18N.gettext("No open requests. 🎉")


def test_flag_counts_follow_the_configured_order(world: World) -> None:
    rows = [(1, ["over_65"], ["veteran", "made_up"], 2), (1, ["lives_alone", "over_65"], [], 1)]
    counts = staff_queries.flag_counts(rows, world.settings)
    assert list(counts.items()) == [("lives_alone", 1), ("over_65", 3), ("veteran", 2), ("made_up", 2)]
