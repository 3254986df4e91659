"""The no-JS self-referral (/self-referral), page by page, as a person uses it (issue 9 item 7).

NHS service manual patterns: one question per page with a back link, "Check your answers" with change
links, specific error messages with an error summary and "Error: " titles, a confirmation panel. Risk
first on every typed word. Synthetic people only (Ofcom drama numbers).
"""

from __future__ import annotations

import html
import logging
import re

import pytest

from consent import SHARE_WITH_SERVICE, SMS_PROMOTIONS, wording
from consent.wording import WEB_FORM_PAGES
from referral_service.db import connect_for
from rules import default_engine

VOCABULARY = default_engine().vocabulary
SHEFFIELD_PSYCHOSIS = {
    "wants-paid-work": {"wants_paid_work": "yes"},
    "conditions": {"conditions": ["psychosis"]},
    "conditions-in-your-own-words": {"conditions-in-your-own-words": "hearing voices"},
    "drug-alcohol-treatment": {"drug_alcohol_treatment": "no"},
    "age": {"age": "34"},
    "postcode": {"postcode": "s1 2ab"},
    "anything-else": {"anything-else": "Mornings are best for me"},
}


class SafetyEvents:
    """The safety events stored for services to follow up (storage.safety_events), read from the database."""

    def __init__(self, app):
        self.app = app

    def rows(self) -> list[dict]:
        db = connect_for(self.app)
        try:
            return [dict(zip(("channel", "risk_level", "text", "service_id", "phone"), r, strict=True))
                    for r in db.execute("select channel, risk_level, text, service_id, phone_e164 from safety_events "
                                        "order by created_at, id")]
        finally:
            db.conn.close()

    def __iter__(self):
        return iter(self.rows())

    def __eq__(self, other):
        return self.rows() == other


@pytest.fixture
def events(app):
    return SafetyEvents(app)


def text(response) -> str:
    return response.get_data(as_text=True)


def title(response) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", text(response), re.S).group(1).strip())


def back_link(response) -> str | None:
    match = re.search(r'class="nhsuk-back-link__link" href="([^"]+)"', text(response))
    return match.group(1) if match else None


