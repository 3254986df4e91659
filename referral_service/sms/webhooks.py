"""Twilio webhooks: ``POST /sms/inbound`` (replies: STOP / START / HELP / anything else) and ``POST /sms/status``.

Both are signed by Twilio (``X-Twilio-Signature``) and validated with the twilio library's
RequestValidator against ``PUBLIC_BASE_URL`` + path + query string: a bad signature is a 403 and
changes nothing.
"""

from __future__ import annotations

from flask import Response, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.safety import assess_risk
from bot.safety.crisis_lines import sms_crisis_reply

from ..api import Blueprint
from ..db import get_db, storage_error, write_transaction
from ..errors import Forbidden, NotFound
from ..schemas import ErrorResponseSchema
from ..storage import outbox, safety_events
from ..storage.consents import record_sms_stop, restore_sms_after_stop, yes_answers_our_question
from .dispatcher import record_opt_out
from .gateway import OPTED_OUT, TwilioProvider
from .mobiles import InvalidMobile, normalise_uk_mobile

blp = Blueprint("sms_webhooks", __name__, url_prefix="/sms",
                description="Twilio webhooks (form-encoded, signed with X-Twilio-Signature).")

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
# Twilio's own opt-in keywords: Twilio re-enables delivery itself; we give back only what the STOP took away.
START_WORDS = frozenset({"START", "UNSTOP"})
# An opt-in only as the answer to the question our reply to a STOP asked; otherwise an ordinary reply.
YES_WORD = "YES"
HELP_WORDS = frozenset({"HELP", "INFO"})
MAX_ROW_ID = 2**63 - 1  # SQLite's (and PostgreSQL's bigint) largest row id
URGENT = "If you need urgent help call NHS 111 and choose option 2, or 999 if life is at risk."


def _check_signature() -> None:
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("utf-8", "replace")
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    if not validator.validate(url, request.form, request.headers.get("X-Twilio-Signature", "")):
        raise Forbidden("The request is not signed by Twilio.")


def _twiml(text: str | None) -> Response:
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return Response(str(reply), mimetype="application/xml")


def _sender(raw: str) -> str | None:
    try:
        return normalise_uk_mobile(raw)
    except InvalidMobile:
        return raw if raw.startswith("+") else None


def _service(service_id: str | None):
    from rules import default_engine

    return default_engine().ruleset.directory.service(service_id) if service_id else None


def _who(last: dict | None) -> tuple[str, str]:
    service = _service(last["service_id"]) if last else None
    if service is None:
        return "NHS employment support", "your GP or care team"
    return service.name, f"{service.name} on {service.phone} or {service.website}"


def _kind(db, word: str, phone: str | None, last: dict | None) -> str:
    """What a text is: stop, start, help or other. Caller holds the transaction, so the answer and the write agree."""
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    if word == YES_WORD and phone and yes_answers_our_question(
            db, phone, (last["sent_at"] or last["created_at"]) if last else None):
        return "start"
    return "help" if word in HELP_WORDS else "other"


def _start_reply(restored: list[str] | None) -> str:
    if restored is None:  # a repeat of a text already handled (Twilio retries)
        return ("You will get texts about NHS employment support again from the services you had agreed to. "
                "Reply STOP to stop them.")
    if not restored:
        return ("You have not agreed to texts about NHS employment support from any service, so we will not text you. "
                "Reply STOP at any time.")
    names = sorted((_service(s).name if s != "*" and _service(s) else "NHS employment support services") for s in restored)
    return f"You will get texts about NHS employment support from {', '.join(names)} again. Reply STOP to stop them."


