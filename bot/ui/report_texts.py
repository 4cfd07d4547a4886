"""The report as the chat reads it: every number in the chat's language (babel's digit grouping and
decimal sign), every count with its plural form."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from babel.numbers import format_decimal, format_percent

from bot.core.config import Settings
from bot.services.reports import Counts, Report
from bot.ui import texts
from bot.ui.i18n import ngettext
from db.models import Request, RequestKind, Urgency

#: Telegram's limit for one message's text.
MESSAGE_LIMIT = 4096


def num(n: int | float, locale: str) -> str:
    """A count in the locale's digits and grouping (ru/uk: 1 234, zh: 1,234)."""
    return format_decimal(n, locale=locale)


def percent(value: float | None, locale: str) -> str:
    """A share as a percentage with one decimal, or — when there is none."""
    return format_percent(value, format="#,##0.0%", locale=locale) if value is not None else "—"


def duration(seconds: float | None, locale: str) -> str:
    """Minutes below two hours, hours (whole) above; — when there is none."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 120:
        return ngettext("{n} minute", "{n} minutes", minutes).format(n=num(minutes, locale))
    hours = round(seconds / 3600)
    return ngettext("{n} hour", "{n} hours", hours).format(n=num(hours, locale))


def district_title(settings: Settings, code: str, name: str, locale: str) -> str:
    """A district's name in the locale, escaped."""
    conf = settings.district(code)
    return texts.q(conf.title(locale) if conf else name, 60)


def outcome_line(counts: Counts, locale: str) -> str:
    """claimed · done · can't fulfil · cancelled · still open."""
    return _("claimed {claimed} · done {done} · can't fulfil {failed} · cancelled {cancelled} · still open {open}").format(
        claimed=num(counts.claimed, locale), done=num(counts.done, locale), failed=num(counts.failed, locale),
        cancelled=num(counts.cancelled, locale), open=num(counts.open, locale))


def short_line(counts: Counts, locale: str) -> str:
    """filed · done · still open · rate, for one kind or district."""
    return _("filed {filed} · done {done} · still open {open} · fulfilled {rate}").format(
        filed=num(counts.filed, locale), done=num(counts.done, locale), open=num(counts.open, locale),
        rate=percent(counts.rate, locale))


def title(report: Report, settings: Settings, locale: str) -> str:
    """The heading: the period and what it covers."""
    period = report.period
    when = period.first.isoformat() if period.days == 1 else f"{period.first.isoformat()} – {period.last.isoformat()}"
    if report.scope.everything:
        where = _("all districts") if len(report.scope.districts) != 1 else district_title(
            settings, report.scope.districts[0].code, report.scope.districts[0].name, locale)
    else:
        where = ", ".join(district_title(settings, d.code, d.name, locale) for d in report.scope.districts)
    return _("<b>Report {period}</b> · {where}").format(period=when, where=where)