def error_links(response) -> list[tuple[str, str]]:
    summary = re.search(r'<div class="nhsuk-error-summary".*?</div>', text(response), re.S)
    assert summary, "no error summary"
    return [(href, html.unescape(label)) for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', summary.group(0))]


def section(page: str, heading_id: str) -> str:
    """The HTML from a result heading to the next h2."""
    start = page.index(f'id="{heading_id}"')
    following = page.find("<h2", start + 1)
    return page[start: following if following != -1 else len(page)]


def walk(client, answers: dict[str, dict], stop_at: str | None = None) -> str:
    """Answer every question page the form shows, in its own order; return where it ends up."""
    location = client.get("/self-referral/start").headers["Location"]
    for _ in range(20):
        page = location.rsplit("/", 1)[-1]
        if page == stop_at or page not in answers:
            return location
        response = client.post(location, data=answers[page])
        assert response.status_code == 302, (page, response.status_code, text(response)[:500])
        assert "?" not in response.headers["Location"]  # nothing personal, nothing at all, in URLs
        location = response.headers["Location"]
    raise AssertionError("the form did not finish")


def to_result(client, answers=SHEFFIELD_PSYCHOSIS):
    assert walk(client, answers) == "/self-referral/check-your-answers"
    assert client.post("/self-referral/check-your-answers").headers["Location"] == "/self-referral/result"
    return client.get("/self-referral/result")


def consent_rows(app):
    db = connect_for(app)
    try:
        return db.execute("select purpose, decision, method, wording_version, wording_text from consent_records "
                          "order by purpose").fetchall()
    finally:
        db.conn.close()


def referral_count(app) -> int:
    db = connect_for(app)
    try:
        return db.execute("select count(*) from referrals").fetchone()[0]
    finally:
        db.conn.close()


# --- start and question pages ---------------------------------------------------------------------------

def test_the_start_page_works_without_javascript_and_is_not_cached(client):
    response = client.get("/self-referral")
    assert response.status_code == 200
    assert "<script" not in text(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert 'href="/self-referral/start"' in text(response) and "Start now" in text(response)
    assert 'href="tel:03069990123"' in text(response)


def test_one_question_per_page_in_the_words_of_facts_yaml_with_a_back_link(client):
    first = client.get(client.get("/self-referral/start").headers["Location"])
    assert first.request.path == "/self-referral/wants-paid-work"
    page = text(first)
    assert page.count("<h1") == 1 and page.count("<fieldset") == 1
    assert html.escape(VOCABULARY["wants_paid_work"].question, quote=False) in page
    assert back_link(first) == "/self-referral"
    assert first.headers["Cache-Control"] == "no-store"
    client.post("/self-referral/wants-paid-work", data={"wants_paid_work": "yes"})
    conditions = client.get("/self-referral/conditions")
    assert back_link(conditions) == "/self-referral/wants-paid-work"
    for value, label in VOCABULARY["conditions"].choices():
        assert f'id="conditions-{value}"' in text(conditions) and html.escape(label, quote=False) in text(conditions)
    assert title(conditions).startswith(VOCABULARY["conditions"].question)


def test_each_question_that_decides_nothing_is_skipped(client):
    # Psychosis and no drug or alcohol treatment: Talking Therapies, the right to work and other programmes
    # decide nothing (Appendix 1: only IPS in D&A and in primary care ask the right to work).
    client.get("/self-referral/start")
    seen = []
    location = "/self-referral/wants-paid-work"
    while location.rsplit("/", 1)[-1] in SHEFFIELD_PSYCHOSIS:
        seen.append(location.rsplit("/", 1)[-1])
        location = client.post(location, data=SHEFFIELD_PSYCHOSIS[seen[-1]]).headers["Location"]
    assert seen == ["wants-paid-work", "conditions", "conditions-in-your-own-words", "drug-alcohol-treatment", "age",
                    "postcode", "anything-else"]
    assert location == "/self-referral/check-your-answers"


def test_not_wanting_help_with_work_asks_nothing_more_and_says_why(client):
    ended = walk(client, {"wants-paid-work": {"wants_paid_work": "no"}})
    assert ended == "/self-referral/anything-else"
    client.post(ended, data={"anything-else": ""})
    result = client.get("/self-referral/result")
    page = html.unescape(text(result))
    assert 'id="fits"' not in page and 'id="might-fit"' not in page and 'name="choice"' not in page
    assert "IPS is for people who want to find or keep competitive paid work" in page
    assert "If you change your mind, you can come back at any time." in page


def test_at_66_the_form_asks_about_state_pension_age(client):
    answers = {**SHEFFIELD_PSYCHOSIS, "conditions": {"conditions": ["anxiety"]},
               "conditions-in-your-own-words": {"conditions-in-your-own-words": ""},
               "talking-therapies": {"talking_therapies": "none"}, "age": {"age": "66"},
               "right-to-work-uk": {"right_to_work_uk": "yes"},
               "other-dwp-employment-programme": {"other_dwp_employment_programme": "no"}}
    assert walk(client, answers) == "/self-referral/reached-state-pension-age"
    page = client.get("/self-referral/reached-state-pension-age")
    assert html.escape(VOCABULARY["reached_state_pension_age"].question, quote=False) in text(page)
    assert back_link(page) == "/self-referral/age"


# --- errors ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("page", "data", "field", "message"), [
    ("wants-paid-work", {}, "wants_paid_work", VOCABULARY["wants_paid_work"].error("required")),
    ("conditions", {}, "conditions", VOCABULARY["conditions"].error("required")),
    ("age", {"age": "about thirty-ish"}, "age", "Enter your age as a number, like 34"),
    ("age", {"age": "150"}, "age", VOCABULARY["age"].error("range")),
    ("age", {"age": ""}, "age", "Enter your age"),
    ("postcode", {"postcode": "ZZ99 9ZZ"}, "postcode", "Enter a real postcode, like S1 2AB"),
    ("postcode", {"postcode": "YY1 1AA"}, "postcode", "Enter a real postcode, like S1 2AB"),
    ("postcode", {"postcode": "my house"}, "postcode", "Enter a full UK postcode, like S1 2AB"),
    ("postcode", {"postcode": ""}, "postcode", "Enter your postcode, so we can find services near you"),
])
def test_specific_errors_with_a_summary_linking_to_the_field_and_an_error_title(client, page, data, field, message):
    client.get("/self-referral/start")
    response = client.post(f"/self-referral/{page}", data=data)
    assert response.status_code == 400
    assert title(response).startswith("Error: ")
    (href, label), = error_links(response)
    assert label == message
    target = href.lstrip("#")
    assert target.startswith(field) and f'id="{target}"' in text(response)  # the first radio, checkbox or the input
    assert f'id="{field}-error"' in text(response)


