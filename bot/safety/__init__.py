"""Safety first: the risk check every channel runs on every message before anything else.

``assess_risk(text) -> RiskAssessment(level, category, reason)`` with ``level`` "urgent", "check" or
None (CONTRACT.md "Risk first, on every channel"). Pure Python and data: no Flask, no database, and
nothing from referral_service, so the web chat, the no-JS form and SMS replies all share it.
"""

from .assessment import NO_RISK, RiskAssessment, assess_risk
from .crisis import RiskMatch, detect_risk
from .lexicon import CHECK, URGENT

__all__ = ["CHECK", "NO_RISK", "URGENT", "RiskAssessment", "RiskMatch", "assess_risk", "detect_risk"]
