"""/self-referral — the self-referral without JavaScript, on NHS service manual patterns.

A start page; one question per page with a back link (questions whose answer would decide nothing are
skipped); "Check your answers" with change links; a result that separates what fits from what might fit
and explains what does not; consent in full naming the chosen service; contact details; texts offered only
for a UK mobile; a final "Send" that is idempotent; a confirmation panel with the reference.

Every word a person types is checked for risk first (self_referral_safety). State lives in the signed
session cookie: nothing personal in URLs, and nothing personal is logged. Pages are ``no-store``.
The result, consent, contact and send pages are in self_referral_referral.py.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from werkzeug.datastructures import MultiDict

from bot import answers
from rules import default_engine, parse_postcode
from rules.postcodes import InvalidPostcode, is_real_area, looks_like_postcode

from . import self_referral_safety as safety
from .self_referral_journey import (
    ANYTHING_ELSE,
    FREE_TEXT_MAX,
    FREE_TEXT_PAGES,
    Journey,
    fact_of,
    new_state,
    question_of,
    slug,
)

bp = Blueprint("self_referral_page", __name__, template_folder="templates")
SERVICE_TITLE = "Refer yourself for help with work"
PHONE = "0306 999 0123"


@bp.record_once
def _ensure_secret_key(state) -> None:
    """The session is signed: without a configured SECRET_KEY, use one kept beside the database (0600),
    so that every worker of one deployment signs alike and a restart does not lose people's answers."""
    app = state.app
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"  # a cross-site POST never carries the person's answers
    if str(app.config.get("PUBLIC_BASE_URL", "")).startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True  # the answers travel only over https
    if app.config.get("SECRET_KEY"):
        return
    path = Path(app.config.get("SECRET_KEY_FILE") or Path(app.config["DATABASE_PATH"]).parent / "session-secret")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
    app.config["SECRET_KEY"] = path.read_text().strip()


@bp.after_request
def _no_store(response):
    # Answers about health must not stay in a shared computer's cache or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


def render_page(template: str, title: str, *, errors: dict | None = None, status: int = 200, **context: Any):
    """Render a page; its title starts "Error: " when there are errors (NHS service manual)."""
    errors = errors or {}
    context.setdefault("form", MultiDict())
    full_title = ("Error: " if errors else "") + (title if title == SERVICE_TITLE else f"{title} – {SERVICE_TITLE}")
    return render_template(f"chat/{template}", page_title=full_title, heading=title, errors=errors,
                           service_phone=PHONE, **context), (400 if errors and status == 200 else status)


def back_to(journey: Journey, current: str) -> str:
    previous = journey.previous_page(current)
    return url_for(".question", name=previous) if previous else url_for(".start")


def next_url(journey: Journey) -> str:
    following = journey.next_page()
    return url_for(".question", name=following) if following else url_for(".check_answers")


# --- start ---------------------------------------------------------------------------------------------

@bp.get("/self-referral")
def start():
    return render_page("self_referral_start.html", SERVICE_TITLE)


@bp.get("/self-referral/start")
def begin():
    """"Start now": a new journey if the last one was sent, else carry on where the person was."""
    journey = Journey.load(session)
    if journey.state.get("referral"):
        journey = Journey(new_state())
    journey.save(session)
    return redirect(next_url(journey))


# --- question pages ------------------------------------------------------------------------------------

def _stored_form(journey: Journey, page_name: str) -> MultiDict:
    fact = fact_of(page_name)
    if fact is None:
        return MultiDict({page_name: journey.value(page_name) or ""})
    if fact in journey.unsure:
        return MultiDict({fact: "unsure"})
    value = journey.value(page_name)
    if value is None:
        return MultiDict()
    if isinstance(value, list):
        return MultiDict([(fact, v) for v in value])
    if isinstance(value, bool):
        return MultiDict({fact: "yes" if value else "no"})
    return MultiDict({fact: str(value)})