def test_a_right_answer_after_an_error_carries_on(client):
    client.get("/self-referral/start")
    client.post("/self-referral/wants-paid-work", data={"wants_paid_work": "yes"})
    assert client.post("/self-referral/age", data={"age": "I'm 29"}).status_code == 302
    again = client.get("/self-referral/age")
    assert 'value="29"' in text(again)


# --- check your answers ----------------------------------------------------------------------------------

def test_check_your_answers_lists_each_answer_with_a_change_link(client):
    assert walk(client, SHEFFIELD_PSYCHOSIS) == "/self-referral/check-your-answers"
    page = client.get("/self-referral/check-your-answers")
    body = html.unescape(text(page))
    for label, shown in (("Wants help with work", "Yes"), ("Health conditions", "Psychosis or schizophrenia"),
                         ("In your own words", "hearing voices"), ("Age", "34"), ("Postcode", "S1 2AB"),
                         ("Anything else", "Mornings are best for me")):
        assert re.search(rf"<dt[^>]*>{re.escape(label)}</dt>\s*<dd[^>]*>{re.escape(shown)}</dd>", body), label
    changes = re.findall(r'<a href="(/self-referral/[a-z-]+)">Change', body)
    assert changes == [f"/self-referral/{p}" for p in SHEFFIELD_PSYCHOSIS]
    assert back_link(page) == "/self-referral/anything-else"


def test_a_change_returns_to_check_your_answers_or_asks_what_the_change_now_needs(client):
    walk(client, SHEFFIELD_PSYCHOSIS)
    change = client.get("/self-referral/drug-alcohol-treatment")
    assert re.search(r'value="no"\s+checked', text(change))
    assert client.post("/self-referral/postcode", data={"postcode": "B1 1AA"}).headers["Location"] == \
        "/self-referral/check-your-answers"
    # Now in drug and alcohol treatment: IPS in D&A turns on the right to work, which is asked next.
    assert client.post("/self-referral/drug-alcohol-treatment", data={"drug_alcohol_treatment": "yes"}).headers[
        "Location"] == "/self-referral/right-to-work-uk"


def test_check_your_answers_sends_an_unfinished_journey_to_its_next_question(client):
    client.get("/self-referral/start")
    assert client.get("/self-referral/check-your-answers").headers["Location"] == "/self-referral/wants-paid-work"
    assert client.get("/self-referral/result").headers["Location"] == "/self-referral/wants-paid-work"


# --- the result ------------------------------------------------------------------------------------------

