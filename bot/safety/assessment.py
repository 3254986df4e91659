"""``assess_risk``: the one risk check every channel runs first (web chat, the no-JS form, SMS replies).

The lexicon decides first; the classifier may then raise a message the lexicon passed over to ``check``, or
(when it is very sure, and reads more than a passive wish) to ``urgent`` (bot/safety/classifier.py); it
never lowers or changes what the lexicon found.
CONTRACT.md "Risk first, on every channel":

- ``urgent``: plainly at risk (suicidal intent or a wish to be dead, a plan or means, a farewell act,
  self-harm, harm to others): show the crisis help at once and stop any form;
- ``check``: possibly at risk ("what's the point in living"): ask directly, crisis lines beside;
- ``None``: no sign of risk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .classifier import CHECK_THRESHOLD, URGENT_THRESHOLD, RiskClassifier, default_classifier
from .lexicon import CHECK, URGENT, Lexicon, LexiconMatch, default_lexicon
from .normalise import MAX_CHARS

# Categories the classifier may call urgent; what it reads as passive thoughts stays a check (CONTRACT.md).
URGENT_CATEGORIES = frozenset({"suicidal_thoughts", "plan_or_means", "farewell", "self_harm", "harm_to_others", "crisis"})
# A long message is read in overlapping windows, so a crisis at the end of a long outpouring is found
# as surely as one at the start (each window is matched as a message of its own).
WINDOW_OVERLAP = 400
_LEVEL_RANK = {URGENT: 2, CHECK: 1}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RiskAssessment:
    """The result: ``level`` is "urgent", "check" or None; ``category`` what kind of risk;
    ``reason`` the lexicon entry that matched (as written in risk_phrases.yml) or "classifier".

    ``negated`` is True when the words would be urgent but are denied or about someone else ("no, I'm not
    suicidal", "I'm not going to kill myself", "my brother died by suicide"): the level is ``check``. As an
    answer to the direct question, such a message is an answer to read ("no, I'm not suicidal" is a no),
    not a new risk to escalate."""

    level: str | None
    category: str | None = None
    reason: str | None = None
    negated: bool = False

    @property
    def at_risk(self) -> bool:
        return self.level is not None

    @property
    def urgent(self) -> bool:
        return self.level == URGENT


NO_RISK = RiskAssessment(None, None, None)
_failures_reported: set[str] = set()


def _report_classifier_failure(error: Exception) -> None:
    # Once per kind of failure per process (never the message text): the lexicon still answers.
    kind = type(error).__name__
    if kind not in _failures_reported:
        _failures_reported.add(kind)
        log.error("risk_classifier_failed", extra={"error": kind})


def assess_risk(text: str | None, *, use_classifier: bool = True, lexicon: Lexicon | None = None,
                classifier: RiskClassifier | None = None) -> RiskAssessment:
    """How much risk ``text`` shows. Never raises on odd input: ``None`` or empty text is no risk."""
    if not text or not str(text).strip():
        return NO_RISK
    text = str(text)
    lexicon = lexicon or default_lexicon()
    found = _most_serious(lexicon.match(window) for window in _windows(text))
    result = RiskAssessment(found.level, found.category, found.phrase, found.negated) if found else NO_RISK
    # The classifier reads only what the lexicon passed: it may raise it to check, or to urgent when it is
    # very sure and reads a plan, a farewell, self-harm, harm to others or intent (a passive wish is asked about).
    if not use_classifier or result.level is not None:
        return result
    try:
        reading = (classifier or default_classifier()).read(text)
    except Exception as error:  # noqa: BLE001 - the lexicon's answer must stand even if the model cannot be built
        _report_classifier_failure(error)
        return result
    if result.level is None and reading.p_at_risk >= URGENT_THRESHOLD and reading.category in URGENT_CATEGORIES:
        return RiskAssessment(URGENT, reading.category, "classifier")
    if result.level is None and reading.p_at_risk >= CHECK_THRESHOLD:
        return RiskAssessment(CHECK, reading.category, "classifier")
    return result


def _windows(text: str) -> list[str]:
    """The whole text, in windows of at most MAX_CHARS that overlap by WINDOW_OVERLAP characters."""
    if len(text) <= MAX_CHARS:
        return [text]
    step = MAX_CHARS - WINDOW_OVERLAP
    return [text[start:start + MAX_CHARS] for start in range(0, len(text) - WINDOW_OVERLAP, step)]


def _most_serious(matches) -> LexiconMatch | None:
    """The most serious of the windows' matches (urgent before check; the first of equals)."""
    best = None
    for match in matches:
        if match is not None and (best is None or _LEVEL_RANK.get(match.level, 0) > _LEVEL_RANK.get(best.level, 0)):
            best = match
    return best
