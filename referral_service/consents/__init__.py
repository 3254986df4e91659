"""The consent API: record, withdraw and read consent for a referral's person."""