def test_the_result_separates_what_fits_from_what_might_fit_and_explains_what_does_not(client):
    # Sheffield, anxiety, in Talking Therapies, not sure about drug and alcohol treatment.
    answers = {"wants-paid-work": {"wants_paid_work": "yes"}, "conditions": {"conditions": ["anxiety"]},
               "conditions-in-your-own-words": {"conditions-in-your-own-words": "panic attacks"},
               "drug-alcohol-treatment": {"drug_alcohol_treatment": "unsure"},
               "talking-therapies": {"talking_therapies": "in_treatment"}, "age": {"age": "30"},
               "right-to-work-uk": {"right_to_work_uk": "yes"},
               "other-dwp-employment-programme": {"other_dwp_employment_programme": "no"},
               "postcode": {"postcode": "S1 2AB"}, "anything-else": {"anything-else": ""}}
    page = html.unescape(text(to_result(client, answers)))
    fits, might, not_fit = section(page, "fits"), section(page, "might-fit"), section(page, "not-fit")
    assert "Individual Placement and Support in primary care" in fits
    assert "Employment Advisers in NHS Talking Therapies" in fits
    assert "Ask your NHS Talking Therapies therapist for an Employment Adviser" in fits
    assert "0114 496 0005" in fits  # the Talking Therapies service takes no self-referrals: its phone
    assert "in drug and alcohol treatment" in might and "drug and alcohol treatment" not in fits
    assert "Individual Placement and Support for severe mental illness" in not_fit
    assert "IPS for severe mental illness is for people with a severe mental illness" in not_fit
    assert "ask your therapist about an Employment Adviser" in not_fit
    assert "IPS means Individual Placement and Support" in page  # explained the first time it is named
    assert page.count("What happens next:") == 3  # one per pathway that fits or might fit
    # Only services that take self-referrals are offered: IPS in primary care, not Talking Therapies EAs.
    assert re.findall(r'name="choice" type="radio" value="([^"]+)"', page) == [
        "ips_primary_care|south-yorkshire-ips-primary-care"]


def test_under_the_minimum_age_says_why_and_offers_young_peoples_services(client):
    page = html.unescape(text(to_result(client, {**SHEFFIELD_PSYCHOSIS, "age": {"age": "16"}})))
    not_fit = section(page, "not-fit")
    assert "The local IPS service is for people aged 18 or over" in not_fit
    assert "Young people's services and early intervention teams" in not_fit


def test_no_local_service_points_to_the_national_routes(client):
    answers = {"wants-paid-work": {"wants_paid_work": "yes"}, "conditions": {"conditions": ["physical_health"]},
               "conditions-in-your-own-words": {"conditions-in-your-own-words": "back pain"},
               "drug-alcohol-treatment": {"drug_alcohol_treatment": "no"}, "age": {"age": "45"},
               "right-to-work-uk": {"right_to_work_uk": "yes"},
               "other-dwp-employment-programme": {"other_dwp_employment_programme": "no"},
               "postcode": {"postcode": "TR1 1AA"}, "anything-else": {"anything-else": ""}}
    page = html.unescape(text(to_result(client, answers)))
    fits = section(page, "fits")
    assert "There is no IPS in primary care service for your postcode in our directory" in fits
    assert "Only some areas have IPS in primary care" in fits
    other = section(page, "other-help")
    assert "Access to Work" in other and "Jobcentre Plus" in other and 'href="tel:08001217479"' in other
    assert 'name="choice"' not in page


def test_choosing_nothing_is_an_error(client):
    to_result(client)
    response = client.post("/self-referral/result", data={})
    assert response.status_code == 400 and title(response).startswith("Error: ")
    assert error_links(response) == [("#choice-ips_smi|sheffield-ips-smi",
                                      "Select the support you want to be contacted about")]


# --- consent, contact details, texts, send -------------------------------------------------------------

def choose_sheffield_ips(client):
    to_result(client)
    assert client.post("/self-referral/result", data={"choice": "ips_smi|sheffield-ips-smi"}).headers["Location"] == \
        "/self-referral/sharing-your-details"


