"""/check speaks to the clinician about their patient (FIELD-NOTES 'The clinician page': "Explanations speak to
the patient ('You are of working age'); 'Next question to ask' uses the patient's wording"). The wording is
the rules files' own (explain_clinician in rules/pathways/*.yaml, clinician_question in rules/facts.yaml).
"""

from __future__ import annotations

import re

from rules import default_engine


def _results(page: str) -> str:
    """The results section only (the form below has its own labels)."""
    return page[page.index('id="results"'):page.index("Change the answers")]


def _reasons(page: str) -> list[str]:
    """The words of every "Why" list (each pathway's reasons), without tags or the cited sources' titles
    (a source may be called "Check your State Pension age": a title, not words to the patient)."""
    lists = re.findall(r'<h3 class="nhsuk-heading-s">Why</h3>\s*(<dl.*?</dl>)', page, re.DOTALL)
    assert lists, "no reasons on the page"
    return [re.sub(r"<[^>]+>", " ", re.sub(r"<span[^>]*>Source:.*?</span>", " ", found, flags=re.DOTALL))
            for found in lists]


def test_the_reasons_speak_about_the_patient_not_to_them(client):
    page = client.post("/check", data={"age": "34", "postcode": "S1 2AB", "conditions": ["psychosis"],
                                       "wants_paid_work": "yes"}).get_data(as_text=True)
    results = _results(page)
    assert "The patient lives with a severe mental illness or complex mental health needs" in results
    assert "The patient wants to find or keep a paid job." in results
    assert "Find out whether the patient is in structured community treatment" in results  # IPS in D&A: unknown
    reasons = _reasons(page)
    assert len(reasons) == 4
    for text in reasons:
        assert not re.search(r"\b(you|your)\b", text, re.IGNORECASE), f"a reason on /check speaks to the patient: {text}"


def test_a_patient_who_is_not_eligible_is_explained_to_the_clinician(client):
    page = client.post("/check", data={"age": "70", "postcode": "B1 1AA", "conditions": ["anxiety"],
                                       "reached_state_pension_age": "yes", "wants_paid_work": "yes"})
    results = _results(page.get_data(as_text=True))
    assert "This service is for people of working age, from 16 until State Pension age" in results
    assert "You are" not in results


def test_the_next_question_is_worded_for_the_clinician(client):
    decision = default_engine().evaluate({"age": 34})
    fact = default_engine().vocabulary[decision["next_question"]["fact"]]
    page = client.post("/check", data={"age": "34"}).get_data(as_text=True)
    results = _results(page)
    assert f"<strong>Next question to ask:</strong> {fact.clinician_question}".replace("'", "&#39;") in results
    assert fact.question not in results  # the person's own wording stays in the chat and the form


def test_what_each_service_does_and_how_to_get_it_are_told_to_the_clinician(client):
    page = client.post("/check", data={"age": "34", "postcode": "S1 2AB", "conditions": ["psychosis"],
                                       "wants_paid_work": "yes"}).get_data(as_text=True)
    cards = re.findall(r'<div class="nhsuk-card" id="pathway-\w+">(.*?)<h3 class="nhsuk-heading-s">Why</h3>'
                       r'.*?<strong>How to get it:</strong>([^<]*)</p>', page, re.DOTALL)
    assert len(cards) == 4
    for top, route in cards:
        words = re.sub(r"<[^>]+>", " ", top) + " " + route
        assert not re.search(r"\b(you|your)\b", words, re.IGNORECASE), words
    assert "helps the patient find a paid job they want" in page
    assert "The patient does not need to be under a secondary mental health team." in page
