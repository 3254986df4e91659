"""Who a campaign would text, and why everyone else is excluded (the preview), and the frozen send list.

Built for a service with a million contacts: the rules engine is asked once per distinct
(conditions, in_secondary_mental_health_care) combination, routing once per postcode district, and
everything else is one SQL pass that gives each contact its first exclusion reason, in this order:
``invalid_mobile``, ``outside_audience``, ``no_local_service`` (routed campaigns), ``no_consent``,
``withdrawn``, ``duplicate_mobile``, ``already_referred``, ``frequency_cap``.

The consent test in SQL is the same as ``consent.policy.may`` over ``consent_current``: the latest
record (by recorded_at, then id) whose scope is the list's service or ``*``; only ``granted`` allows.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from consent import SMS_PROMOTIONS
from rules import ELIGIBLE, NEEDS_INFORMATION, Postcode, default_engine
from rules.rereferral import rereferral_wait_days

from ..db import connect
from ..storage import outbox
from .segments import count_segments
from .templates import render, tracked_link

REASONS = ("no_consent", "withdrawn", "invalid_mobile", "duplicate_mobile", "outside_audience", "frequency_cap",
           "already_referred", "no_local_service")
FREQUENCY_CAP_DAYS = 30
SAMPLE_SIZE = 5


@dataclass(frozen=True)
class Recipient:
    contact_id: int
    person_ref: str
    first_name: str | None
    phone_e164: str
    service_id: str


def _cohort(db: sqlite_utils.Database, owner: str, pathway: str) -> list[tuple[str, int]]:
    """(conditions, in_smhc or -1) combinations whom the rules do not rule out for ``pathway``."""
    engine = default_engine()
    allowed = []
    for conditions, smhc in db.execute(
            "select distinct conditions, coalesce(in_smhc, -1) from sms_contacts where service_id = ?", [owner]):
        facts: dict = {}
        if conditions:
            facts["conditions"] = conditions.split(";")
        if smhc != -1:
            facts["in_secondary_mental_health_care"] = bool(smhc)
        if engine.status_of(facts, pathway) in (ELIGIBLE, NEEDS_INFORMATION):
            allowed.append((conditions, smhc))
    return allowed


def _routes(db: sqlite_utils.Database, owner: str, pathway: str) -> list[tuple[str, str]]:
    """(postcode district, local service id) for every district in the list: services of the owner's area only."""
    directory = default_engine().ruleset.directory
    owner_service = directory.service(owner)
    area = owner_service.area if owner_service is not None else owner
    routes = []
    for (district,) in db.execute("select distinct postcode_district from sms_contacts where service_id = ? "
                                  "and postcode_district is not null", [owner]):
        services = [s for s in directory.services_for(pathway, Postcode(district, "0AA")) if s.area == area]
        if services:
            routes.append((district, services[0].id))
    return routes


def _audience_sql(campaign: dict) -> tuple[str, list]:
    """SQL true (1) when contact ``c`` is in the campaign's audience, 0 otherwise (never NULL)."""
    audience = campaign["audience"] or {}
    prefixes = [p.replace(" ", "").upper() for p in audience.get("postcode_prefixes") or []]
    terms, params = ["1"], []
    if audience.get("pathway"):
        terms.append("exists (select 1 from temp.sms_cohort k where k.conditions = c.conditions "
                     "and k.in_smhc = coalesce(c.in_smhc, -1))")
    if prefixes:
        areas = [p for p in prefixes if p.isalpha()]
        districts = [p for p in prefixes if not p.isalpha()]
        either = []
        if areas:
            either.append(f"c.postcode_area in ({', '.join('?' for _ in areas)})")
            params.extend(areas)
        if districts:
            either.append(f"c.postcode_district in ({', '.join('?' for _ in districts)})")
            params.extend(districts)
        # A contact without a postcode is outside an audience chosen by postcode.
        terms.append("coalesce(" + " or ".join(either) + ", 0)")
    return "(" + " and ".join(terms) + ")", params


def _route_sql(campaign: dict) -> tuple[str, list]:
    if campaign["routed"]:
        return "(select r.service_id from temp.sms_route r where r.district = c.postcode_district)", []
    return "?", [campaign["service_id"]]