def test_consent_is_shown_in_full_naming_the_service_and_recorded_exactly_as_shown(app, client):
    choose_sheffield_ips(client)
    page = client.get("/self-referral/sharing-your-details")
    shown = wording(SHARE_WITH_SERVICE, WEB_FORM_PAGES).text.replace("{chosen_service_name}",
                                                                     "Sheffield IPS Employment Service")
    body = html.unescape(text(page))
    for paragraph in shown.split("\n\n"):
        assert paragraph in body
    assert "{chosen_service_name}" not in body
    assert client.post("/self-referral/sharing-your-details", data={"consent": "yes"}).headers["Location"] == \
        "/self-referral/contact-details"
    assert client.post("/self-referral/contact-details", data={"first_name": "Robin", "phone": "07700 900321"}
                       ).headers["Location"] == "/self-referral/text-messages"
    texts = client.get("/self-referral/text-messages")
    assert html.escape(wording(SMS_PROMOTIONS, WEB_FORM_PAGES).text, quote=False) in text(texts)
    client.post("/self-referral/text-messages", data={"sms": "yes"})
    assert client.post("/self-referral/send").headers["Location"] == "/self-referral/confirmation"
    assert consent_rows(app) == [
        (SHARE_WITH_SERVICE, "granted", "self_service", WEB_FORM_PAGES, shown),
        (SMS_PROMOTIONS, "granted", "self_service", WEB_FORM_PAGES, wording(SMS_PROMOTIONS, WEB_FORM_PAGES).text),
    ]


def test_the_confirmation_panel_shows_the_reference_and_one_next_step(app, client):
    choose_sheffield_ips(client)
    client.post("/self-referral/sharing-your-details", data={"consent": "yes"})
    client.post("/self-referral/contact-details", data={"first_name": "Sam", "phone": "07700 900456"})
    client.post("/self-referral/text-messages", data={"sms": "no"})
    send = client.get("/self-referral/send")
    assert "Send my details" in text(send) and back_link(send) == "/self-referral/text-messages"
    client.post("/self-referral/send")
    done = client.get("/self-referral/confirmation")
    page = text(done)
    assert '<div class="nhsuk-panel" id="confirmation">' in page
    reference = re.search(r'id="reference">([^<]+)<', page).group(1)
    assert re.fullmatch(r"[A-Z0-9-]{6,16}", reference)
    assert page.count("What happens next") == 1 and "Sheffield IPS Employment Service will contact you" in page


def test_sending_twice_makes_one_referral(app, client):
    choose_sheffield_ips(client)
    client.post("/self-referral/sharing-your-details", data={"consent": "yes"})
    client.post("/self-referral/contact-details", data={"first_name": "Sam", "phone": "07700 900456"})
    client.post("/self-referral/text-messages", data={"sms": "no"})
    first = client.post("/self-referral/send")
    second = client.post("/self-referral/send")
    assert first.headers["Location"] == second.headers["Location"] == "/self-referral/confirmation"
    assert referral_count(app) == 1


def test_a_landline_is_never_offered_texts_and_no_sms_consent_is_recorded(app, client):
    choose_sheffield_ips(client)
    client.post("/self-referral/sharing-your-details", data={"consent": "yes"})
    response = client.post("/self-referral/contact-details", data={"first_name": "Pat", "phone": "0121 496 0123"})
    assert response.headers["Location"] == "/self-referral/send"
    assert client.get("/self-referral/text-messages").headers["Location"] == "/self-referral/contact-details"
    send = client.get("/self-referral/send")
    assert "Text messages" not in text(send) and back_link(send) == "/self-referral/contact-details"
    client.post("/self-referral/send")
    assert [row[0] for row in consent_rows(app)] == [SHARE_WITH_SERVICE]


def test_contact_details_errors(client):
    choose_sheffield_ips(client)
    client.post("/self-referral/sharing-your-details", data={"consent": "yes"})
    response = client.post("/self-referral/contact-details", data={"first_name": "", "phone": "12345"})
    assert response.status_code == 400 and title(response).startswith("Error: ")
    assert [href for href, _ in error_links(response)] == ["#first_name", "#phone"]
    assert "Enter your first name, like Sam" in html.unescape(text(response))


