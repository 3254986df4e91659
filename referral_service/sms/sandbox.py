"""A local SMS sandbox: the slice of Twilio's Messages REST API we use, and "phones" you can reply from.

    referral-service sms-sandbox --port 5001      # then TWILIO_API_URL=http://127.0.0.1:5001

- ``POST /2010-04-01/Accounts/<AccountSid>/Messages.json`` creates a message (basic auth with the
  account SID and auth token), answers like Twilio, then calls its StatusCallback (signed like
  Twilio) with ``sent`` then ``delivered`` (``undelivered``, error 30003, for +447700900666).
- ``GET …/Messages.json`` lists messages (``To``, ``DateSent>``, ``PageSize``), ``GET …/Messages/<sid>.json``.
- A number that replied STOP is refused with Twilio's error 21610 until it replies START.
- ``GET /`` is a page showing what each phone received, with a form to reply as that phone
  (posted, signed, to our ``/sms/inbound``; our TwiML answer lands on the phone too).
- ``GET /_sandbox/messages.json`` is the full log (for tests).
- ``POST /_sandbox/faults`` ``{"to": "+44…", "kind": "500" | "timeout" | "slow_create", "seconds": s,
  "times": n}`` makes sends to that number fail (fault tests): ``500`` answers HTTP 500 without
  creating the message; ``timeout`` waits ``seconds`` then answers 500 (nothing created);
  ``slow_create`` creates the message, then waits ``seconds`` before answering (the caller may time
  out although the text went). ``times`` (default: always) limits how often.
"""

from __future__ import annotations

import base64
import hmac
import queue
import secrets
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import requests
from flask import Flask, jsonify, redirect, render_template, request, url_for
from twilio.request_validator import RequestValidator

from .segments import count_segments

UNDELIVERABLE = "+447700900666"
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
START_WORDS = {"START", "YES", "UNSTOP"}


def _rfc2822(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True).replace("GMT", "+0000")