def _prepare(db: sqlite_utils.Database, campaign: dict, *, cohort: list | None = None, routes: list | None = None,
             now: datetime | None = None) -> None:
    """The connection's temp tables: the pathway cohort and the postcode routes (rules engine, once per list)."""
    owner = campaign["service_id"]
    pathway = (campaign["audience"] or {}).get("pathway")
    conn = db.conn
    conn.execute("drop table if exists temp.sms_cohort")
    conn.execute("drop table if exists temp.sms_route")
    conn.execute("create temp table sms_cohort (conditions text, in_smhc integer, primary key (conditions, in_smhc))")
    conn.execute("create temp table sms_route (district text primary key, service_id text)")
    # Re-referral (rules.rereferral; IPS Grow briefing note §12e): an earlier referral blocks a promotion only while
    # it is open or until its service's wait after it finished is over (none by default).
    conn.execute("drop table if exists temp.sms_rereferral")
    conn.execute("create temp table sms_rereferral (service_id text primary key, finished_after text)")
    ruleset = default_engine().ruleset
    now = now or datetime.now(UTC)
    conn.executemany("insert into temp.sms_rereferral values (?, ?)", [
        (s.id, (now - timedelta(days=rereferral_wait_days(ruleset, s.id))).isoformat(timespec="microseconds"))
        for s in ruleset.directory.services])
    if pathway:
        cohort = cohort if cohort is not None else _cohort(db, owner, pathway)
        conn.executemany("insert into temp.sms_cohort values (?, ?)", cohort)
    if campaign["routed"]:
        routes = routes if routes is not None else _routes(db, owner, pathway)
        conn.executemany("insert into temp.sms_route values (?, ?)", routes)


def _first_pass_sql(campaign: dict) -> tuple[str, list]:
    """Per contact: its reason among those that do not depend on the number's history, or NULL."""
    audience_sql, audience_params = _audience_sql(campaign)
    route_sql, route_params = _route_sql(campaign)
    sql = f"""case when c.phone_e164 is null then 'invalid_mobile'
                   when not {audience_sql} then 'outside_audience'
                   when {route_sql} is null then 'no_local_service' end"""
    return sql, [*audience_params, *route_params]


def _scored_sql(campaign: dict, now: datetime, lo: str = "", hi: str = "~") -> tuple[str, list]:
    """CTEs ``grouped`` and ``scored``: one row per number (in [lo, hi)) among the contacts that pass the
    first pass, with how many contacts share it, the first of them (lowest id: the one texted) and the
    number's reason (NULL: texted). The other ``n - 1`` contacts of a texted number are duplicates.

    The consent test is ``consent.policy.may`` over ``consent_current``: the latest record (by
    recorded_at, then record id) whose scope is the owner or ``*``; only ``granted`` allows.
    """
    owner = campaign["service_id"]
    first_pass, first_params = _first_pass_sql(campaign)
    route_sql, route_params = _route_sql(campaign)
    since = (now - timedelta(days=FREQUENCY_CAP_DAYS)).isoformat(timespec="microseconds")
    sql = f"""
        with grouped as (
            select c.phone_e164 as phone, count(*) as n, min(c.id) as first_id, c.first_name as first_name,
                   {route_sql} as route_service
            from sms_contacts c indexed by sms_contacts_preview
            where c.service_id = ? and c.phone_e164 >= ? and c.phone_e164 < ? and ({first_pass}) is null
            group by c.phone_e164
        ),
        consented as (
            select g.*, (select cc.decision from consent_current cc indexed by consent_current_covering
                         where cc.subject = 'phone:' || g.phone and cc.purpose = ? and cc.service_scope in (?, '*')
                         order by cc.recorded_at desc, cc.record_id desc limit 1) as consent
            from grouped g
        ),
        scored as (
            select phone, n, first_id, first_name, route_service, consent, case
                when consent = 'withdrawn' then 'withdrawn'
                when consent is null or consent <> 'granted' then 'no_consent'
                when exists (select 1 from referrals f where f.phone_e164 = consented.phone
                             and f.service_id in (?, consented.route_service)
                             and (f.finished_at is null or f.finished_at > (select w.finished_after
                                  from temp.sms_rereferral w where w.service_id = f.service_id))) then 'already_referred'
                when exists (select 1 from sms_outbox o where o.phone_e164 = consented.phone and o.created_at >= ?
                             and o.status in ('queued', 'sending', 'sent', 'delivered')
                             and (o.owner_service_id = ? or o.service_id = consented.route_service)) then 'frequency_cap'
                end as reason
            from consented
        )"""
    return sql, [*route_params, owner, lo, hi, *first_params, SMS_PROMOTIONS, owner, owner, since, owner]