def test_saying_no_to_sharing_sends_nothing(app, client):
    choose_sheffield_ips(client)
    missing = client.post("/self-referral/sharing-your-details", data={})
    assert missing.status_code == 400 and title(missing).startswith("Error: ")
    assert error_links(missing) == [("#consent-yes", "Select yes if we can share your details with Sheffield IPS "
                                                     "Employment Service")]
    assert client.post("/self-referral/sharing-your-details", data={"consent": "no"}).headers["Location"] == \
        "/self-referral/not-sent"
    assert "Nothing has been sent" in text(client.get("/self-referral/not-sent"))
    assert client.get("/self-referral/contact-details").headers["Location"] == "/self-referral/sharing-your-details"
    assert client.post("/self-referral/send").status_code == 303 and referral_count(app) == 0


def test_the_referral_keeps_the_persons_own_words(app, client):
    choose_sheffield_ips(client)
    client.post("/self-referral/sharing-your-details", data={"consent": "yes"})
    client.post("/self-referral/contact-details", data={"first_name": "Sam", "phone": "0121 496 0456"})
    client.post("/self-referral/send")
    db = connect_for(app)
    try:
        summary, facts = db.execute("select summary, facts_json from referrals").fetchone()
    finally:
        db.conn.close()
    assert 'Health conditions: Psychosis or schizophrenia (in their words: "hearing voices").' in summary
    assert "Mornings are best for me" in summary and "Age: 34." in summary
    assert '"psychosis"' in facts


# --- risk first ------------------------------------------------------------------------------------------

def test_urgent_words_show_the_crisis_help_before_anything_else(client, events):
    walk(client, SHEFFIELD_PSYCHOSIS, stop_at="anything-else")
    response = client.post("/self-referral/anything-else", data={"anything-else": "I have pills saved up to take them all"})
    assert response.headers["Location"] == "/self-referral/urgent-help"
    page = client.get("/self-referral/urgent-help")
    body = text(page)
    for link in ('href="tel:999"', 'href="tel:111"', 'href="tel:116123"', 'href="sms:85258?body=SHOUT"'):
        assert link in body
    assert "nhsuk-card--care--emergency" in body and "option 2" in body
    # Recorded for the local services to follow up (Sheffield), with the words.
    assert {(e["channel"], e["risk_level"], e["text"]) for e in events} == {
        ("form", "urgent", "I have pills saved up to take them all")}
    assert "sheffield-ips-smi" in {e["service_id"] for e in events}
    # The words were not taken as an answer: the form stopped.
    assert client.get("/self-referral/check-your-answers").headers["Location"] == "/self-referral/anything-else"
    # "I'm safe, carry on": back to the same page with what they wrote, and on from there.
    resumed = client.post("/self-referral/carry-on")
    assert resumed.headers["Location"] == "/self-referral/anything-else"
    assert "I have pills saved up to take them all" in text(client.get("/self-referral/anything-else"))
    assert client.post("/self-referral/anything-else", data={"anything-else": "I have pills saved up to take them all"}
                       ).headers["Location"] == "/self-referral/check-your-answers"


def test_possible_risk_is_asked_about_directly_and_i_am_safe_resumes(client, events):
    walk(client, SHEFFIELD_PSYCHOSIS, stop_at="conditions-in-your-own-words")
    response = client.post("/self-referral/conditions-in-your-own-words",
                           data={"conditions-in-your-own-words": "whats the point in living"})
    assert response.headers["Location"] == "/self-referral/are-you-safe"
    page = client.get("/self-referral/are-you-safe")
    assert "Are you thinking about ending your life, or about harming yourself?" in html.unescape(text(page))
    assert 'href="tel:116123"' in text(page) and 'href="sms:85258?body=SHOUT"' in text(page)
    assert [e["risk_level"] for e in events] == ["check"]
    missing = client.post("/self-referral/are-you-safe", data={})
    assert missing.status_code == 400 and title(missing).startswith("Error: ")
    assert client.post("/self-referral/are-you-safe", data={"safe": "no"}).headers["Location"] == \
        "/self-referral/conditions-in-your-own-words"


