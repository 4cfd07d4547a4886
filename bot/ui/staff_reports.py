"""The staff chat's lists and numbers in words: /open, /mine, /stats, /checkins (bot.services.staff_queries
gives the rows and the numbers). Called inside the chat's locale."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.utils.i18n import gettext as _

from bot.core.config import Settings
from bot.services.staff_queries import DayStats, DistrictRoll, OpenPage
from bot.ui import texts
from bot.ui.i18n import ngettext
from db.models import Request, Urgency


def line(request: Request, locale: str, tz: str) -> str:
    """One request in a staff list."""
    urgent = "🔴 " if request.urgency == Urgency.URGENT else ""
    when = texts.fmt_when(request.created_at, locale, tz)
    return f"{urgent}<b>{texts.number(request.id or 0)}</b> {texts.kind_label(request.kind)} · {texts.status_label(request.status)} · {when}"


def open_page(listing: OpenPage, locale: str, tz: str) -> str:
    """/open: the total, one page of requests, and which page it is."""
    if not listing.total:
        return _("No open requests. 🎉")
    head = ngettext("{n} open request:", "{n} open requests:", listing.total).format(n=listing.total)
    lines = [head, *(line(r, locale, tz) for r in listing.rows)]
    if listing.pages > 1:
        lines.append(_("Page {page} of {pages}").format(page=listing.page + 1, pages=listing.pages))
    return "\n".join(lines)


def mine(rows: Sequence[Request], locale: str, tz: str) -> str:
    """/mine: what the worker has in hand."""
    if not rows:
        return _("You have no requests in progress.")
    head = ngettext("You have {n} request in progress:", "You have {n} requests in progress:", len(rows)).format(n=len(rows))
    return "\n".join([head, *(line(r, locale, tz) for r in rows)])


def day_stats(stats: DayStats) -> str:
    """/stats: today's new, claimed, done, cancelled, and the median time to claim."""
    median = stats.median_claim_minutes
    return "\n".join([
        _("<b>Today</b>"),
        _("New: {n}").format(n=stats.new),
        _("Claimed: {n}").format(n=stats.claimed),
        _("Done: {n}").format(n=stats.done),
        _("Cancelled: {n}").format(n=stats.cancelled),
        _("Median time to claim: {value}").format(
            value=ngettext("{n} minute", "{n} minutes", median).format(n=median) if median is not None else "—"
        ),
    ])


def checkin_roll(roll: Sequence[DistrictRoll], settings: Settings, locale: str) -> str:
    """/checkins: today's roll per district, with the flags of those who need attention."""
    lines = [_("<b>Check-ins today</b>")]
    for district in roll:
        conf = settings.district(district.district.code)
        title = texts.q(conf.title(locale) if conf else district.district.name, 60)
        lines.append(_(
            "{district}: fine {fine} · not so well {not_well} · need help {help} · no answer yet {pending} · "
            "escalated {escalated} · paused {paused}"
        ).format(district=title, paused=district.paused, **district.counts))
        by_flag = flag_counts(district.flags, settings)
        if by_flag:
            lines.append(_("↳ not well, need help or escalated: {flags}").format(flags=by_flag))
    return "\n".join(lines)


def flag_counts(counts: dict[str, int], settings: Settings) -> str:
    """'独居 2 · 低保/低收入/特困 1' ("" when none has any flag)."""
    return " · ".join(f"{texts.flag_label(code, settings.vulnerability_flags)} {n}" for code, n in counts.items())
