"""The consent record keeps the exact words the person saw: the chat's wording is a version in
consent/wording.py, and the referral says which version was shown."""

from __future__ import annotations

import yaml

from bot.actions.referral import CONSENT_WORDING_VERSION
from consent import SHARE_WITH_SERVICE, SMS_PROMOTIONS, WEB_CHAT, wording
from tests.live_server import REPO


def _response(name: str) -> str:
    domain = yaml.safe_load((REPO / "bot" / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"][name][0]["text"]


def test_the_chat_shows_exactly_the_recorded_consent_wording():
    assert CONSENT_WORDING_VERSION == WEB_CHAT
    assert _response("utter_ask_consent_share_with_service") == wording(SHARE_WITH_SERVICE, WEB_CHAT).text
    assert _response("utter_ask_consent_sms") == wording(SMS_PROMOTIONS, WEB_CHAT).text


# The no-JS form's consent (shown in full naming the service, recorded exactly as shown) is tested page by
# page in tests/service/test_self_referral_form.py (test_consent_is_shown_in_full_naming_the_service_...).
