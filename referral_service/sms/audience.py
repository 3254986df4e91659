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

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from consent import SMS_PROMOTIONS
from rules import ELIGIBLE, NEEDS_INFORMATION, Postcode, default_engine

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


def score(db: sqlite_utils.Database, campaign: dict, now: datetime | None = None) -> None:
    """Fill the connection's temp table ``sms_scored`` (contact, phone, routed service, reason or NULL)."""
    now = now or datetime.now(UTC)
    owner = campaign["service_id"]
    audience = campaign["audience"] or {}
    pathway = audience.get("pathway")
    prefixes = [p.replace(" ", "").upper() for p in audience.get("postcode_prefixes") or []]
    conn = db.conn
    conn.execute("drop table if exists temp.sms_cohort")
    conn.execute("drop table if exists temp.sms_route")
    conn.execute("drop table if exists temp.sms_scored")
    conn.execute("create temp table sms_cohort (conditions text, in_smhc integer, primary key (conditions, in_smhc))")
    conn.execute("create temp table sms_route (district text primary key, service_id text)")
    audience_sql = ["1"]
    params: list = []
    if pathway:
        conn.executemany("insert into temp.sms_cohort values (?, ?)", _cohort(db, owner, pathway))
        audience_sql.append("exists (select 1 from temp.sms_cohort k where k.conditions = c.conditions "
                            "and k.in_smhc = coalesce(c.in_smhc, -1))")
    if prefixes:
        areas = [p for p in prefixes if p.isalpha()]
        districts = [p for p in prefixes if not p.isalpha()]
        terms = []
        if areas:
            terms.append(f"c.postcode_area in ({', '.join('?' for _ in areas)})")
            params.extend(areas)
        if districts:
            terms.append(f"c.postcode_district in ({', '.join('?' for _ in districts)})")
            params.extend(districts)
        audience_sql.append("(" + " or ".join(terms) + ")")
    if campaign["routed"]:
        conn.executemany("insert into temp.sms_route values (?, ?)", _routes(db, owner, pathway))
        service_sql = "(select r.service_id from temp.sms_route r where r.district = c.postcode_district)"
    else:
        service_sql = "?"
        params.insert(0, owner)
    since = (now - timedelta(days=FREQUENCY_CAP_DAYS)).isoformat(timespec="microseconds")
    conn.execute(f"""
        create temp table sms_scored as
        with base as (
            select c.id, c.person_ref, c.first_name, c.phone_e164, {service_sql} as route_service,
                   ({' and '.join(audience_sql)}) as in_audience,
                   (select cc.decision from consent_current cc
                     where cc.subject = 'phone:' || c.phone_e164 and cc.purpose = ? and cc.service_scope in (?, '*')
                     order by cc.recorded_at desc, cc.record_id desc limit 1) as consent
            from sms_contacts c where c.service_id = ?
        ),
        first_pass as (
            select *, case
                when phone_e164 is null then 'invalid_mobile'
                when not in_audience then 'outside_audience'
                when route_service is null then 'no_local_service'
                when consent = 'withdrawn' then 'withdrawn'
                when consent is null or consent <> 'granted' then 'no_consent'
            end as reason
            from base
        ),
        ranked as (
            select *, case when reason is null
                then row_number() over (partition by case when reason is null then phone_e164 end order by id) end as n
            from first_pass
        )
        select id, person_ref, first_name, phone_e164, route_service, case
            when reason is not null then reason
            when n > 1 then 'duplicate_mobile'
            when exists (select 1 from referrals f where f.phone_e164 = ranked.phone_e164
                         and f.service_id in (?, ranked.route_service)) then 'already_referred'
            when exists (select 1 from sms_outbox o where o.phone_e164 = ranked.phone_e164 and o.created_at >= ?
                         and o.status in ('queued', 'sending', 'sent', 'delivered')
                         and (o.owner_service_id = ? or o.service_id = ranked.route_service)) then 'frequency_cap'
            end as reason
        from ranked
        """, [*params, SMS_PROMOTIONS, owner, owner, owner, since, owner])


def recipients(db: sqlite_utils.Database) -> list[Recipient]:
    """The recipients left in ``sms_scored`` (call ``score`` first)."""
    return [Recipient(*row) for row in db.execute(
        "select id, person_ref, first_name, phone_e164, route_service from temp.sms_scored where reason is null order by id")]


def message_for(campaign: dict, recipient_first_name: str | None, service_id: str, public_base_url: str) -> str:
    service = default_engine().ruleset.directory.service(service_id)
    return render(campaign["template"], first_name=recipient_first_name,
                  service_name=service.name if service else service_id,
                  service_phone=service.phone if service else "",
                  link=tracked_link(public_base_url, campaign["id"], service_id))


def _mask(phone: str) -> str:
    return phone[:-3] + "***"


def preview(db: sqlite_utils.Database, campaign: dict, public_base_url: str, now: datetime | None = None) -> dict:
    """The dry run (CONTRACT.md): recipients, exclusions by reason, segments per message, a sample."""
    score(db, campaign, now)
    excluded = dict.fromkeys(REASONS, 0)
    recipients_n = 0
    for reason, n in db.execute("select reason, count(*) from temp.sms_scored group by reason"):
        if reason is None:
            recipients_n = n
        else:
            excluded[reason] = n
    if not campaign["routed"]:
        excluded.pop("no_local_service")
    segments, encoding = 1, "GSM-7"
    # Plain names cost the same per length: render one per (service, length); render every other name.
    for first_name, service_id in db.execute("""
            select first_name, route_service from temp.sms_scored
             where reason is null and first_name glob '*[^a-zA-Z .''-]*' group by route_service, first_name
            union all
            select max(first_name), route_service from temp.sms_scored
             where reason is null and not (coalesce(first_name, '') glob '*[^a-zA-Z .''-]*')
             group by route_service, length(first_name)"""):
        count = count_segments(message_for(campaign, first_name, service_id, public_base_url))
        if count.segments > segments or (count.segments == segments and count.encoding == "UCS-2"):
            segments, encoding = count.segments, count.encoding
    sample = []
    for _contact_id, ref, first_name, phone, service_id in db.execute(
            "select id, person_ref, first_name, phone_e164, route_service from temp.sms_scored where reason is null "
            "order by id limit ?", [SAMPLE_SIZE]):
        text = message_for(campaign, first_name, service_id, public_base_url)
        sample.append({"person_ref": ref, "mobile": _mask(phone), "service_id": service_id, "text": text,
                       "segments": count_segments(text).segments})
    return {"recipients": recipients_n, "excluded": excluded, "segments_per_message": segments,
            "encoding": encoding, "sample": sample}