def _twilio_error(status: int, code: int, message: str):
    response = jsonify({"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                        "status": status})
    response.status_code = status
    return response


class SandboxState:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[dict] = []  # outbound (to phones) and inbound (from phones), in order
        self.opted_out: set[str] = set()
        self.callbacks: queue.Queue = queue.Queue()
        self.faults: dict[str, dict] = {}


CALLBACK_SENDERS = 4


def create_sandbox_app(*, account_sid: str, auth_token: str, inbound_url: str, callback_delay: float = 0.2,
                       our_number: str = "+447700900000") -> Flask:
    package = Path(__file__).resolve().parent.parent
    app = Flask(__name__, template_folder=str(package / "templates"), static_folder=str(package / "static"))
    state = SandboxState()
    app.extensions["sms_sandbox"] = state
    validator = RequestValidator(auth_token)

    def signed_post(url: str, data: dict, session=requests) -> requests.Response:
        headers = {"X-Twilio-Signature": validator.compute_signature(url, data)}
        return session.post(url, data=data, headers=headers, timeout=10)

    def deliver_callbacks():
        # Each callback is due ``callback_delay`` after its message was created (not after the previous
        # callback), and several go at once, so callbacks keep up with hundreds of messages a second.
        session = requests.Session()
        while True:
            item = state.callbacks.get()
            if item is None:
                return
            due, message, final = item
            time.sleep(max(due - time.monotonic(), 0))
            for status in ("sent", final):
                with state.lock:
                    message["status"] = status
                    message["date_updated"] = _rfc2822(datetime.now(UTC))
                    if status == "undelivered":
                        message["error_code"] = 30003
                data = {"AccountSid": account_sid, "MessageSid": message["sid"], "SmsSid": message["sid"],
                        "MessageStatus": status, "SmsStatus": status, "To": message["to"], "From": message["from"],
                        "ApiVersion": "2010-04-01"}
                if status == "undelivered":
                    data["ErrorCode"] = "30003"
                try:
                    signed_post(message["_callback"], data, session)
                except requests.RequestException:
                    pass

    for n in range(CALLBACK_SENDERS):
        threading.Thread(target=deliver_callbacks, name=f"sms-sandbox-callbacks-{n}", daemon=True).start()

    def authorised(sid: str) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return sid == account_sid and hmac.compare_digest(user, account_sid) and hmac.compare_digest(password, auth_token)

    def public(message: dict) -> dict:
        return {k: v for k, v in message.items() if not k.startswith("_")}

    @app.post("/2010-04-01/Accounts/<sid>/Messages.json")
    def create_message(sid: str):
        if not authorised(sid):
            return _twilio_error(401, 20003, "Authenticate")
        to = request.form.get("To", "")
        body = request.form.get("Body", "")
        sender = request.form.get("From") or None
        service = request.form.get("MessagingServiceSid") or None
        if not to.startswith("+") or not to[1:].isdigit():
            return _twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not body:
            return _twilio_error(400, 21602, "Message body is required.")
        if not sender and not service:
            return _twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required.")
        fault = take_fault(to)
        if fault and fault["kind"] in ("500", "timeout"):
            if fault["kind"] == "timeout":
                time.sleep(float(fault.get("seconds", 5)))
            return _twilio_error(500, 20500, "Internal Server Error")
        with state.lock:
            if to in state.opted_out:
                return _twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
            now = datetime.now(UTC)
            message_sid = "SM" + secrets.token_hex(16)
            message = {
                "sid": message_sid, "account_sid": account_sid, "to": to, "from": sender or our_number,
                "messaging_service_sid": service, "body": body, "status": "queued" if not service else "accepted",
                "num_segments": str(count_segments(body).segments), "num_media": "0", "direction": "outbound-api",
                "api_version": "2010-04-01", "price": None, "price_unit": "GBP", "error_code": None,
                "error_message": None, "date_created": _rfc2822(now), "date_updated": _rfc2822(now),
                "date_sent": _rfc2822(now), "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}.json",
                "subresource_uris": {}, "_callback": request.form.get("StatusCallback"),
                "_validity_period": request.form.get("ValidityPeriod"), "_created": now.timestamp(),
            }
            state.messages.append(message)
        if message["_callback"]:
            state.callbacks.put((time.monotonic() + callback_delay, message,
                                 "undelivered" if to == UNDELIVERABLE else "delivered"))
        if fault and fault["kind"] == "slow_create":
            time.sleep(float(fault.get("seconds", 5)))
        return jsonify(public(message)), 201

    def take_fault(to: str) -> dict | None:
        with state.lock:
            fault = state.faults.get(to)
            if fault is None:
                return None
            if fault.get("times") is not None:
                fault["times"] -= 1
                if fault["times"] <= 0:
                    del state.faults[to]
            return dict(fault)

    @app.post("/_sandbox/faults")
    def set_fault():
        fault = request.get_json(force=True)
        with state.lock:
            state.faults[fault["to"]] = {k: fault[k] for k in ("kind", "seconds", "times") if k in fault}
        return jsonify({"faults": len(state.faults)})

    @app.get("/2010-04-01/Accounts/<sid>/Messages.json")
    def list_messages(sid: str):
        if not authorised(sid):
            return _twilio_error(401, 20003, "Authenticate")
        to = request.args.get("To")
        after = request.args.get("DateSent>")
        since = datetime.fromisoformat(after.replace("Z", "+00:00")).timestamp() if after else None
        page_size = min(int(request.args.get("PageSize", 50)), 1000)
        with state.lock:
            found = [public(m) for m in reversed(state.messages)
                     if m["direction"] == "outbound-api" and (to is None or m["to"] == to)
                     and (since is None or m["_created"] >= since)]
        uri = request.full_path
        return jsonify({"messages": found[:page_size], "first_page_uri": uri, "next_page_uri": None,
                        "previous_page_uri": None, "page": 0, "page_size": page_size, "start": 0,
                        "end": max(len(found[:page_size]) - 1, 0), "uri": uri})

    @app.get("/2010-04-01/Accounts/<sid>/Messages/<message_sid>.json")
    def fetch_message(sid: str, message_sid: str):
        if not authorised(sid):
            return _twilio_error(401, 20003, "Authenticate")
        with state.lock:
            for m in state.messages:
                if m["sid"] == message_sid:
                    return jsonify(public(m))
        return _twilio_error(404, 20404, "The requested resource was not found")

    @app.get("/_sandbox/messages.json")
    def log():
        with state.lock:
            return jsonify({"messages": [public(m) for m in state.messages], "opted_out": sorted(state.opted_out)})

    @app.post("/phones/<path:phone>/reply")
    def reply(phone: str):
        text = (request.form.get("Body") or "").strip()
        if not text:
            return redirect(url_for("page"))
        now = datetime.now(UTC)
        sid = "SM" + secrets.token_hex(16)
        with state.lock:
            state.messages.append({"sid": sid, "to": our_number, "from": phone, "body": text, "direction": "inbound",
                                   "status": "received", "date_created": _rfc2822(now), "_created": now.timestamp()})
            if text.upper() in STOP_WORDS:
                state.opted_out.add(phone)
            elif text.upper() in START_WORDS:
                state.opted_out.discard(phone)
        data = {"AccountSid": account_sid, "MessageSid": sid, "SmsSid": sid, "From": phone, "To": our_number,
                "Body": text, "NumMedia": "0", "ApiVersion": "2010-04-01"}
        answer = None
        try:
            response = signed_post(inbound_url, data)
            answer = _twiml_text(response.text) if response.ok else f"(the service answered HTTP {response.status_code})"
        except requests.RequestException:
            answer = "(the service could not be reached)"
        if answer:
            with state.lock:
                state.messages.append({"sid": "SM" + secrets.token_hex(16), "to": phone, "from": our_number, "body": answer,
                                       "direction": "reply", "status": "delivered", "date_created": _rfc2822(datetime.now(UTC)),
                                       "_created": time.time()})
        return redirect(url_for("page") + f"#phone-{phone.lstrip('+')}")

    @app.get("/")
    def page():
        with state.lock:
            phones: dict[str, list[dict]] = {}
            for m in state.messages:
                phone = m["from"] if m["direction"] == "inbound" else m["to"]
                phones.setdefault(phone, []).append(m)
            opted_out = set(state.opted_out)
        return render_template("sms/sandbox.html", phones=sorted(phones.items()), opted_out=opted_out,
                               inbound_url=inbound_url)

    return app


def _twiml_text(xml: str) -> str | None:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None
    texts = [m.text or "" for m in root.iter("Message")]
    return "\n".join(texts) if texts else None