def render(report: Report, settings: Settings, locale: str) -> list[str]:
    """The report as one or more messages, each within Telegram's limit."""
    t = report.totals
    lines = [
        title(report, settings, locale),
        ngettext("{n} request filed", "{n} requests filed", t.filed).format(n=num(t.filed, locale)),
        outcome_line(t, locale),
        _("Fulfilment rate (done among those filed and not cancelled): {rate}").format(rate=percent(t.rate, locale)),
        _("Time to claim: median {median}, 90% within {p90}").format(
            median=duration(report.claim_median, locale), p90=duration(report.claim_p90, locale)),
        _("Time to done: median {median}, 90% within {p90}").format(
            median=duration(report.done_median, locale), p90=duration(report.done_p90, locale)),
        ngettext("SLA: {n} request was claimed late or is still waiting past the escalation time",
                 "SLA: {n} requests were claimed late or are still waiting past the escalation time",
                 t.breached).format(n=num(t.breached, locale)),
        "",
        _("<b>By kind</b>"),
    ]
    for kind in RequestKind:
        counts = report.by_kind.get(kind.value)
        if counts is not None and counts.filed:
            lines.append(f"{texts.kind_label(kind)}: {short_line(counts, locale)}")
    if len(report.scope.districts) > 1:
        lines += ["", _("<b>By district</b>")]
        for district in report.scope.districts:
            counts = report.by_district.get(district.id or 0, Counts())
            lines.append(f"{district_title(settings, district.code, district.name, locale)}: {short_line(counts, locale)}")
    mean = report.rating_mean
    lines += [
        "",
        _("<b>Ratings</b>"),
        (ngettext("mean {mean} from {n} rating", "mean {mean} from {n} ratings", report.rating_count).format(
            mean=format_decimal(round(mean, 1), format="0.0", locale=locale), n=num(report.rating_count, locale))
         if mean is not None else _("no ratings yet")),
        ngettext("«not received»: {n} answer", "«not received»: {n} answers", report.not_received).format(
            n=num(report.not_received, locale)),
        "",
        _("<b>Check-ins</b>"),
    ]
    c = report.checkins
    lines.append(ngettext("{n} check-in asked", "{n} check-ins asked", c.asked).format(n=num(c.asked, locale)))
    lines.append(_("fine {fine} · not so well {not_well} · need help {help} · missed {missed} · escalated {escalated} · "
                   "unreachable {unreachable} · not answered yet {pending}").format(
        fine=num(c.fine, locale), not_well=num(c.not_well, locale), help=num(c.help, locale),
        missed=num(c.missed, locale), escalated=num(c.escalated, locale), unreachable=num(c.unreachable, locale),
        pending=num(c.pending, locale)))
    v = report.volunteers
    if v.handed:
        lines += ["", _("<b>Volunteers</b>"),
                  ngettext("{n} delivery handed to volunteers", "{n} deliveries handed to volunteers", v.handed).format(
                      n=num(v.handed, locale)),
                  _("delivered {delivered} · back with the worker {back} · in progress {open} · volunteers who took one "
                    "{people}").format(delivered=num(v.delivered, locale), back=num(v.not_delivered, locale),
                                       open=num(v.open, locale), people=num(v.volunteers, locale))]
    n = report.notices
    lines += [
        "",
        _("<b>Official notices</b>"),
        ngettext("{n} notice sent", "{n} notices sent", n.sent).format(n=num(n.sent, locale)) + " · "
        + ngettext("reached {n} recipient", "reached {n} recipients", n.reached).format(n=num(n.reached, locale))
        + " · " + ngettext("{n} unreachable", "{n} unreachable", n.unreachable).format(n=num(n.unreachable, locale)),
    ]
    if report.busiest:
        lines += ["", _("<b>Busiest workers</b>")]
        for name, claimed, done in report.busiest:
            lines.append(_("{name}: claimed {claimed} · done {done}").format(
                name=texts.q(name, 60), claimed=num(claimed, locale), done=num(done, locale)))
    return split_messages(lines)


def split_messages(lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Lines joined into messages of at most `limit` characters, never splitting a line (a line longer
    than the limit is cut)."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line if len(line) <= limit else line[: limit - 1] + "…"
        extra = len(line) + (1 if current else 0)
        if current and size + extra > limit:
            messages.append("\n".join(current).strip("\n"))
            current, size = [], 0
            extra = len(line)
        current.append(line)
        size += extra
    if current:
        messages.append("\n".join(current).strip("\n"))
    return [m for m in messages if m]


def morning_summary(total: int, rows: list[Request], locale: str, tz: str) -> list[str]:
    """The morning summary: how many requests from before today are still open, and the first of them."""
    if not total:
        return [_("☀️ Nothing is left open from before today. 🎉")]
    lines = [ngettext("☀️ Still open from before today: {n} request", "☀️ Still open from before today: {n} requests",
                      total).format(n=num(total, locale))]
    for request in rows:
        urgent = "🔴 " if request.urgency == Urgency.URGENT else ""
        lines.append(f"{urgent}<b>{texts.number(request.id or 0)}</b> {texts.kind_label(request.kind)} · "
                     f"{texts.status_label(request.status)} · {texts.fmt_when(request.created_at, locale, tz)}")
    if total > len(rows):
        lines.append(_("… and {n} more: /open lists them all.").format(n=num(total - len(rows), locale)))
    return split_messages(lines)


def weekly_heading() -> str:
    """The line above the weekly report."""
    return _("🗓 Weekly report")