def test_yes_to_the_direct_question_shows_the_crisis_help(client, events):
    walk(client, SHEFFIELD_PSYCHOSIS, stop_at="anything-else")
    client.post("/self-referral/anything-else", data={"anything-else": "i dont wanna be here anymore"})
    assert client.post("/self-referral/are-you-safe", data={"safe": "yes"}).headers["Location"] == \
        "/self-referral/urgent-help"
    assert [e["risk_level"] for e in events] == ["check", "urgent"]
    assert {e["service_id"] for e in events} == {"sheffield-ips-smi"}  # the service of the pathway still open


def test_every_typed_box_is_checked_even_the_age_and_the_contact_details(client, events):
    client.get("/self-referral/start")
    assert client.post("/self-referral/age", data={"age": "i want to kill myself"}).headers["Location"] == \
        "/self-referral/urgent-help"
    choose_sheffield_ips(client)
    client.post("/self-referral/sharing-your-details", data={"consent": "yes"})
    assert client.post("/self-referral/contact-details", data={"first_name": "kms", "phone": "07700 900111"}
                       ).headers["Location"] in ("/self-referral/urgent-help", "/self-referral/are-you-safe")


def test_idioms_are_not_a_crisis(client, events):
    walk(client, SHEFFIELD_PSYCHOSIS, stop_at="anything-else")
    response = client.post("/self-referral/anything-else", data={"anything-else": "this job search is killing me"})
    assert response.headers["Location"] == "/self-referral/check-your-answers" and events == []


def test_nothing_personal_is_logged(client, caplog):
    with caplog.at_level(logging.DEBUG):
        choose_sheffield_ips(client)
        client.post("/self-referral/sharing-your-details", data={"consent": "yes"})
        client.post("/self-referral/contact-details", data={"first_name": "Robin", "phone": "07700 900777"})
        client.post("/self-referral/text-messages", data={"sms": "no"})
        client.post("/self-referral/send")
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for personal in ("Robin", "900777", "hearing voices", "Mornings are best", "S1 2AB"):
        assert personal not in logged


def test_an_unknown_page_is_a_404_page(client):
    response = client.get("/self-referral/favourite-colour")
    assert response.status_code == 404 and "Page not found" in text(response)


# --- the API says how to be referred when a service takes no self-referrals (rules 1.1.0) ----------------

def test_a_self_referral_to_a_service_without_self_referral_says_the_route_and_the_phone(client):
    body = {"pathway": "ips_dna", "facts": {"drug_alcohol_treatment": True, "age": 30, "right_to_work_uk": True,
                                           "wants_paid_work": True, "postcode": "S1 2AB"},
            "person": {"first_name": "Alex", "phone": "07700 900123"}, "consents": {"share_with_service": True}}
    response = client.post("/api/v1/referrals", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "self_referral_not_accepted"
    assert "0114 496 0004" in error["message"] and "drug and alcohol treatment team" in error["message"]
    assert error["how_to_refer"] == error["message"]
    eligibility = client.post("/api/v1/eligibility", json=body["facts"]).get_json()
    dna = next(p for p in eligibility["pathways"] if p["id"] == "ips_dna")
    assert dna["referral_route"]["self_referral"] is False and "0114 496 0004" in dna["referral_route"]["how"]


def test_the_answers_cookie_is_signed_http_only_and_same_site(client):
    response = client.get("/self-referral/start")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    client.post("/self-referral/wants-paid-work", data={"wants_paid_work": "yes"})
    # A tampered cookie is not trusted: the journey starts again rather than reading forged answers.
    client.set_cookie("session", "forged.value.here", domain="localhost")
    assert client.get("/self-referral/check-your-answers").headers["Location"] == "/self-referral/wants-paid-work"