@blp.route("/inbound", methods=["POST"])
@blp.response(200, content_type="application/xml", description="TwiML with our reply")
@blp.alt_response(403, schema=ErrorResponseSchema, description="Missing or wrong X-Twilio-Signature")
def inbound():
    """A text from a phone. First the risk check: a text at risk is answered with the crisis lines, stored with its
    ``risk_level`` and recorded as a safety event for the services that texted the number. Then the keywords:
    STOP family withdraws SMS consent for every service; START/UNSTOP (and YES, when it answers our reply to a
    STOP) give back exactly what that STOP took away; HELP/INFO says who is texting and how to stop; anything
    else is stored for the service and answered."""
    _check_signature()
    body = request.form.get("Body", "")
    phone = _sender(request.form.get("From", ""))
    # Risk first, before any keyword (CONTRACT.md "Risk first, on every channel"): "STOP i want to die" gets
    # the crisis lines. A bare keyword is never at risk, so STOP still withdraws consent as before.
    risk = assess_risk(body)
    try:
        kind, name, contact, restored, last = _record_inbound(body, phone, risk)
    except Exception as error:
        # The crisis lines never wait for storage: a database in maintenance, busy or down still answers a
        # text at risk (nothing can be stored, so nobody is told: the error log says so, without the words).
        if storage_error(error) is None or not risk.level:
            raise
        current_app.logger.error("sms_crisis_reply_without_storage", extra={"error_type": type(error).__name__,
                                                                            "risk_level": risk.level})
        return _twiml(sms_crisis_reply(risk.level, None))
    if risk.level:
        return _twiml(sms_crisis_reply(risk.level, name if last else None))
    if kind == "stop":
        return _twiml("You will get no more texts about NHS employment support from any service. Changed your mind? "
                      "Reply YES to get them again from the services you had agreed to.")
    if kind == "start":
        return _twiml(_start_reply(restored))
    if kind == "help":
        return _twiml(f"These texts are from {name}, about NHS employment support. To talk to someone contact {contact}. "
                      "Reply STOP to stop these texts.")
    return _twiml(f"Thank you. Texts to this number are not read straight away. To talk to someone contact {contact}. "
                  f"{URGENT} Reply STOP to stop these texts.")


def _record_inbound(body: str, phone: str | None, risk):
    """Store the text (and, at risk, a safety event for each service that texted the number), then apply
    its keyword; one transaction. Returns (kind, service name, contact, what START restored, last promotion)."""
    db = get_db()
    word = body.strip().upper()
    sid = request.form.get("MessageSid") or request.form.get("SmsSid")
    now = outbox.iso()
    last = outbox.last_promotion_to(db, phone) if phone else None
    name, contact = _who(last)
    restored = None
    with write_transaction(db):
        kind = _kind(db, word, phone, last)
        new = outbox.record_inbound(db, message_sid=sid, phone_e164=phone, service_id=last["service_id"] if last else None,
                                    campaign_id=last["campaign_id"] if last else None, kind=kind,
                                    body=body if kind == "other" or risk.level else None, now=now, risk_level=risk.level)
        if new and risk.level:
            # Every service that texted this number has a duty to follow up; none known: admins see it.
            services = outbox.services_that_texted(db, phone) if phone else []
            safety_events.record_for_services(db, services, channel="sms", risk_level=risk.level, category=risk.category,
                                              reason=risk.reason, text=body, phone=phone)
        if new and phone and kind == "stop":
            # Our answer below asks the number to reply YES to undo it: the one question a bare YES can answer.
            record_sms_stop(db, phone, f"Replied {word} to a promotional text.", asked_reply_yes=True)
        elif new and phone and kind == "start":
            restored = restore_sms_after_stop(db, phone, word)
    current_app.logger.info("sms_inbound", extra={"kind": kind, "duplicate": not new, "risk_level": risk.level})
    return kind, name, contact, restored, last


@blp.route("/status", methods=["POST"])
@blp.response(200, description="Accepted (a repeated or out-of-date callback changes nothing)")
@blp.alt_response(403, schema=ErrorResponseSchema, description="Missing or wrong X-Twilio-Signature")
@blp.alt_response(404, schema=ErrorResponseSchema, description="No message of ours has that outbox_id")
def status():
    """Twilio's delivery status callback for one outbox row (``?outbox_id=``)."""
    _check_signature()
    db = get_db()
    outbox_id = request.args.get("outbox_id", type=int)
    # Every text we send names its outbox row; a signed callback for any other (or an id past SQLite's integer
    # range) is not about a message of ours.
    if outbox_id is None or not 1 <= outbox_id <= MAX_ROW_ID or outbox.get(db, outbox_id) is None:
        raise NotFound("There is no message of ours with that outbox_id.")
    sid = request.form.get("MessageSid") or request.form.get("SmsSid") or ""
    state = (request.form.get("MessageStatus") or request.form.get("SmsStatus") or "").lower()
    code = request.form.get("ErrorCode", type=int)
    changed = False
    if outbox_id is not None and sid:
        # The status and the opt-out it reports stand or fall together: one transaction.
        with write_transaction(db):
            changed = outbox.apply_status(db, outbox_id, sid, TwilioProvider.delivery_status(state), code, outbox.iso(),
                                          provider=TwilioProvider.name, opted_out=code == OPTED_OUT)
            if changed and code == OPTED_OUT:
                row = outbox.get(db, outbox_id)
                record_opt_out(db, row["phone_e164"], "Twilio reported the number has opted out (21610).")
    current_app.logger.info("sms_status", extra={"outbox_id": outbox_id, "status": state, "changed": changed})
    return Response("", status=200, mimetype="text/plain")
