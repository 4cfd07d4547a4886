"""The report's chart as a PNG: requests per day stacked by outcome, and the distribution of the time
to claim. matplotlib with the Agg backend (no display); labels in the chat's language when a font that
has their script is installed (Chinese needs a CJK font, e.g. Debian's fonts-noto-cjk), otherwise
language-neutral labels, with one warning in the log."""

from __future__ import annotations

import io
import logging
import threading
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

from aiogram.utils.i18n import gettext as _  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from bot.services.reports import CLAIM_BINS_MINUTES, OUTCOMES, Report  # noqa: E402
from bot.ui.i18n import N_  # noqa: E402

log = logging.getLogger(__name__)

#: Families that cover Chinese (and Cyrillic), best first.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Noto Sans CJK TC", "Noto Sans CJK JP", "Droid Sans Fallback", "AR PL UMing CN",
    "Noto Serif CJK SC",
)
#: Bar colours of the outcomes (colour-blind safe), bottom to top.
COLOURS = {"done": "#009E73", "failed": "#D55E00", "cancelled": "#999999", "open": "#E69F00"}
OUTCOME_LABELS = {"done": N_("done"), "failed": N_("can't fulfil"), "cancelled": N_("cancelled"),
                  "open": N_("still open")}
#: Legend of the language-neutral chart.
NEUTRAL_LABELS = {"done": "✓", "failed": "✗", "cancelled": "⊘", "open": "…"}
_lock = threading.Lock()  # matplotlib's font cache is not thread-safe
_warned = False


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed font that has Chinese, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def needs_cjk(locale: str) -> bool:
    """Whether the locale's labels are in a CJK script."""
    return locale.startswith(("zh", "ja", "ko"))


def _warn_once() -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning("No CJK font found (install fonts-noto-cjk): report charts for Chinese chats are drawn "
                    "with language-neutral labels")


def bin_labels() -> list[str]:
    """'0–5', '5–15', …, '480+' (minutes)."""
    edges = (0, *CLAIM_BINS_MINUTES)
    return [f"{a}–{b}" for a, b in zip(edges, edges[1:])] + [f"{edges[-1]}+"]


def render_png(report: Report, locale: str) -> bytes:
    """The chart of a report, as PNG bytes."""
    font = cjk_font()
    neutral = needs_cjk(locale) and font is None
    if neutral:
        _warn_once()
    with _lock:
        return _draw(report, font, neutral)


def _draw(report: Report, font: str | None, neutral: bool) -> bytes:
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": False}):
        fig = Figure(figsize=(10, 4.6), dpi=110, layout="constrained")
        days_ax, claim_ax = fig.subplots(1, 2, width_ratios=(3, 2))
        dates = report.day_dates
        xs = list(range(len(dates)))
        bottom = [0] * len(dates)
        for outcome in OUTCOMES:
            values = [day[outcome] for day in report.days]
            label = NEUTRAL_LABELS[outcome] if neutral else _(OUTCOME_LABELS[outcome])
            days_ax.bar(xs, values, bottom=bottom, color=COLOURS[outcome], label=label, width=0.8)
            bottom = [b + v for b, v in zip(bottom, values)]
        step = max(1, len(dates) // 10)
        days_ax.set_xticks(xs[::step], [d.strftime("%m-%d") for d in dates[::step]])
        days_ax.set_xlim(-0.6, len(dates) - 0.4)
        days_ax.yaxis.get_major_locator().set_params(integer=True)
        fig.legend(*days_ax.get_legend_handles_labels(), loc="outside lower left", fontsize=9, frameon=False, ncols=4)
        days_ax.set_ylim(0, max([*bottom, 1]) * 1.05)
        days_ax.spines[["top", "right"]].set_visible(False)
        claim_ax.bar(range(len(report.claim_histogram)), report.claim_histogram, color="#0072B2", width=0.8)
        claim_ax.set_xticks(range(len(report.claim_histogram)), bin_labels(), rotation=35, fontsize=8)
        claim_ax.yaxis.get_major_locator().set_params(integer=True)
        claim_ax.spines[["top", "right"]].set_visible(False)
        if neutral:
            claim_ax.set_xlabel("min")
        else:
            days_ax.set_title(_("Requests per day, by outcome"), fontsize=11)
            claim_ax.set_title(_("Time to claim"), fontsize=11)
            claim_ax.set_xlabel(_("minutes"))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    return buffer.getvalue()
