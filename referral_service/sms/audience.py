"""Who a campaign would text, and why everyone else is excluded (the preview), and the frozen send list.

Built for a service with a million contacts: the rules engine is asked once per distinct
(conditions, in_secondary_mental_health_care) combination, routing once per postcode district, and
everything else is one SQL pass (``storage/audience.py``) that gives each contact its first exclusion
reason, in this order: ``invalid_mobile``, ``outside_audience``, ``no_local_service`` (routed
campaigns), ``no_consent``, ``withdrawn``, ``duplicate_mobile``, ``already_referred``, ``frequency_cap``.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rules import ELIGIBLE, NEEDS_INFORMATION, Postcode, default_engine
from rules.rereferral import rereferral_wait_days

from ..db import Database, connect
from ..storage import audience as store
from .segments import count_segments
from .templates import render, tracked_link

REASONS = ("no_consent", "withdrawn", "invalid_mobile", "duplicate_mobile", "outside_audience", "frequency_cap",
           "already_referred", "no_local_service")
FREQUENCY_CAP_DAYS = store.FREQUENCY_CAP_DAYS
SAMPLE_SIZE = store.SAMPLE_SIZE
PARALLEL_FROM = 50_000  # contacts: below this one connection is quicker than several


@dataclass(frozen=True)
class Recipient:
    contact_id: int
    person_ref: str
    first_name: str | None
    phone_e164: str
    service_id: str


def _cohort(db: Database, owner: str, pathway: str) -> list[tuple[str, int]]:
    """(conditions, in_smhc or -1) combinations whom the rules do not rule out for ``pathway``."""
    engine = default_engine()
    allowed = []
    for conditions, smhc in store.condition_combinations(db, owner):
        facts: dict = {}
        if conditions:
            facts["conditions"] = conditions.split(";")
        if smhc != -1:
            facts["in_secondary_mental_health_care"] = bool(smhc)
        if engine.status_of(facts, pathway) in (ELIGIBLE, NEEDS_INFORMATION):
            allowed.append((conditions, smhc))
    return allowed


def _routes(db: Database, owner: str, pathway: str) -> list[tuple[str, str]]:
    """(postcode district, local service id) for every district in the list: services of the owner's area only."""
    directory = default_engine().ruleset.directory
    owner_service = directory.service(owner)
    area = owner_service.area if owner_service is not None else owner
    routes = []
    for district in store.postcode_districts(db, owner):
        services = [s for s in directory.services_for(pathway, Postcode(district, "0AA")) if s.area == area]
        if services:
            routes.append((district, services[0].id))
    return routes


def _rereferral(now: datetime) -> list[tuple[str, str]]:
    # Re-referral (rules.rereferral; IPS Grow briefing note §12e): an earlier referral blocks a promotion only while
    # it is open or until its service's wait after it finished is over (none by default).
    ruleset = default_engine().ruleset
    return [(s.id, (now - timedelta(days=rereferral_wait_days(ruleset, s.id))).isoformat(timespec="microseconds"))
            for s in ruleset.directory.services]


def _prepare(db: Database, campaign: dict, now: datetime) -> None:
    """What the rules decide for this list, once, into the connection's temporary tables."""
    owner = campaign["service_id"]
    pathway = (campaign["audience"] or {}).get("pathway")
    store.prepare(db, cohort=_cohort(db, owner, pathway) if pathway else [],
                  routes=_routes(db, owner, pathway) if campaign["routed"] else [], rereferral=_rereferral(now))


def phone_reasons(db: Database, campaign: dict, now: datetime | None = None) -> dict[str, str | None]:
    """Number → its reason (None: texted) for every number that passes the first pass (the preview's own SQL)."""
    now = now or datetime.now(UTC)
    _prepare(db, campaign, now)
    return store.phone_reasons(db, campaign, now)


def recipients(db: Database, campaign: dict, now: datetime | None = None) -> list[Recipient]:
    """Everyone the campaign would text now, in contact order (one per number: the first contact)."""
    now = now or datetime.now(UTC)
    _prepare(db, campaign, now)
    return [Recipient(*row) for row in store.recipients(db, campaign, now)]


