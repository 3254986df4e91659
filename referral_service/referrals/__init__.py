"""Referrals: self-referral and clinician referral, routing, idempotency, the service workflow."""