def phone_reasons(db: sqlite_utils.Database, campaign: dict, now: datetime | None = None) -> dict[str, str | None]:
    """Number → its reason (NULL: texted) for every number that passes the first pass (the preview's own SQL)."""
    now = now or datetime.now(UTC)
    _prepare(db, campaign, now=now)
    sql, params = _scored_sql(campaign, now)
    return dict(db.execute(sql + " select phone, reason from scored", params).fetchall())


def recipients(db: sqlite_utils.Database, campaign: dict, now: datetime | None = None) -> list[Recipient]:
    """Everyone the campaign would text now, in contact order (one per number: the first contact)."""
    now = now or datetime.now(UTC)
    _prepare(db, campaign, now=now)
    sql, params = _scored_sql(campaign, now)
    return [Recipient(*row) for row in db.execute(
        sql + """ select c.id, c.person_ref, c.first_name, c.phone_e164, s.route_service
                  from scored s join sms_contacts c on c.id = s.first_id where s.reason is null order by c.id""", params)]


def freeze(db: sqlite_utils.Database, campaign: dict, public_base_url: str, now: datetime | None = None) -> int:
    """Queue every recipient in the outbox (caller holds the one write transaction); return how many.

    INSERT … SELECT: each distinct (local service, first name) is rendered once in Python (the same
    ``message_for`` as the preview), everything else stays in SQLite.
    """
    now = now or datetime.now(UTC)
    _prepare(db, campaign, now=now)
    conn = db.conn
    conn.execute("drop table if exists temp.sms_frozen")
    conn.execute("drop table if exists temp.sms_bodies")
    sql, params = _scored_sql(campaign, now)
    conn.execute("create temp table sms_frozen as " + sql +
                 " select first_id, first_name, phone, route_service from scored where reason is null", params)
    conn.execute("create temp table sms_bodies (service_id text, first_name text, body text, segments integer, "
                 "primary key (service_id, first_name))")
    bodies = []
    for service_id, first_name in conn.execute(
            "select distinct route_service, coalesce(first_name, '') from temp.sms_frozen"):
        body = message_for(campaign, first_name, service_id, public_base_url)
        bodies.append((service_id, first_name, body, count_segments(body).segments))
    conn.executemany("insert into temp.sms_bodies values (?, ?, ?, ?)", bodies)
    return outbox.enqueue_select(db, """
        select ?, ?, f.route_service, f.first_id, f.phone, b.body, b.segments
        from temp.sms_frozen f join temp.sms_bodies b
          on b.service_id = f.route_service and b.first_name = coalesce(f.first_name, '')
        order by f.first_id""", [campaign["id"], campaign["service_id"]], outbox.iso(now))


def message_for(campaign: dict, recipient_first_name: str | None, service_id: str, public_base_url: str) -> str:
    service = default_engine().ruleset.directory.service(service_id)
    return render(campaign["template"], first_name=recipient_first_name,
                  service_name=service.name if service else service_id,
                  service_phone=service.phone if service else "",
                  link=tracked_link(public_base_url, campaign["id"], service_id))


def _mask(phone: str) -> str:
    return phone[:-3] + "***"


_GLOB_NOT_PLAIN = "'*[^a-zA-Z .''-]*'"
PARALLEL_FROM = 50_000  # contacts: below this one connection is quicker than several


def _preview_part(db: sqlite_utils.Database, campaign: dict, now: datetime, lo: str, hi: str) -> list[tuple]:
    """One pass over the numbers in [lo, hi): counts by reason, the first recipients, the names to price."""
    sql, params = _scored_sql(campaign, now, lo, hi)
    sql = sql.replace("scored as (", "scored as materialized (", 1)
    return db.execute(sql + f"""
        select 'count', reason, sum(case when reason in ('withdrawn', 'no_consent') then n else 1 end),
               sum(case when reason in ('withdrawn', 'no_consent') then 0 else n - 1 end)
          from scored group by reason
        union all
        select * from (select 'sample', first_id, null, null from scored where reason is null order by first_id limit ?)
        union all
        select 'name', first_name, route_service, null from scored
         where reason is null and first_name glob {_GLOB_NOT_PLAIN} group by route_service, first_name
        union all
        select 'name', max(first_name), route_service, null from scored
         where reason is null and not (coalesce(first_name, '') glob {_GLOB_NOT_PLAIN})
         group by route_service, length(first_name)""", [*params, SAMPLE_SIZE]).fetchall()


