"""Consented SMS promotions: contacts, campaigns, preview, outbox, dispatcher, Twilio gateway, webhooks.

Flow: a service imports its contacts (``contacts import``), creates a campaign, previews who would
be texted and who is excluded and why, then sends: recipients are frozen into the outbox in one
transaction and the dispatcher sends them through the twilio client at the configured rate, inside
the send window, re-checking consent at the moment of sending.
"""
