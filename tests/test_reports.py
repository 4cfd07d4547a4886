"""/report in the staff group, through the real bot and the fake Bot API: the figures as the chat reads them
(worked out by hand below), in the chat's language with its plurals, the chart as an uploaded photo, and who
may see which districts. The chart itself: no missing glyph with a CJK font, a language-neutral one without."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta

import pytest

from bot.core import clock
from bot.services import reports
from bot.ui import charts
from db.models import Outbox, Staff
from sqlmodel import col, select
from tests.conftest import COORDINATOR_ID, SECOND_CHAT, STAFF_CHAT, Harness
from tests.helpers import catalog_plural, catalog_text, seen, staff_messages, visible_text
from tests.test_staff import card_of, file_request, join
from tests.test_staff_ops import file_more

PNG = b"\x89PNG\r\n\x1a\n"
CLAIMED_LINE = "claimed {claimed} · done {done} · can't fulfil {failed} · cancelled {cancelled} · still open {open}"
RATE = "Fulfilment rate (done among those filed and not cancelled): {rate}"
CLAIM_TIMES = "Time to claim: median {median}, 90% within {p90}"
DONE_TIMES = "Time to done: median {median}, 90% within {p90}"
FILED = ("{n} request filed", "{n} requests filed")
MINUTES = ("{n} minute", "{n} minutes")
SLA = ("SLA: {n} request was claimed late or is still waiting past the escalation time",
       "SLA: {n} requests were claimed late or are still waiting past the escalation time")


def file_bytes(harness: Harness, file_id: str | None) -> bytes:
    """What the bot uploaded under a file_id."""
    return harness.fake.file_contents[harness.fake.files[file_id or ""]["file_path"]]


def report_messages(harness: Harness, chat_id: int = STAFF_CHAT, since: int = 0) -> tuple[list[str], list]:  # type: ignore[type-arg]
    """The texts and the photos the bot sent to a chat after message number `since`."""
    sent = staff_messages(harness, chat_id)[since:]
    return [m.text for m in sent if not m.is_photo], [m for m in sent if m.is_photo]


async def test_report_of_a_week_in_zh_then_ru(harness: Harness) -> None:
    """Two requests: one claimed after 12 minutes and done 30 minutes later, one still open. /report week
    shows 2 filed, 1 claimed, 1 done, 1 open, 50%, 12 minutes to claim, 42 to done; then the chart as a
    photo (a PNG the bot uploaded through the outbox, its bytes dropped from the row once sent). After
    /chatlang ru the same in Russian, with the plural of 2 («заявки»)."""
    coordinator = await join(harness, COORDINATOR_ID, "主任", private=False)
    worker = await join(harness, 5001, "王社工", private=False)
    resident, first = await file_request(harness, "zh")
    second = await file_more(harness, resident, "zh", "牛奶 2盒")
    clock.advance(timedelta(minutes=12))
    await worker.press(f"№{first.id}", message=card_of(harness, first))
    await harness.drain()
    clock.advance(timedelta(minutes=30))
    await worker.press(catalog_text("zh", "✅ Done"), message=card_of(harness, first))
    await harness.drain()
    assert second.id is not None

    before = len(staff_messages(harness, STAFF_CHAT))
    await coordinator.send_command("/report week")
    await harness.drain()
    texts, photos = report_messages(harness, since=before)
    assert len(texts) == 1 and len(photos) == 1
    lines = texts[0].split("\n")
    assert lines[0].endswith(" · " + catalog_text("zh", "all districts"))
    assert lines[1:7] == [
        catalog_plural("zh", *FILED, 2),
        visible_text("zh", CLAIMED_LINE, claimed=1, done=1, failed=0, cancelled=0, open=1),
        visible_text("zh", RATE, rate="50.0%"),
        visible_text("zh", CLAIM_TIMES, median=catalog_plural("zh", *MINUTES, 12), p90=catalog_plural("zh", *MINUTES, 12)),
        visible_text("zh", DONE_TIMES, median=catalog_plural("zh", *MINUTES, 42), p90=catalog_plural("zh", *MINUTES, 42)),
        catalog_plural("zh", *SLA, 0),
    ]
    assert catalog_text("zh", "Food and supplies") + ": " in texts[0]
    assert visible_text("zh", "{name}: claimed {claimed} · done {done}", name="王社工", claimed=1, done=1) in lines
    photo = photos[0]
    assert photo.text == lines[0]  # the caption is the heading
    assert file_bytes(harness, photo.photo).startswith(PNG)
    assert staff_messages(harness, STAFF_CHAT)[-1] is photo  # after the text, as queued
    assert harness.app is not None
    async with harness.app.sessions() as session:
        uploads = (await session.exec(select(Outbox).where(col(Outbox.method) == "upload"))).all()
    assert [(u.status, u.payload["data"], u.payload["call"]) for u in uploads] == [("sent", "", "sendPhoto")]

    await coordinator.send_command("/chatlang ru")
    before = len(staff_messages(harness, STAFF_CHAT))
    await coordinator.send_command("/report week")
    await harness.drain()
    texts, photos = report_messages(harness, since=before)
    lines = texts[0].split("\n")
    assert lines[1] == "Подано 2 заявки" == catalog_plural("ru", *FILED, 2)
    assert lines[3] == visible_text("ru", RATE, rate="50,0%")
    assert lines[4] == visible_text("ru", CLAIM_TIMES, median="12 минут", p90="12 минут")
    assert len(photos) == 1 and file_bytes(harness, photos[0].photo).startswith(PNG)


async def test_who_sees_which_district(two_stations: Harness) -> None:
    """Presnensky's station: a worker there (not its coordinator) sees Presnensky and is refused another district; a coordinator of
    the main chat sees any district; nonsense arguments get the usage; someone not on the staff is refused."""
    h = two_stations
    coordinator = await join(h, COORDINATOR_ID, "主任", private=False)
    station_head = h.staff(6000, "Ольга", chat_id=SECOND_CHAT)
    await station_head.send_command("/join")  # the first to join a station's chat coordinates it
    await station_head.send_command("/chatlang ru")
    worker = h.staff(6001, "Олег", chat_id=SECOND_CHAT)
    await worker.send_command("/join")

    await worker.send_command("/report week xiayangtian")
    assert worker.last().text == visible_text("ru", "You can see the figures of your own district only.")  # type: ignore[union-attr]
    await worker.send_command("/report week")
    await h.drain()
    heading = [m for m in staff_messages(h, SECOND_CHAT) if not m.is_photo][-1].text.split("\n")[0]
    assert heading.endswith(" · Пресненский")  # the station's one district, by name (ru)
    await worker.send_command("/report yesterday-ish")
    assert worker.last().text.startswith(visible_text("ru", "Use: /report today, /report week, /report month or "  # type: ignore[union-attr]
                                                        "/report 2026-11-01 2026-11-30, optionally followed by a district "
                                                        "code (at most 366 days)."))

    await coordinator.send_command("/report month presnensky")
    await h.drain()
    heading = [m for m in staff_messages(h, STAFF_CHAT) if not m.is_photo][-1].text.split("\n")[0]
    assert heading.endswith(" · 普列斯尼亚区")

    # A worker of the main chat with a district of their own sees that district only.
    await join(h, 5002, "李社工", private=False)
    assert h.app is not None
    async with h.app.sessions() as session:
        from db.repo import districts
        fuqin = await districts.by_code(session, "fuqin")
        member = (await session.exec(select(Staff).where(Staff.tg_user_id == 5002))).one()
        member.district_id = fuqin.id if fuqin else None
        session.add(member)
        await session.commit()
    li = h.staff(5002, "李社工")
    await li.send_command("/report week xiayangtian")
    assert li.last().text == visible_text("zh", "You can see the figures of your own district only.")  # type: ignore[union-attr]
    await li.send_command("/report week")
    await h.drain()
    heading = [m for m in staff_messages(h, STAFF_CHAT) if not m.is_photo][-1].text.split("\n")[0]
    assert heading.endswith(" · 抚琴街道")

    stranger = h.staff(7001, "路人")
    await stranger.send_command("/report week")
    assert stranger.last().text == visible_text(  # type: ignore[union-attr]
        "zh", "Only registered staff can do this. Send /join in the staff group first.")


def sample_report(days: int = 7) -> reports.Report:
    """A report with some of everything, for the chart."""
    from datetime import date

    from bot.domain.periods import Period

    period = Period(date(2026, 11, 24), date(2026, 11, 24) + timedelta(days=days - 1))
    day = [{"done": 20 + 3 * (i % 4), "failed": i % 3, "cancelled": 1 + i % 2, "open": 5 - i % 5} for i in range(days)]
    return reports.Report(
        period=period, scope=reports.Scope([], True), totals=reports.Counts(), by_kind={}, by_district={},
        claim_median=None, claim_p90=None, done_median=None, done_p90=None, rating_sum=0, rating_count=0,
        not_received=0, checkins=reports.CheckinFigures(), busiest=[], days=day, claim_histogram=[14, 30, 22, 12, 6, 3, 1, 1],
    )


@pytest.mark.parametrize("locale", ["zh", "ru", "uk"])
def test_chart_has_every_glyph(locale: str) -> None:
    """With a CJK font installed, the chart in each language draws without a single missing-glyph warning."""
    if charts.cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-noto-cjk)")
    from tests.helpers import _catalogue

    with _catalogue().context(), _catalogue().use_locale(locale), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.render_png(sample_report(30), locale)
    assert png.startswith(PNG)
    missing = [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]
    assert missing == []


def test_chart_without_a_cjk_font(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """No CJK font: a Chinese chat's chart has language-neutral labels (no tofu boxes), and the log says so
    once, however many charts are drawn."""
    from tests.helpers import _catalogue

    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    monkeypatch.setattr(charts, "_warned", False)
    with _catalogue().context(), _catalogue().use_locale("zh"), warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        for _ in range(2):
            assert charts.render_png(sample_report(), "zh").startswith(PNG)
    assert [str(w.message) for w in caught if "Glyph" in str(w.message)] == []
    assert [r.getMessage() for r in caplog.records if r.name == charts.__name__] == [
        "No CJK font found (install fonts-noto-cjk): report charts for Chinese chats are drawn with language-neutral labels"
    ]
