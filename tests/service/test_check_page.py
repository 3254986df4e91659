"""The clinician page /check: the same decision as the API, as a form that works without JavaScript."""

from __future__ import annotations


def test_the_form_has_a_label_for_every_field(client):
    page = client.get("/check").get_data(as_text=True)
    assert '<label class="nhsuk-label" for="age">' in page
    assert '<label class="nhsuk-label" for="postcode">' in page
    assert 'name="wants_paid_work"' in page and "<legend" in page
    assert 'method="post"' in page


def test_a_result_shows_each_pathway_status_reason_source_and_local_service(client):
    response = client.post("/check", data={"age": "34", "postcode": "s1 2ab", "conditions": ["psychosis"],
                                            "wants_paid_work": "yes"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Can use this service" in page
    assert "Individual Placement and Support for severe mental illness" in page
    assert "NHS England, Individual placement and support for severe mental illness" in page
    assert "Sheffield IPS Employment Service" in page
    assert "Need more information" in page  # the other pathways still need answers


def test_bad_answers_show_an_error_summary_linked_to_the_fields(client):
    response = client.post("/check", data={"age": "old", "postcode": "nowhere"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert 'href="#age"' in page and 'href="#postcode"' in page
    assert 'aria-describedby="age-error"' in page


def test_answers_are_kept_after_an_error(client):
    page = client.post("/check", data={"age": "old", "postcode": "S1 2AB"}).get_data(as_text=True)
    assert 'value="S1 2AB"' in page