def _render_question(journey: Journey, page_name: str, form: MultiDict, errors: dict | None = None):
    fact_name = fact_of(page_name)
    if fact_name:
        fact = default_engine().vocabulary[fact_name]
        question = question_of(fact)
        kind = {"boolean": "radios", "enum": "radios", "enum_list": "checkboxes"}.get(fact.type, "text")
    else:
        fact, question, kind = None, FREE_TEXT_PAGES[page_name], "textarea"
    field = fact_name or page_name
    choices = question.get("choices") or []
    first_target = f"{field}-{choices[0][0]}" if choices and kind != "text" else field
    return render_page("self_referral_question.html", question["title"], errors=errors, form=form, fact=fact,
                question=question, kind=kind, field=field, back=back_to(journey, page_name), targets={field: first_target},
                maxlength=FREE_TEXT_MAX)


@bp.get("/self-referral/<name>")
def question(name: str):
    page = name
    if not (fact_of(page) or page in FREE_TEXT_PAGES):
        return page_not_found()
    journey = Journey.load(session)
    paused = journey.state.get("paused") or {}
    form = _stored_form(journey, page)
    if paused.get("page") == page and paused.get("form"):
        form = MultiDict(paused["form"])  # back from the safety page: what they typed is still there
    journey.save(session)
    return _render_question(journey, page, form)


@bp.post("/self-referral/<name>")
def answer(name: str):
    page = name
    if not (fact_of(page) or page in FREE_TEXT_PAGES):
        return page_not_found()
    journey = Journey.load(session)
    fact_name = fact_of(page)
    field = fact_name or page
    form = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k == field])
    # Risk first: typed words are checked before they are read as an answer.
    stop = check_typed_words(journey, page, [v for v in form.getlist(field) if v], dict(form.lists()))
    if stop is not None:
        return stop
    value, error = read_answer(fact_name, page, form)
    if error:
        return _render_question(journey, page, form, {field: [error]})
    journey.answer(page, value)
    journey.state.pop("paused", None)
    journey.save(session)
    return redirect(next_url(journey))


def check_typed_words(journey: Journey, page_name: str, typed: list[str], form: dict):
    """Send the person to the crisis help (urgent) or the direct question (check) before anything else."""
    cleared = set(journey.state.get("cleared") or [])
    found = safety.highest_risk([t for t in typed if safety.text_key(t) not in cleared])
    if found is None:
        return None
    safety.record(found.level, found.category, found.reason, found.text, journey.state, page_name)
    journey.state["paused"] = {"page": page_name, "form": dict(form.items()), "key": safety.text_key(found.text),
                               "level": found.level, "text": found.text}
    journey.save(session)
    return redirect(url_for(".urgent_help" if found.level == safety.URGENT else ".are_you_safe"))


def read_answer(fact_name: str | None, page_name: str, form: MultiDict) -> tuple[Any, str | None]:
    """The clean answer (``None`` = not sure / left empty), or the error message to show (from facts.yaml)."""
    if fact_name is None:
        text = " ".join((form.get(page_name) or "").split())
        if len(text) > FREE_TEXT_MAX:
            return None, f"Write {FREE_TEXT_MAX} characters or fewer"
        return text, None
    fact = default_engine().vocabulary[fact_name]
    if fact.type == "enum_list":
        values = [v for v in form.getlist(fact_name) if v in fact.values]
        if not values:
            return None, fact.error("required")
        if "none" in values and len(values) > 1:
            values = [v for v in values if v != "none"]  # a condition chosen means not "none of these"
        return values, None
    raw = (form.get(fact_name) or "").strip()
    if fact.type in ("boolean", "enum"):
        if raw == "unsure" and fact.unsure:
            return None, None
        if fact.type == "boolean" and raw in ("yes", "no"):
            return raw == "yes", None
        if fact.type == "enum" and raw in fact.values:
            return raw, None
        return None, fact.error("required")
    if not raw:
        return None, fact.error("required")
    if fact_name == "age":
        if not any(ch.isdigit() for ch in raw) and answers.read_age(raw) is None:
            return None, fact.error("invalid")
        age = answers.read_age(raw)
        if age is None:
            digits = "".join(ch for ch in raw if ch.isdigit())
            return None, fact.error("range" if digits and len(digits) <= 4 else "invalid")
        return age, None
    if fact_name == "postcode":
        try:
            postcode = parse_postcode(raw)
        except InvalidPostcode:
            return None, fact.error("unknown" if looks_like_postcode(raw) else "invalid")
        if not is_real_area(postcode):
            return None, fact.error("unknown")
        return str(postcode), None
    return raw, None


