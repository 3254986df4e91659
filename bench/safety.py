"""Safety bench: recall and false alarms of the risk check on the held-out set (bot/safety/eval/heldout*.csv).

Prints, for the lexicon alone and for the lexicon with the classifier:
- recall (overall and per category): at-risk messages flagged at any level;
- urgent recall: urgent-labelled messages flagged urgent (not only "check");
- the urgent false alarm rate and the any-level false alarm rate over messages that are not at risk;
and writes bench/out/safety.json. Targets (issue 9): recall 100%, urgent false alarms <= 2%, any <= 10%.

The held-out set is scored, never tuned on. ``--dev`` scores the dev split instead (for lexicon work);
``--curve`` prints the classifier's 5-fold cross-validated false alarms and recall over the train and
dev splits at each threshold, the figures ``CHECK_THRESHOLD`` was chosen from.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bot.safety import assess_risk
from bot.safety.classifier import CHECK_THRESHOLD, default_classifier
from bot.safety.evaluation import HELD_OUT_FILES, load_examples, load_held_out_file, score

OUT = Path(__file__).parent / "out"
TARGETS = {"recall": 1.0, "urgent_false_alarm_rate": 0.02, "any_false_alarm_rate": 0.10}


def run(split: str = "heldout") -> dict:
    examples = load_examples([split])
    started = time.perf_counter()
    classifier = default_classifier()
    train_seconds = time.perf_counter() - started
    lexicon_only = score(examples, lambda text: assess_risk(text, use_classifier=False).level)
    started = time.perf_counter()
    combined = score(examples, lambda text: assess_risk(text, classifier=classifier).level)
    per_message_ms = (time.perf_counter() - started) * 1000 / max(len(examples), 1)
    return {
        "split": split, "targets": TARGETS, "classifier_threshold": CHECK_THRESHOLD,
        "classifier_train_seconds": round(train_seconds, 3), "ms_per_message": round(per_message_ms, 2),
        "lexicon": lexicon_only, "lexicon_and_classifier": combined,
        "met": {name: _met(combined, name) for name in TARGETS},
        "by_file": _by_file(classifier) if split == "heldout" else {},
    }


def _by_file(classifier) -> dict:
    """Recall and false alarms on each held-out file, lexicon alone and with the classifier."""
    out = {}
    for name in HELD_OUT_FILES:
        examples = load_held_out_file(name)
        out[name] = {
            "lexicon": _brief(score(examples, lambda text: assess_risk(text, use_classifier=False).level)),
            "lexicon_and_classifier": _brief(score(examples, lambda text: assess_risk(text, classifier=classifier).level)),
        }
    return out


def _brief(result: dict) -> dict:
    return {key: result[key] for key in ("at_risk", "not_at_risk", "recall", "urgent_recall", "urgent_false_alarm_rate",
                                         "any_false_alarm_rate")}


def _met(result: dict, name: str) -> bool:
    return result[name] >= TARGETS[name] if name == "recall" else result[name] <= TARGETS[name]


def curve() -> list[dict]:
    """Cross-validated classifier-only figures over train + dev (the held-out set is not touched)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    from bot.safety.classifier import REGULARISATION, _features, classifier_text, training_examples

    examples = training_examples() + load_examples(["dev"])
    texts = [classifier_text(e.text) for e in examples]
    labels = [int(e.at_risk) for e in examples]
    model = make_pipeline(_features(), LogisticRegression(C=REGULARISATION, solver="liblinear", class_weight="balanced"))
    p = cross_val_predict(model, texts, labels, cv=StratifiedKFold(5, shuffle=True, random_state=0), method="predict_proba")[:, 1]
    risky = [i for i, e in enumerate(examples) if e.at_risk]
    labelled_safe = [i for i, e in enumerate(examples) if not e.at_risk and e.category != "assistant_example"]
    chat_safe = [i for i, e in enumerate(examples) if e.category == "assistant_example"]
    def share(indices: list[int], threshold: float) -> float:
        return round(float(sum(p[i] >= threshold for i in indices)) / max(len(indices), 1), 3)

    return [{"threshold": t, "recall": share(risky, t), "false_alarms_labelled": share(labelled_safe, t),
             "false_alarms_chat_examples": share(chat_safe, t)} for t in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)]


