"""The labelled danger corpus (bench/danger_corpus) meets the targets in every language: recall of
crisis sentences (UNSURE or DANGER) at least 0.95, false alarms on safe sentences (UNSURE or DANGER)
at most 0.03. The held-out files are measured by bench/danger_eval.py and reported in the README,
not asserted: they exist to show what the tuned rules miss."""

from __future__ import annotations

import pytest

from bench.danger_eval import CORPUS, FALSE_ALARM_TARGET, LANGUAGES, RECALL_TARGET, read, score_file


@pytest.mark.parametrize("language", LANGUAGES)
def test_corpus_is_large_enough(language: str) -> None:
    """At least 150 crisis and 150 safe sentences per language, none repeated."""
    pairs = read(CORPUS / f"{language}.tsv")
    crisis = [s for label, s in pairs if label == "crisis"]
    safe = [s for label, s in pairs if label == "safe"]
    assert len(crisis) >= 150 and len(safe) >= 150
    assert len(set(crisis)) == len(crisis) and len(set(safe)) == len(safe)


@pytest.mark.parametrize("language", LANGUAGES)
def test_recall_and_false_alarms_meet_the_targets(language: str) -> None:
    """Recall ≥ 0.95 and false alarms ≤ 0.03 on the tuning corpus."""
    score = score_file(language)
    assert score.recall >= RECALL_TARGET, f"recall {score.recall:.3f}; missed: {score.misses}"
    assert score.false_alarm_rate <= FALSE_ALARM_TARGET, (
        f"false alarms {score.false_alarm_rate:.3f}: {score.false_alarms}")
