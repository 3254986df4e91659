"""Safety first: the risk check that runs on every message before anything else."""

from .crisis import RiskMatch, detect_risk

__all__ = ["RiskMatch", "detect_risk"]
