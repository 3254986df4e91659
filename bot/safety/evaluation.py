"""The labelled evaluation set (bot/safety/eval/): loading it and scoring a risk assessor on it.

``heldout.csv`` was written first and apart, in phrasings unlike the rest, and is never used to train
anything; ``heldout_fresh.csv``, ``heldout_third.csv``, ``heldout_fourth.csv`` and ``heldout_fifth.csv`` were each written after
the previous held-out run and committed before being run, to get clean first-contact figures (docs/clinical-safety.md
records every first run and what was changed after it). ``messages.csv`` holds the ``train`` split
(the classifier learns from it) and the ``dev`` split (thresholds and lexicon changes are checked on it).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

EVAL_DIR = Path(__file__).with_name("eval")
HELD_OUT_FILES = ("heldout.csv", "heldout_fresh.csv", "heldout_third.csv", "heldout_fourth.csv", "heldout_fifth.csv",
                  "heldout_sixth.csv")
FILES = (EVAL_DIR / "messages.csv", *(EVAL_DIR / name for name in HELD_OUT_FILES))
LABELS = ("urgent", "check", "none")
SPLITS = ("train", "dev", "heldout")


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    text: str
    label: str  # urgent | check | none
    category: str
    split: str  # train | dev | heldout

    @property
    def at_risk(self) -> bool:
        return self.label != "none"


def load_examples(splits: Iterable[str] = SPLITS) -> list[Example]:
    """The labelled messages of the given splits, checked as they are read."""
    wanted = set(splits)
    examples: list[Example] = []
    for path in FILES:
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                example = Example(row["text"], row["label"], row["category"], row["split"])
                if example.label not in LABELS or example.split not in SPLITS or not example.text.strip():
                    raise ValueError(f"{path.name} line {number}: bad row {row!r}")
                if (path.name in HELD_OUT_FILES) != (example.split == "heldout"):
                    raise ValueError(f"{path.name} line {number}: only held-out messages belong here")
                if example.split in wanted:
                    examples.append(example)
    return examples


def load_held_out_file(name: str) -> list[Example]:
    """The messages of one held-out file (each was written and first run apart; the bench reports each)."""
    if name not in HELD_OUT_FILES:
        raise ValueError(f"{name} is not a held-out file")
    with (EVAL_DIR / name).open(encoding="utf-8", newline="") as handle:
        return [Example(row["text"], row["label"], row["category"], row["split"]) for row in csv.DictReader(handle)]


def score(examples: list[Example], assess: Callable[[str], str | None]) -> dict:
    """Recall (overall and per category) and false alarm rates of ``assess`` (text -> level or None)."""
    at_risk = [e for e in examples if e.at_risk]
    safe = [e for e in examples if not e.at_risk]
    levels = {e.text: assess(e.text) for e in examples}
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    missed, under_triaged, false_alarms = [], [], []
    for e in at_risk:
        found = levels[e.text] is not None
        per_category[e.category][0] += found
        per_category[e.category][1] += 1
        if not found:
            missed.append(e.text)
        elif e.label == "urgent" and levels[e.text] != "urgent":
            under_triaged.append(e.text)
    for e in safe:
        if levels[e.text] is not None:
            false_alarms.append({"text": e.text, "level": levels[e.text], "category": e.category})
    urgent_fa = sum(1 for fa in false_alarms if fa["level"] == "urgent")
    urgent_total = sum(1 for e in at_risk if e.label == "urgent")
    return {
        "messages": len(examples), "at_risk": len(at_risk), "not_at_risk": len(safe),
        "recall": _ratio(len(at_risk) - len(missed), len(at_risk)),
        "recall_by_category": {c: _ratio(found, total) for c, (found, total) in sorted(per_category.items())},
        "urgent_recall": _ratio(urgent_total - len(under_triaged) - sum(1 for e in at_risk if e.label == "urgent"
                                                                          and e.text in missed), urgent_total),
        "urgent_false_alarm_rate": _ratio(urgent_fa, len(safe)),
        "any_false_alarm_rate": _ratio(len(false_alarms), len(safe)),
        "missed": missed, "urgent_flagged_only_check": under_triaged, "false_alarms": false_alarms,
        "false_alarms_by_category": dict(Counter(fa["category"] for fa in false_alarms)),
    }


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0