def freeze(db: Database, campaign: dict, public_base_url: str, now: datetime | None = None) -> int:
    """Queue every recipient in the outbox (caller holds the one write transaction); return how many.

    INSERT … SELECT: each distinct (local service, first name) is rendered once in Python (the same
    ``message_for`` as the preview), everything else stays in the database.
    """
    now = now or datetime.now(UTC)
    _prepare(db, campaign, now)
    bodies = []
    for service_id, first_name in store.freeze_recipients(db, campaign, now):
        body = message_for(campaign, first_name, service_id, public_base_url)
        bodies.append((service_id, first_name, body, count_segments(body).segments))
    return store.queue_frozen(db, campaign, bodies, now)


def message_for(campaign: dict, recipient_first_name: str | None, service_id: str, public_base_url: str) -> str:
    service = default_engine().ruleset.directory.service(service_id)
    return render(campaign["template"], first_name=recipient_first_name,
                  service_name=service.name if service else service_id,
                  service_phone=service.phone if service else "",
                  link=tracked_link(public_base_url, campaign["id"], service_id))


def _mask(phone: str) -> str:
    return phone[:-3] + "***"


def preview(db: Database, campaign: dict, public_base_url: str, now: datetime | None = None) -> dict:
    """The dry run (CONTRACT.md): recipients, exclusions by reason, segments per message, a sample.

    Set-based: one grouped pass over the contacts joined to the current consent, counts summed in SQL.
    A big list in the embedded SQLite file is cut into number ranges read in parallel on connections of
    their own (SQLite runs them without the GIL), one per CPU; PostgreSQL plans its own parallelism.
    """
    now = now or datetime.now(UTC)
    owner = campaign["service_id"]
    _prepare(db, campaign, now)
    cohort, routes, rereferral = store.prepared(db)
    path = store.database_file(db)
    cuts = store.split_points(db, owner, min(os.cpu_count() or 1, 4), PARALLEL_FROM) if path else []
    bounds = list(zip(["", *cuts], [*cuts, "~"], strict=True))

    def part(lo_hi: tuple[str, str]) -> list[tuple]:
        if len(bounds) == 1:
            return store.preview_part(db, campaign, now, *lo_hi)
        conn = connect(path)
        try:
            store.prepare(conn, cohort=cohort, routes=routes, rereferral=rereferral)
            return store.preview_part(conn, campaign, now, *lo_hi)
        finally:
            conn.close()

    excluded = dict.fromkeys(REASONS, 0)
    with ThreadPoolExecutor(max_workers=len(bounds)) as pool:
        parts = pool.map(part, bounds)
        for reason, n in store.first_pass_counts(db, campaign).items():
            excluded[reason] += n
        rows = [row for result in parts for row in result]
    recipients_n, sample_ids, names = 0, [], set()
    for kind, a, b, c in rows:
        if kind == "count":
            excluded["duplicate_mobile"] += int(c or 0)
            if a is None:
                recipients_n += int(b)
            else:
                excluded[a] += int(b)
        elif kind == "sample":
            sample_ids.append(int(a))
        else:
            names.add((a, b))
    if not campaign["routed"]:
        excluded.pop("no_local_service")
    segments, encoding = 1, "GSM-7"
    for first_name, service_id in names:
        count = count_segments(message_for(campaign, first_name, service_id, public_base_url))
        if count.segments > segments or (count.segments == segments and count.encoding == "UCS-2"):
            segments, encoding = count.segments, count.encoding
    routed_to = dict(routes) if campaign["routed"] else {}
    sample = []
    for _contact_id, ref, first_name, phone, district in store.sample_contacts(db, sorted(sample_ids)[:SAMPLE_SIZE]):
        service_id = routed_to.get(district) if campaign["routed"] else owner
        text = message_for(campaign, first_name, service_id, public_base_url)
        sample.append({"person_ref": ref, "mobile": _mask(phone), "service_id": service_id, "text": text,
                       "segments": count_segments(text).segments})
    return {"recipients": recipients_n, "excluded": excluded, "segments_per_message": segments,
            "encoding": encoding, "sample": sample}