# --- check your answers --------------------------------------------------------------------------------

def summary_rows(journey: Journey) -> list[dict[str, str]]:
    """One row per page answered, in order: the short label, the answer in the person's words, a change link."""
    vocabulary = default_engine().vocabulary
    rows = []
    for page_name in journey.pages():
        if not journey.answered(page_name):
            continue
        fact_name = fact_of(page_name)
        if fact_name:
            fact = vocabulary[fact_name]
            value = journey.value(page_name)
            if fact_name in journey.unsure:
                shown = fact.unsure or "Not sure"
            elif isinstance(value, list):
                shown = ", ".join(fact.answer_label(v) for v in value)
            elif fact.type in ("boolean", "enum"):
                shown = fact.answer_label(value)
            else:
                shown = str(value)
            label = fact.summary_label or fact.label
        else:
            label = FREE_TEXT_PAGES[page_name]["summary_label"]
            shown = journey.value(page_name) or "Nothing added"
        rows.append({"label": label, "value": shown, "href": url_for(".question", name=page_name),
                     "page": page_name})
    return rows


@bp.get("/self-referral/check-your-answers")
def check_answers():
    journey = Journey.load(session)
    following = journey.next_page()
    if following is not None:
        return redirect(url_for(".question", name=following))
    journey.save(session)
    return render_page("self_referral_check.html", "Check your answers", rows=summary_rows(journey),
                back=url_for(".question", name=ANYTHING_ELSE))


@bp.post("/self-referral/check-your-answers")
def answers_checked():
    return redirect(url_for(".result"), code=303)


# --- the safety pages ----------------------------------------------------------------------------------

@bp.get("/self-referral/urgent-help")
def urgent_help():
    journey = Journey.load(session)
    return render_page("self_referral_urgent.html", "Get help now", paused=bool(journey.state.get("paused")))


@bp.get("/self-referral/are-you-safe")
def are_you_safe():
    return render_page("self_referral_are_you_safe.html", "Are you thinking about ending your life, or about harming yourself?")


@bp.post("/self-referral/are-you-safe")
def are_you_safe_answered():
    choice = request.form.get("safe")
    journey = Journey.load(session)
    if choice not in ("yes", "no"):
        return render_page("self_referral_are_you_safe.html",
                    "Are you thinking about ending your life, or about harming yourself?",
                    errors={"safe": ["Select yes if you are thinking about ending your life or harming yourself"]},
                    targets={"safe": "safe-yes"})
    if choice == "yes":
        paused = journey.state.get("paused") or {}
        words = paused.get("text") or ""
        safety.record(safety.URGENT, "answered_yes", "said yes when asked directly",
                      f"{words} [asked whether thinking of ending their life or harming themselves: 'Yes, I am']".strip(),
                      journey.state, paused.get("page") or "are-you-safe")
        if paused:
            paused["level"] = safety.URGENT
        journey.save(session)
        return redirect(url_for(".urgent_help"), code=303)
    return _resume(journey)


@bp.post("/self-referral/carry-on")
def carry_on():
    """"I'm safe, carry on": back to the page the person was on, with what they typed kept."""
    return _resume(Journey.load(session))


def _resume(journey: Journey):
    paused = journey.state.get("paused") or {}
    if paused.get("key"):
        journey.state["cleared"] = [*(journey.state.get("cleared") or []), paused["key"]][-20:]
    journey.save(session)
    target = paused.get("page")
    if target in ("contact-details",):
        return redirect(url_for(".contact_details"), code=303)
    if target and (fact_of(target) or target in FREE_TEXT_PAGES):
        return redirect(url_for(".question", name=target), code=303)
    return redirect(next_url(journey), code=303)


def page_not_found():
    return render_page("self_referral_not_found.html", "Page not found", status=404)


def referral_client():
    from .client import InProcessReferralClient

    return current_app.config.get("BOT_REFERRAL_CLIENT") or InProcessReferralClient(current_app._get_current_object())


from . import self_referral_referral  # noqa: E402,F401  (registers the result, consent, contact and send pages)

__all__ = ["bp", "slug"]
