"""Recall and false-alarm rate of the danger detector on the labelled corpus, per language.

    python -m bench.danger_eval                # the tuning corpus and the held-out corpus
    python -m bench.danger_eval --show-errors  # also list the misses and false alarms

The corpus is bench/danger_corpus/{zh,ru,uk}.tsv (written to tune the rules) and
bench/danger_corpus/{zh,ru,uk}_heldout.tsv (written after the tuning and not used for it); each line
is `crisis<TAB>sentence` or `safe<TAB>sentence`.

Definitions (bot.domain.danger.assess):
- recall: the share of crisis sentences at UNSURE or DANGER (UNSURE asks "Are you safe right now?");
- false alarm: a safe sentence at UNSURE or DANGER, of either kind (self-harm or medical);
  false-alarm rate: their share of the safe sentences. UNSURE and DANGER false alarms are also counted
  apart.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.danger import Level, assess, warm_up

CORPUS = Path(__file__).parent / "danger_corpus"
LANGUAGES = ("zh", "ru", "uk")
RECALL_TARGET = 0.95
FALSE_ALARM_TARGET = 0.03


def read(path: Path) -> list[tuple[str, str]]:
    """(label, sentence) pairs of a corpus file; ValueError on a line that is not one."""
    pairs = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, sentence = line.partition("\t")
        if label not in {"crisis", "safe"} or not sentence.strip():
            raise ValueError(f"{path.name}:{number}: expected 'crisis|safe<TAB>sentence'")
        pairs.append((label, sentence.strip()))
    return pairs


@dataclass
class Score:
    """Counts for one language and one corpus file."""

    crisis: int = 0
    caught: int = 0  # crisis at UNSURE or DANGER
    caught_unsure: int = 0
    safe: int = 0
    alarms_unsure: int = 0
    alarms_danger: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of crisis sentences detected (UNSURE or DANGER)."""
        return self.caught / self.crisis if self.crisis else 1.0

    @property
    def false_alarm_rate(self) -> float:
        """Share of safe sentences flagged (UNSURE or DANGER)."""
        return (self.alarms_unsure + self.alarms_danger) / self.safe if self.safe else 0.0


def evaluate(pairs: list[tuple[str, str]]) -> Score:
    """Run the detector over the pairs."""
    score = Score()
    for label, sentence in pairs:
        found = assess(sentence)
        if label == "crisis":
            score.crisis += 1
            if found.level >= Level.UNSURE:
                score.caught += 1
                score.caught_unsure += found.level == Level.UNSURE
            else:
                score.misses.append(sentence)
        else:
            score.safe += 1
            if found.level == Level.UNSURE:
                score.alarms_unsure += 1
            elif found.level == Level.DANGER:
                score.alarms_danger += 1
            if found.level >= Level.UNSURE:
                score.false_alarms.append(f"{found.level.name} {','.join(found.signals)}: {sentence}")
    return score


def score_file(language: str, heldout: bool = False) -> Score:
    """The score of one language's tuning or held-out corpus."""
    return evaluate(read(CORPUS / (f"{language}_heldout.tsv" if heldout else f"{language}.tsv")))


def main() -> None:
    """Print the table (and the errors with --show-errors)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    warm_up()
    print(f"dictionaries and segmenter loaded in {time.perf_counter() - started:.2f} s")
    print("| corpus | crisis | recall (UNSURE of them) | safe | false alarms (UNSURE + DANGER) |")
    print("|---|---|---|---|---|")
    sentences, started = 0, time.perf_counter()
    for heldout in (False, True):
        for language in LANGUAGES:
            score = score_file(language, heldout)
            sentences += score.crisis + score.safe
            name = f"{language}{' held-out' if heldout else ''}"
            print(f"| {name} | {score.crisis} | **{score.recall:.3f}** ({score.caught_unsure}) | {score.safe} | "
                  f"**{score.false_alarm_rate:.3f}** ({score.alarms_unsure} + {score.alarms_danger}) |")
            if args.show_errors:
                for miss in score.misses:
                    print(f"    MISS {miss}")
                for alarm in score.false_alarms:
                    print(f"    FALSE {alarm}")
    took = time.perf_counter() - started
    print(f"{sentences} sentences in {took:.2f} s ({1000 * took / max(sentences, 1):.2f} ms each); "
          f"targets: recall >= {RECALL_TARGET}, false alarms <= {FALSE_ALARM_TARGET}")


if __name__ == "__main__":
    main()
