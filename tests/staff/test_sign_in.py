"""Staff sign-in (CONTRACT.md "Staff web app"): accounts from the CLI, the form, the session cookie,
CSRF on every state-changing form, throttling of failed sign-ins, expiry and sign-out."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner

from referral_service.cli import main
from referral_service.db import connect_for
from referral_service.storage import users

from .conftest import PASSWORD, SHEFFIELD, csrf_from, make_user, sign_in


def test_users_create_reads_the_password_from_standard_input_and_stores_only_a_slow_hash(app):
    result = make_user(app, "Sam@Sheffield.example", "service", SHEFFIELD)
    assert "Created service account" in result.output and PASSWORD not in result.output
    db = connect_for(app)
    row = users.find_by_email(db, "sam@sheffield.example")
    assert row["role"] == "service" and row["service_id"] == SHEFFIELD
    assert row["password_hash"].startswith("$argon2id$") and PASSWORD not in row["password_hash"]


def test_users_create_refuses_a_short_password_an_unknown_service_and_a_service_account_without_one(app):
    env = {"DATABASE_PATH": app.config["DATABASE_PATH"]}
    short = CliRunner().invoke(main, ["users", "create", "--email", "a@x.example", "--role", "admin"], input="short\n", env=env)
    assert short.exit_code != 0 and "at least 12" in short.output
    unknown = CliRunner().invoke(main, ["users", "create", "--email", "b@x.example", "--role", "service", "--service",
                                        "nowhere"], input=PASSWORD + "\n", env=env)
    assert unknown.exit_code != 0 and "unknown service" in unknown.output
    missing = CliRunner().invoke(main, ["users", "create", "--email", "c@x.example", "--role", "service"],
                                 input=PASSWORD + "\n", env=env)
    assert missing.exit_code != 0 and "needs --service" in missing.output


def test_the_sign_in_form_has_email_password_and_a_hidden_csrf_token(client):
    page = client.get("/sign-in")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="email"' in html and 'name="password"' in html and 'type="hidden" name="csrf_token"' in html
    assert page.headers["Cache-Control"] == "no-store"


def test_right_details_redirect_and_set_an_httponly_samesite_session_cookie(client, sheffield_user):
    response = sign_in(client, sheffield_user)
    assert response.status_code == 303 and response.headers["Location"] == "/inbox"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("staff_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain http on a laptop
    assert client.get("/inbox").status_code == 200


def test_the_cookie_is_secure_behind_https(app, client, sheffield_user):
    app.config["PREFERRED_URL_SCHEME"] = "https"
    response = sign_in(client, sheffield_user)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("staff_session="))
    assert "Secure" in cookie


def test_a_wrong_password_and_an_unknown_email_get_the_same_message(client, sheffield_user):
    wrong = sign_in(client, sheffield_user, password="not the password at all")
    unknown = sign_in(client, "nobody@sheffield.example")
    assert wrong.status_code == unknown.status_code == 401
    message = "Enter a correct email address and password"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert "staff_session=" not in " ".join(wrong.headers.getlist("Set-Cookie"))


def test_empty_fields_are_named_in_an_error_summary(client):
    token = csrf_from(client.get("/sign-in"))
    response = client.post("/sign-in", data={"email": "", "password": "", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and 'href="#email"' in html and 'href="#password"' in html
    assert "<title>Error: Sign in" in html


def test_sign_in_without_the_csrf_token_is_refused(client, sheffield_user):
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": sheffield_user, "password": PASSWORD})
    assert response.status_code == 400
    assert "staff_session=" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_state_changing_staff_forms_need_the_sessions_csrf_token(client, sheffield_user):
    sign_in(client, sheffield_user)
    assert client.post("/sign-out").status_code == 400
    assert client.post("/sign-out", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/inbox").status_code == 200  # still signed in: the forged sign-out did nothing


def test_the_json_api_and_the_public_form_are_not_subject_to_the_staff_csrf_check(client):
    assert client.post("/api/v1/eligibility", json={"age": 30}).status_code == 200
    assert client.post("/check", data={"age": "30"}).status_code == 200


def test_failed_sign_ins_are_throttled_per_account_even_with_the_right_password_then(app, client, sheffield_user):
    for _ in range(app.config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"]):
        assert sign_in(client, sheffield_user, password="guess guess guess").status_code == 401
    blocked = sign_in(client, sheffield_user)
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    # Another account from elsewhere is not blocked by this one's failures.
    make_user(app, "other@sheffield.example", "service", SHEFFIELD)
    assert sign_in(client, "other@sheffield.example").status_code == 303


def test_failed_sign_ins_are_throttled_per_address_across_accounts(app, client, sheffield_user):
    app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"] = 3
    for n in range(3):
        sign_in(client, f"guess{n}@sheffield.example")
    assert sign_in(client, sheffield_user).status_code == 429


def test_the_throttle_lifts_after_the_window(app, client, sheffield_user):
    for _ in range(app.config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"]):
        sign_in(client, sheffield_user, password="guess guess guess")
    db = connect_for(app)
    earlier = (users.now() - timedelta(minutes=app.config["SIGN_IN_FAILURE_WINDOW_MINUTES"] + 1)).isoformat()
    with db.conn:
        db.execute("update sign_in_failures set at = ?", [earlier])
    assert sign_in(client, sheffield_user).status_code == 303


def _age_sessions(app, **columns):
    db = connect_for(app)
    with db.conn:
        for column, delta in columns.items():
            db.execute(f"update staff_sessions set {column} = ?", [(users.now() - delta).isoformat()])


def test_a_session_ends_after_the_idle_time(app, client, sheffield_user):
    sign_in(client, sheffield_user)
    _age_sessions(app, last_seen_at=timedelta(minutes=app.config["STAFF_SESSION_IDLE_MINUTES"] + 1))
    response = client.get("/inbox")
    assert response.status_code == 303 and response.headers["Location"].startswith("/sign-in?next=/inbox")


def test_a_session_ends_after_the_absolute_time_even_when_in_use(app, client, sheffield_user):
    sign_in(client, sheffield_user)
    _age_sessions(app, created_at=timedelta(hours=app.config["STAFF_SESSION_MAX_HOURS"], minutes=1))
    assert client.get("/inbox").status_code == 303


def test_sign_out_ends_the_session_on_the_server_not_just_the_cookie(client, sheffield_user):
    response = sign_in(client, sheffield_user)
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("staff_session="))
    session_id = session_cookie.split(";")[0].split("=", 1)[1]
    token = csrf_from(client.get("/inbox"))
    out = client.post("/sign-out", data={"csrf_token": token})
    assert out.status_code == 303 and "signed_out" in out.headers["Location"]
    assert "You have signed out" in client.get(out.headers["Location"]).get_data(as_text=True)
    client.set_cookie("staff_session", session_id)  # a copy of the old cookie no longer works
    assert client.get("/inbox").status_code == 303


def test_after_sign_in_the_person_returns_to_the_page_they_asked_for_but_never_off_site(client, sheffield_user):
    assert sign_in(client, sheffield_user, next="/inbox?status=received").headers["Location"] == "/inbox?status=received"
    client.delete_cookie("staff_session")
    assert sign_in(client, sheffield_user, next="https://evil.example/").headers["Location"] == "/inbox"
    client.delete_cookie("staff_session")
    assert sign_in(client, sheffield_user, next="//evil.example/").headers["Location"] == "/inbox"


def test_an_administrator_can_list_reset_and_disable_accounts_from_the_command_line(app, client, sheffield_user):
    env = {"DATABASE_PATH": app.config["DATABASE_PATH"]}
    listed = CliRunner().invoke(main, ["users", "list"], env=env)
    assert sheffield_user in listed.output and "argon2" not in listed.output
    sign_in(client, sheffield_user)
    new = "a brand new passphrase"
    reset = CliRunner().invoke(main, ["users", "set-password", "--email", sheffield_user], input=new + "\n", env=env)
    assert reset.exit_code == 0, reset.output
    assert client.get("/inbox").status_code == 303  # the session in use ended with the reset
    assert sign_in(client, sheffield_user).status_code == 401
    assert sign_in(client, sheffield_user, password=new).status_code == 303
    disabled = CliRunner().invoke(main, ["users", "disable", "--email", sheffield_user], env=env)
    assert disabled.exit_code == 0
    assert client.get("/inbox").status_code == 303
    client.delete_cookie("staff_session")
    assert sign_in(client, sheffield_user, password=new).status_code == 401
