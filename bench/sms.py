"""SMS promotions at scale: contacts import, campaign preview, outbox freeze and dispatch rate.

    python -m bench.sms [--quick]

- import: a 100,000-row contacts CSV through the real CLI (``referral-service contacts import``);
- preview: a campaign over 1,000,000 contacts written straight into the tables (executemany);
- freeze: ``POST …/send``'s one transaction (INSERT … SELECT) for about 100,000 recipients;
- dispatch: the dispatcher against the local sandbox (its own process, over HTTP with the official
  twilio client) at configured rates of 50 and 200 messages/s and with no limit of ours.
Each figure is printed beside what limits it. Results go to bench/out/sms.json.

Numbers: every synthetic mobile is one the import accepts (``referral_service.sms.mobiles``), so the
tables hold what an import of the same people would hold. Ofcom's drama range (07700 900000–900999)
has only a thousand numbers; 07700 000000–199999 (mobiles in phonenumbers' GB metadata) give 200,000;
a million distinct people also use 07400 000000–999999 (also accepted). They are only ever "texted"
through the local sandbox, never a real gateway.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import sqlite_utils

from bench.server import free_port, wait_for
from consent import SMS_PROMOTIONS
from referral_service.db import connect, write_transaction
from referral_service.schema import migrate
from referral_service.sms.mobiles import normalise_uk_mobile

OUT = Path(__file__).parent / "out"
ROOT = Path(__file__).resolve().parent.parent

SERVICE = "sheffield-ips-smi"
POSTCODES = [("S1 2AB", "S", "S1"), ("S10 1AA", "S", "S10"), ("S11 8YZ", "S", "S11"), ("S6 3AA", "S", "S6"),
             ("DN1 3AA", "DN", "DN1"), ("SW1A 1AA", "SW", "SW1A"), ("B1 1AA", "B", "B1"), (None, None, None)]
CONDITIONS = ["psychosis", "bipolar", "personality_disorder", "physical_health;psychosis", "anxiety", "depression", "",
              "anxiety;bipolar", "eating_disorder", "complex_mental_health"]


def mobile(i: int) -> str:
    """The i-th synthetic mobile (E.164), 0 <= i < 1,200,000."""
    if i < 200_000:
        return f"+447700{i:06d}"
    return f"+447400{i - 200_000:06d}"


def check_numbers(count: int) -> None:
    """The import would accept every number used (spot check of the edges and a spread)."""
    for i in {0, 199_999, 200_000, count - 1, *range(0, count, max(count // 50, 1))}:
        national = "0" + mobile(i)[3:]
        assert normalise_uk_mobile(national) == mobile(i), national


def populate(db: sqlite_utils.Database, count: int, *, service_id: str = SERVICE, seed: int = 11,
             now: datetime | None = None) -> dict:
    """Insert ``count`` contacts with consent records, some referrals and recent promotions; return the mix."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    stamp = now.isoformat(timespec="microseconds")
    check_numbers(count)
    contacts, records, current, referrals, outbox = [], [], [], [], []
    next_record = (db.execute("select coalesce(max(id), 0) from consent_records").fetchone()[0]) + 1
    for i in range(count):
        r = rng.random()
        phone = None if r < 0.02 else mobile(rng.randrange(count) if r < 0.04 else i)  # 2% invalid, 2% duplicates
        postcode, area, district = POSTCODES[rng.randrange(len(POSTCODES))]
        smhc = rng.choice([1, 0, None])
        contacts.append((service_id, f"P{i:07d}", f"Name{i % 997}", phone, postcode, area, district,
                         rng.choice(CONDITIONS), smhc, "h", stamp, stamp))
        if phone is None:
            continue
        c = rng.random()
        decision = "granted" if c < 0.7 else "refused" if c < 0.8 else "withdrawn" if c < 0.85 else None
        if decision:
            recorded = (now - timedelta(days=rng.randrange(1, 700))).isoformat(timespec="microseconds")
            scope = "*" if decision == "withdrawn" and rng.random() < 0.5 else service_id
            records.append((next_record, "phone:" + phone, SMS_PROMOTIONS, decision, "import", scope, recorded,
                            "bench", "contacts-import", "bench", None, stamp))
            current.append(("phone:" + phone, SMS_PROMOTIONS, scope, decision, recorded, next_record))
            next_record += 1
        if rng.random() < 0.01:
            referrals.append(phone)
        if rng.random() < 0.05:
            outbox.append(phone)
    with db.conn:
        db.conn.executemany(
            "insert into sms_contacts (service_id, person_ref, first_name, phone_e164, postcode, postcode_area, "
            "postcode_district, conditions, in_smhc, row_hash, imported_at, updated_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", contacts)
        db.conn.executemany(
            "insert into consent_records (id, subject, purpose, decision, method, service_scope, recorded_at, recorded_by, "
            "wording_version, wording_text, referral_reference, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            records)
        db.conn.executemany(
            "insert or replace into consent_current (subject, purpose, service_scope, decision, recorded_at, record_id) "
            "values (?, ?, ?, ?, ?, ?)", current)
        db.conn.executemany(
            "insert into sms_outbox (campaign_id, owner_service_id, service_id, phone_e164, body, segments, status, "
            "next_attempt_at, created_at, updated_at) values ('CMP-BENCHOLD', ?, ?, ?, 'x', 1, 'delivered', ?, ?, ?)",
            [(service_id, service_id, p, stamp, stamp, stamp) for p in outbox])
    _referrals(db, service_id, referrals)
    return {"contacts": count, "consent_records": len(records), "referrals": len(referrals),
            "recent_promotions": len(outbox)}


def _referrals(db: sqlite_utils.Database, service_id: str, phones: list[str]) -> None:
    from referral_service.storage.referrals import insert_referral

    with db.conn:
        for n, phone in enumerate(phones):
            insert_referral(db, {"reference": f"BENCH-{n:07d}", "pathway": "ips_smi", "service_id": service_id,
                                 "source": "self", "phone_e164": phone})


def campaign(db: sqlite_utils.Database, audience: dict | None = None) -> dict:
    from referral_service.storage.campaigns import create_campaign

    return create_campaign(db, service_id=SERVICE, name="Bench", template="Hi {first_name}, {service_name} helps people "
                           "find work. Chat: {link}", audience=audience or {}, routed=False, created_by=None)


def bench_import(tmp: Path, rows: int) -> dict:
    """A CSV of ``rows`` people through the real CLI, in its own process (start-up included in wall time)."""
    path = tmp / "contacts.csv"
    rng = random.Random(3)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person_ref", "first_name", "mobile", "postcode", "conditions", "in_secondary_mental_health_care",
                         "sms_consent", "sms_consent_recorded_at", "sms_consent_method"])
        for i in range(rows):
            postcode = POSTCODES[rng.randrange(len(POSTCODES))][0] or ""
            consent = rng.choice(["granted", "granted", "granted", "refused", "withdrawn", ""])
            number = mobile(i)
            writer.writerow([f"P{i:07d}", f"Name{i % 997}", "0" + number[3:6] + " " + number[6:], postcode,
                             rng.choice(CONDITIONS), rng.choice(["true", "false", ""]), consent,
                             "2025-03-01" if consent else "", "paper" if consent else ""])
    env = {**os.environ, "DATABASE_PATH": str(tmp / "import.db"), "LOG_LEVEL": "WARNING", "SMS_DISPATCHER": "off",
           "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "referral_service.cli", "contacts", "import", "--service", SERVICE, str(path)]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    wall = time.perf_counter() - start
    match = re.search(r"Read (\d+) rows in ([\d.]+)s", done.stdout)
    inner = float(match.group(2)) if match else wall
    again = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    reimport = time.perf_counter() - again
    return {"import_rows": rows, "import_seconds": round(wall, 2), "import_rows_per_second": round(rows / wall),
            "import_seconds_in_cli": inner, "reimport_seconds": round(reimport, 2),
            "import_limited_by": "one core: CSV parsing, row checks and SHA-1 per row in Python; SQLite inserts in 5,000-row "
                                 "transactions (one consent record per row)"}


def bench_preview(tmp: Path, contacts: int, rounds: int) -> dict:
    from referral_service.sms import audience

    db = connect(tmp / "preview.db")
    migrate(db)
    start = time.perf_counter()
    mix = populate(db, contacts)
    populate_seconds = time.perf_counter() - start
    db.execute("analyze")
    results = {}
    for name, aud in [("whole_list", {}), ("pathway_and_area", {"pathway": "ips_smi", "postcode_prefixes": ["S"]})]:
        c = campaign(db, aud)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            answer = audience.preview(db, c, "https://example.nhs.uk")
            times.append(time.perf_counter() - start)
        results[name] = {"median": round(statistics.median(times), 3), "min": round(min(times), 3),
                         "max": round(max(times), 3), "recipients": answer["recipients"], "excluded": answer["excluded"]}
    db.conn.close()
    return {"preview_contacts": contacts, "preview_seconds": results["whole_list"]["median"], "preview": results,
            "preview_mix": mix, "preview_populate_seconds": round(populate_seconds, 1),
            "preview_limited_by": "one covering-index seek into consent_current per distinct number (in C, number ranges "
                                  "on parallel connections, one per CPU up to 4)"}


def bench_freeze(tmp: Path, contacts: int) -> dict:
    from referral_service.sms import audience
    from referral_service.storage import campaigns as store

    db = connect(tmp / "freeze.db")
    migrate(db)
    populate(db, contacts, seed=5)
    c = campaign(db)
    start = time.perf_counter()
    with write_transaction(db):
        queued = audience.freeze(db, c, "https://example.nhs.uk")
        store.mark_sending(db, c["id"], queued)
    seconds = time.perf_counter() - start
    db.conn.close()
    return {"freeze_recipients": queued, "freeze_seconds": round(seconds, 2), "freeze_contacts": contacts,
            "freeze_limited_by": "the scoring pass plus writing each outbox row and its three indexes, in one transaction"}


def _queue(db_path: Path, count: int, first: int) -> None:
    """``count`` queued texts to distinct numbers (straight into the outbox, as a freeze leaves them)."""
    db = connect(db_path)
    migrate(db)
    now = datetime.now(UTC)
    stamp = now.isoformat(timespec="microseconds")
    recorded = (now - timedelta(days=1)).isoformat(timespec="microseconds")
    with db.conn:
        start_id = db.execute("select coalesce(max(id), 0) from consent_records").fetchone()[0] + 1
        db.conn.executemany(
            "insert into consent_records (id, subject, purpose, decision, method, service_scope, recorded_at, recorded_by, "
            "wording_version, wording_text, referral_reference, created_at) values (?, ?, ?, 'granted', 'import', ?, ?, "
            "'bench', 'bench', 'bench', null, ?)",
            [(start_id + i, "phone:" + mobile(first + i), SMS_PROMOTIONS, SERVICE, recorded, stamp) for i in range(count)])
        db.conn.executemany(
            "insert or replace into consent_current values (?, ?, ?, 'granted', ?, ?)",
            [("phone:" + mobile(first + i), SMS_PROMOTIONS, SERVICE, recorded, start_id + i) for i in range(count)])
        db.conn.executemany(
            "insert into sms_outbox (campaign_id, owner_service_id, service_id, phone_e164, body, segments, status, "
            "next_attempt_at, created_at, updated_at) values ('CMP-BENCH', ?, ?, ?, ?, 1, 'queued', ?, ?, ?)",
            [(SERVICE, SERVICE, mobile(first + i), f"Hi Name{i}, Sheffield IPS helps people find work. Reply STOP to stop "
              "these texts.", stamp, stamp, stamp) for i in range(count)])
    db.conn.close()


def bench_dispatch(tmp: Path, plans: list[tuple[float, int]]) -> dict:
    from referral_service.sms.dispatcher import Dispatcher
    from referral_service.sms.embedded import PLACEHOLDER_ACCOUNT

    port = free_port()
    callbacks_to = f"http://127.0.0.1:{free_port()}"  # nothing listens: the sandbox's callbacks fail fast
    db_path = tmp / "dispatch.db"
    env = {**os.environ, "DATABASE_PATH": str(tmp / "sandbox.db"), "LOG_LEVEL": "WARNING", "PUBLIC_BASE_URL": callbacks_to,
           "SMS_DISPATCHER": "off", "PYTHONPATH": str(ROOT), "TWILIO_ACCOUNT_SID": PLACEHOLDER_ACCOUNT,
           "TWILIO_AUTH_TOKEN": "sandbox-auth-token"}
    sandbox = subprocess.Popen([sys.executable, "-m", "referral_service.cli", "sms-sandbox", "--port", str(port)], env=env,
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = []
    try:
        wait_for(port)
        config = {"TWILIO_API_URL": f"http://127.0.0.1:{port}", "TWILIO_ACCOUNT_SID": PLACEHOLDER_ACCOUNT,
                  "TWILIO_AUTH_TOKEN": "sandbox-auth-token",
                  "PUBLIC_BASE_URL": callbacks_to, "SMS_SEND_WINDOW": "always"}
        first = 0
        for rate, count in plans:
            _queue(db_path, count, first)
            first += count
            dispatcher = Dispatcher(str(db_path), {**config, "SMS_RATE_PER_SECOND": rate})
            start = time.perf_counter()
            sent = dispatcher.run(until_idle=True)
            seconds = time.perf_counter() - start
            log = requests.get(f"http://127.0.0.1:{port}/_sandbox/messages.json", timeout=30).json()["messages"]
            results.append({"configured_rate": rate or "unlimited", "messages": sent, "seconds": round(seconds, 2),
                            "per_second": round(sent / seconds, 1), "sandbox_log": len(log),
                            "concurrency": dispatcher.concurrency})
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    main_run = next(r for r in results if r["configured_rate"] == 200)
    return {"dispatch_rate": 200, "dispatch_per_second": main_run["per_second"], "dispatch": results,
            "dispatch_limited_by": "the configured rate when set; unlimited: the sandbox (werkzeug, a thread per request, "
                                   "on the same 2 cores) and two SQLite commits per text"}


def main() -> None:
    quick = "--quick" in sys.argv
    results: dict = {"quick": quick}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        print("== contacts import", flush=True)
        results.update(bench_import(tmp, 20_000 if quick else 100_000))
        print(f"  {results['import_rows']:,} rows in {results['import_seconds']} s through the CLI "
              f"({results['import_rows_per_second']:,} rows/s; re-import {results['reimport_seconds']} s) "
              f"- limited by {results['import_limited_by']}", flush=True)
        print("== campaign preview", flush=True)
        results.update(bench_preview(tmp, 100_000 if quick else 1_000_000, 3))
        for name, r in results["preview"].items():
            print(f"  {name}: {results['preview_contacts']:,} contacts in {r['median']} s (median, "
                  f"{r['min']}–{r['max']}), {r['recipients']:,} recipients", flush=True)
        print(f"  limited by {results['preview_limited_by']}")
        print("== outbox freeze", flush=True)
        results.update(bench_freeze(tmp, 20_000 if quick else 160_000))
        print(f"  {results['freeze_recipients']:,} recipients queued in {results['freeze_seconds']} s (one transaction)"
              f" - limited by {results['freeze_limited_by']}", flush=True)
        print("== dispatch against the sandbox", flush=True)
        plans = [(50, 100), (200, 400), (0, 600)] if quick else [(50, 500), (200, 2000), (0, 3000)]
        results.update(bench_dispatch(tmp, plans))
        for r in results["dispatch"]:
            print(f"  configured {r['configured_rate']}: {r['messages']} texts in {r['seconds']} s = "
                  f"{r['per_second']} msg/s ({r['concurrency']} in flight at most)", flush=True)
        print(f"  limited by {results['dispatch_limited_by']}")
    OUT.mkdir(exist_ok=True)
    (OUT / "sms.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
