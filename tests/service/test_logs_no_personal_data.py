"""Logs carry event names, ids and counts only: no names, phone numbers, postcodes, facts or free text."""

from __future__ import annotations

import logging

from referral_service.logs import JsonFormatter, PersonalDataFilter

from .referral_helpers import make_token, refer


def test_no_personal_data_appears_in_logs_across_the_referral_journey(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    formatter, scrub = JsonFormatter(), PersonalDataFilter()
    reference = refer(client, person={"first_name": "Zephyrine", "phone": "07700 900456"},
                      summary="Quietly hopes to return to nursing",
                      consents={"share_with_service": True, "sms_promotions": True})["reference"]
    service = make_token(app, "service", "sheffield-ips-smi")[1]
    client.get(f"/api/v1/referrals/{reference}", headers=service)
    client.get(f"/api/v1/referrals/{reference}/fhir", headers=service)
    client.post(f"/api/v1/referrals/{reference}/status", json={"status": "accepted"}, headers=service)
    client.post("/api/v1/consents/withdraw",
                json={"reference": reference, "phone": "07700 900456", "purpose": "sms_promotions"})
    client.post("/api/v1/referrals", json={"pathway": "ips_smi", "person": {"first_name": "Zephyrine",
                                                                          "phone": "nonsense"}})
    lines = []
    for record in caplog.records:
        scrub.filter(record)
        lines.append(formatter.format(record))
    text = "\n".join(lines)
    assert "referral_created" in text and reference in text  # the logs do say what happened
    for personal in ("Zephyrine", "900456", "+447700900456", "S1 2AB", "nursing", "psychosis"):
        assert personal not in text, personal
