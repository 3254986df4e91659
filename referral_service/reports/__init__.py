"""Referral reports: counts for commissioners and equality monitoring (JSON and CSV)."""