def _database_file(db: sqlite_utils.Database) -> str | None:
    for _seq, name, file in db.execute("pragma database_list"):
        if name == "main":
            return file or None
    return None


def _split_points(db: sqlite_utils.Database, owner: str, parts: int) -> list[str]:
    """Numbers that cut the service's contacts into ``parts`` ranges of about equal size."""
    total = db.execute("select count(*) from sms_contacts indexed by sms_contacts_preview "
                       "where service_id = ? and phone_e164 is not null", [owner]).fetchone()[0]
    if parts < 2 or total < PARALLEL_FROM:
        return []
    cuts = []
    for i in range(1, parts):
        row = db.execute("select phone_e164 from sms_contacts indexed by sms_contacts_preview where service_id = ? "
                         "and phone_e164 is not null order by phone_e164 limit 1 offset ?",
                         [owner, total * i // parts]).fetchone()
        if row and (not cuts or row[0] > cuts[-1]):
            cuts.append(row[0])
    return cuts


def preview(db: sqlite_utils.Database, campaign: dict, public_base_url: str, now: datetime | None = None) -> dict:
    """The dry run (CONTRACT.md): recipients, exclusions by reason, segments per message, a sample.

    Set-based: one grouped pass over the contacts (covering index, number order) joined to the
    current consent by one covering-index seek per distinct number; counts are summed in SQL. A big
    list is cut into number ranges read in parallel on their own connections (SQLite runs them
    without the GIL), one per CPU.
    """
    now = now or datetime.now(UTC)
    owner = campaign["service_id"]
    _prepare(db, campaign, now=now)
    cohort = list(db.execute("select conditions, in_smhc from temp.sms_cohort"))
    routes = list(db.execute("select district, service_id from temp.sms_route"))
    path = _database_file(db)
    cuts = _split_points(db, owner, min(os.cpu_count() or 1, 4)) if path else []
    bounds = list(zip(["", *cuts], [*cuts, "~"], strict=True))

    def part(lo_hi: tuple[str, str]) -> list[tuple]:
        if len(bounds) == 1:
            return _preview_part(db, campaign, now, *lo_hi)
        conn = connect(path)
        try:
            _prepare(conn, campaign, cohort=cohort, routes=routes, now=now)
            with conn.conn:  # one read snapshot per range
                return _preview_part(conn, campaign, now, *lo_hi)
        finally:
            conn.conn.close()

    excluded = dict.fromkeys(REASONS, 0)
    first_pass, first_params = _first_pass_sql(campaign)
    with ThreadPoolExecutor(max_workers=len(bounds)) as pool:
        parts = pool.map(part, bounds)
        for reason, n in db.execute(f"select {first_pass} as reason, count(*) from sms_contacts c "
                                    f"indexed by sms_contacts_preview where c.service_id = ? group by 1",
                                    [*first_params, owner]):
            if reason is not None:
                excluded[reason] += n
        rows = [row for result in parts for row in result]
    recipients_n, sample_ids, names = 0, [], set()
    for kind, a, b, c in rows:
        if kind == "count":
            excluded["duplicate_mobile"] += c or 0
            if a is None:
                recipients_n += b
            else:
                excluded[a] += b
        elif kind == "sample":
            sample_ids.append(a)
        else:
            names.add((a, b))
    if not campaign["routed"]:
        excluded.pop("no_local_service")
    segments, encoding = 1, "GSM-7"
    for first_name, service_id in names:
        count = count_segments(message_for(campaign, first_name, service_id, public_base_url))
        if count.segments > segments or (count.segments == segments and count.encoding == "UCS-2"):
            segments, encoding = count.segments, count.encoding
    sample_ids = sorted(sample_ids)[:SAMPLE_SIZE]
    routed_to = {}
    if sample_ids and campaign["routed"]:
        routed_to = dict(routes)
    sample = []
    for _contact_id, ref, first_name, phone, district in db.execute(
            f"select id, person_ref, first_name, phone_e164, postcode_district from sms_contacts where id in "
            f"({', '.join('?' for _ in sample_ids)}) order by id", sample_ids):
        service_id = routed_to.get(district) if campaign["routed"] else owner
        text = message_for(campaign, first_name, service_id, public_base_url)
        sample.append({"person_ref": ref, "mobile": _mask(phone), "service_id": service_id, "text": text,
                       "segments": count_segments(text).segments})
    return {"recipients": recipients_n, "excluded": excluded, "segments_per_message": segments,
            "encoding": encoding, "sample": sample}