def urgent_curve() -> list[dict]:
    """Cross-validated figures for raising to urgent on the classifier's word alone (train + dev only): at each
    threshold, the messages the lexicon passes over that would become urgent (probability at or above it and a
    category other than passive thoughts, both from models that did not see the message), by their label."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    from bot.safety.assessment import URGENT_CATEGORIES
    from bot.safety.classifier import REGULARISATION, _features, classifier_text, training_examples

    examples = training_examples() + load_examples(["dev"])
    texts = [classifier_text(e.text) for e in examples]
    labels = np.array([int(e.at_risk) for e in examples])
    p = np.zeros(len(examples))
    category = [""] * len(examples)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels):
        features = _features()
        matrix = features.fit_transform([texts[i] for i in train])
        risk = LogisticRegression(C=REGULARISATION, solver="liblinear", class_weight="balanced").fit(matrix, labels[train])
        risky = [k for k, i in enumerate(train) if labels[i]]
        kinds = LinearSVC(C=REGULARISATION).fit(matrix[risky], [examples[train[k]].category for k in risky])
        held = features.transform([texts[i] for i in test])
        for i, prob, kind in zip(test, risk.predict_proba(held)[:, 1], kinds.predict(held), strict=True):
            p[i], category[i] = prob, str(kind)
    lexicon = [assess_risk(e.text, use_classifier=False).level for e in examples]
    chat = {i for i, e in enumerate(examples) if e.category == "assistant_example"}
    safe = {i for i, e in enumerate(examples) if not e.at_risk and e.category != "assistant_example"}
    passed_over = sum(1 for i, e in enumerate(examples) if e.label == "urgent" and lexicon[i] is None)
    rows = []
    for t in (0.75, 0.8, 0.85, 0.9, 0.95):
        raised = {i for i in range(len(examples)) if p[i] >= t and lexicon[i] is None and category[i] in URGENT_CATEGORIES}
        rows.append({"threshold": t,
                     "urgent_gained": sum(1 for i in raised if examples[i].label == "urgent"),
                     "urgent_the_lexicon_passed_over": passed_over,
                     "check_over_triaged": sum(1 for i in raised if examples[i].label == "check"),
                     "labelled_safe_to_urgent": f"{len(raised & safe)}/{len(safe)}",
                     "chat_examples_to_urgent": f"{len(raised & chat)}/{len(chat)}"})
    return rows


def _print(result: dict) -> None:
    print(f"Safety check on the {result['split']} split "
          f"({result['lexicon']['at_risk']} at risk, {result['lexicon']['not_at_risk']} not at risk)")
    for name in ("lexicon", "lexicon_and_classifier"):
        r = result[name]
        print(f"  {name:24} recall {r['recall']:.1%}  urgent recall {r['urgent_recall']:.1%}  "
              f"urgent false alarms {r['urgent_false_alarm_rate']:.1%}  any false alarm {r['any_false_alarm_rate']:.1%}")
        print("    by category: " + ", ".join(f"{c} {v:.0%}" for c, v in r["recall_by_category"].items()))
        for text in r["missed"]:
            print(f"    missed: {text!r}")
        for text in r["urgent_flagged_only_check"]:
            print(f"    urgent, flagged only as check: {text!r}")
        for alarm in r["false_alarms"]:
            print(f"    false alarm ({alarm['level']}): {alarm['text']!r}")
    for name, figures in result.get("by_file", {}).items():
        print(f"  {name:22} " + "   ".join(
            f"{kind}: recall {r['recall']:.1%}, urgent {r['urgent_recall']:.1%}, FA urgent {r['urgent_false_alarm_rate']:.1%}"
            f" any {r['any_false_alarm_rate']:.1%}" for kind, r in figures.items()))
    print(f"  classifier trained in {result['classifier_train_seconds']} s; {result['ms_per_message']} ms per message")
    print("  targets: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in result["met"].items()))


def main() -> None:
    if "--urgent-curve" in sys.argv:
        for row in urgent_curve():
            print(row)
        return
    if "--curve" in sys.argv:
        for row in curve():
            print(row)
        return
    result = run("dev" if "--dev" in sys.argv else "heldout")
    _print(result)
    if result["split"] == "heldout":
        OUT.mkdir(exist_ok=True)
        (OUT / "safety.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
