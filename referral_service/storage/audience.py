"""The SQL behind a campaign's audience: who would be texted, each other contact's first exclusion reason,
and the frozen send list. ``sms/audience.py`` asks the rules (cohorts, routes, wording); this module
owns the queries, written once for both engines.

One set-based pass: a service's contacts grouped by number (a covering index in number order),
joined to the current consent by one covering-index seek per number, each number given its first
reason in this order: ``invalid_mobile``, ``outside_audience``, ``no_local_service`` (routed campaigns),
``no_consent``, ``withdrawn``, ``duplicate_mobile``, ``already_referred``, ``frequency_cap``.

The consent test is ``consent.policy.may`` over ``consent_current``: the latest record (by recorded_at,
then id) whose scope is the list's service or ``*``; only ``granted`` allows.

What the rules decided arrives in three per-connection temporary tables (``prepare``): the pathway
cohort (condition combinations the rules do not rule out), the postcode routes (district → local
service) and the re-referral cut-offs (service → an earlier referral finished after this still counts).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from consent import SMS_PROMOTIONS

from ..db import Database
from . import outbox

FREQUENCY_CAP_DAYS = 30
SAMPLE_SIZE = 5


def condition_combinations(db: Database, owner: str) -> list[tuple[str, int]]:
    """Distinct (conditions, in_smhc or -1) among a service's contacts (the rules judge each once)."""
    return [tuple(r) for r in db.execute(
        "select distinct conditions, coalesce(in_smhc, -1) from sms_contacts where service_id = ?", [owner]).fetchall()]


def postcode_districts(db: Database, owner: str) -> list[str]:
    """Distinct postcode districts among a service's contacts (routing is decided once per district)."""
    return [r[0] for r in db.execute("select distinct postcode_district from sms_contacts where service_id = ? "
                                     "and postcode_district is not null", [owner]).fetchall()]


def prepare(db: Database, *, cohort: Iterable[tuple[str, int]], routes: Iterable[tuple[str, str]],
            rereferral: Iterable[tuple[str, str]]) -> None:
    """This connection's temporary tables: the cohort, the routes and the re-referral cut-offs."""
    for name, columns in (("sms_cohort", "conditions text, in_smhc integer, primary key (conditions, in_smhc)"),
                          ("sms_route", "district text primary key, service_id text"),
                          ("sms_rereferral", "service_id text primary key, finished_after text")):
        db.execute(f"drop table if exists temp.{name}")
        db.execute(f"create temp table {name} ({columns})")
    db.executemany("insert into temp.sms_cohort (conditions, in_smhc) values (?, ?)", list(cohort))
    db.executemany("insert into temp.sms_route (district, service_id) values (?, ?)", list(routes))
    db.executemany("insert into temp.sms_rereferral (service_id, finished_after) values (?, ?)", list(rereferral))


def prepared(db: Database) -> tuple[list, list, list]:
    """What ``prepare`` stored (to prepare other connections the same way)."""
    return tuple(
        [tuple(r) for r in db.execute(sql).fetchall()] for sql in (
            "select conditions, in_smhc from temp.sms_cohort",
            "select district, service_id from temp.sms_route",
            "select service_id, finished_after from temp.sms_rereferral"))


def _audience_sql(campaign: dict) -> tuple[str, list]:
    """A boolean: contact ``c`` is in the campaign's audience (never NULL)."""
    audience = campaign["audience"] or {}
    prefixes = [p.replace(" ", "").upper() for p in audience.get("postcode_prefixes") or []]
    terms, params = ["true"], []
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
        terms.append("coalesce(" + " or ".join(either) + ", false)")
    return "(" + " and ".join(terms) + ")", params


def _route_sql(campaign: dict) -> tuple[str, list]:
    if campaign["routed"]:
        return "(select r.service_id from temp.sms_route r where r.district = c.postcode_district)", []
    return "cast(? as text)", [campaign["service_id"]]


def first_pass_sql(campaign: dict) -> tuple[str, list]:
    """Per contact ``c``: its reason among those that do not depend on the number's history, or NULL."""
    audience_sql, audience_params = _audience_sql(campaign)
    route_sql, route_params = _route_sql(campaign)
    sql = f"""case when c.phone_e164 is null then 'invalid_mobile'
                   when not {audience_sql} then 'outside_audience'
                   when {route_sql} is null then 'no_local_service' end"""
    return sql, [*audience_params, *route_params]


def _of_first_contact(db: Database, expression: str) -> str:
    """``expression`` taken from a number's first contact (lowest id) in a query grouped by number."""
    if db.dialect == "postgresql":
        return f"(array_agg({expression} order by c.id))[1]"
    return expression  # SQLite: a bare column beside min() comes from the row with the minimum


def scored_sql(db: Database, campaign: dict, now: datetime, lo: str = "", hi: str = "~", *,
               materialized: bool = False) -> tuple[str, list]:
    """CTEs ``grouped``, ``consented`` and ``scored``: one row per number (in [lo, hi)) among the contacts that pass
    the first pass, with how many contacts share it, the first of them (lowest id: the one texted) and the
    number's reason (NULL: texted). The other ``n - 1`` contacts of a texted number are duplicates.

    Re-referral: an earlier referral blocks a promotion only while it is open, or until its service's wait
    after it finished is over (``sms_rereferral``).
    """
    owner = campaign["service_id"]
    first_pass, first_params = first_pass_sql(campaign)
    route_sql, route_params = _route_sql(campaign)
    since = (now - timedelta(days=FREQUENCY_CAP_DAYS)).isoformat(timespec="microseconds")
    sql = f"""
        with grouped as (
            select c.phone_e164 as phone, count(*) as n, min(c.id) as first_id,
                   {_of_first_contact(db, "c.first_name")} as first_name,
                   {_of_first_contact(db, route_sql)} as route_service
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
        scored as {'materialized ' if materialized else ''}(
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


def phone_reasons(db: Database, campaign: dict, now: datetime) -> dict[str, str | None]:
    """Number → its reason (NULL: texted) for every number that passes the first pass."""
    sql, params = scored_sql(db, campaign, now)
    return dict(db.execute(sql + " select phone, reason from scored", params).fetchall())


def recipients(db: Database, campaign: dict, now: datetime) -> list[tuple]:
    """(contact id, person_ref, first name, phone, service) of everyone the campaign would text now, in contact order."""
    sql, params = scored_sql(db, campaign, now)
    return [tuple(r) for r in db.execute(
        sql + """ select c.id, c.person_ref, c.first_name, c.phone_e164, s.route_service
                  from scored s join sms_contacts c on c.id = s.first_id where s.reason is null order by c.id""",
        params).fetchall()]


def freeze_recipients(db: Database, campaign: dict, now: datetime) -> list[tuple[str, str]]:
    """Fix who will be texted in ``temp.sms_frozen`` (caller holds the transaction); return the distinct
    (service, first name) pairs whose wording must be rendered (``queue_frozen`` then queues them)."""
    db.execute("drop table if exists temp.sms_frozen")
    db.execute("drop table if exists temp.sms_bodies")
    db.execute("create temp table sms_frozen (first_id integer, first_name text, phone text, route_service text)")
    db.execute("create temp table sms_bodies (service_id text, first_name text, body text, segments integer, "
               "primary key (service_id, first_name))")
    sql, params = scored_sql(db, campaign, now)
    db.execute("insert into temp.sms_frozen (first_id, first_name, phone, route_service) " + sql +
               " select first_id, first_name, phone, route_service from scored where reason is null", params)
    return [tuple(r) for r in db.execute(
        "select distinct route_service, coalesce(first_name, '') from temp.sms_frozen").fetchall()]


def queue_frozen(db: Database, campaign: dict, bodies: Iterable[tuple[str, str, str, int]], now: datetime) -> int:
    """Queue the frozen recipients with their rendered (service, first name, body, segments); return how many."""
    db.executemany("insert into temp.sms_bodies (service_id, first_name, body, segments) values (?, ?, ?, ?)", list(bodies))
    return outbox.enqueue_select(db, """
        select cast(? as text), cast(? as text), f.route_service, f.first_id, f.phone, b.body, b.segments
        from temp.sms_frozen f join temp.sms_bodies b
          on b.service_id = f.route_service and b.first_name = coalesce(f.first_name, '')
        order by f.first_id""", [campaign["id"], campaign["service_id"]], outbox.iso(now))


def _not_plain(db: Database, column: str) -> str:
    # A name with anything but ASCII letters, space, dot, apostrophe or hyphen may need more segments (UCS-2).
    if db.dialect == "postgresql":
        return f"{column} ~ '[^a-zA-Z .''-]'"
    return f"{column} glob '*[^a-zA-Z .''-]*'"


def preview_part(db: Database, campaign: dict, now: datetime, lo: str, hi: str) -> list[tuple]:
    """One pass over the numbers in [lo, hi): ('count', reason, numbers or people, duplicates), ('sample',
    contact id), ('name', first name, service) for the names whose wording must be priced. Values as text."""
    sql, params = scored_sql(db, campaign, now, lo, hi, materialized=True)
    return [tuple(r) for r in db.execute(sql + f"""
        select 'count', reason, cast(sum(case when reason in ('withdrawn', 'no_consent') then n else 1 end) as text),
               cast(sum(case when reason in ('withdrawn', 'no_consent') then 0 else n - 1 end) as text)
          from scored group by reason
        union all
        select * from (select 'sample', cast(first_id as text), null, null from scored where reason is null
                       order by first_id limit ?) as sample
        union all
        select 'name', first_name, route_service, null from scored
         where reason is null and {_not_plain(db, 'first_name')} group by route_service, first_name
        union all
        select 'name', max(first_name), route_service, null from scored
         where reason is null and not ({_not_plain(db, "coalesce(first_name, '')")})
         group by route_service, length(first_name)""", [*params, SAMPLE_SIZE]).fetchall()]


def first_pass_counts(db: Database, campaign: dict) -> dict[str, int]:
    """How many contacts each first-pass reason excludes."""
    first_pass, first_params = first_pass_sql(campaign)
    rows = db.execute(f"select reason, count(*) from (select {first_pass} as reason from sms_contacts c "
                      f"indexed by sms_contacts_preview where c.service_id = ?) as firsts where reason is not null "
                      f"group by reason", [*first_params, campaign["service_id"]]).fetchall()
    return {reason: n for reason, n in rows}


def database_file(db: Database) -> str | None:
    """The SQLite file behind ``db`` (a big preview reads number ranges on connections of their own), else None."""
    if db.dialect != "sqlite":
        return None
    for _seq, name, file in db.execute("pragma database_list").fetchall():
        if name == "main":
            return file or None
    return None


def split_points(db: Database, owner: str, parts: int, parallel_from: int) -> list[str]:
    """Numbers that cut the service's contacts into ``parts`` ranges of about equal size (none below ``parallel_from``)."""
    total = db.execute("select count(*) from sms_contacts indexed by sms_contacts_preview "
                       "where service_id = ? and phone_e164 is not null", [owner]).fetchone()[0]
    if parts < 2 or total < parallel_from:
        return []
    cuts: list[str] = []
    for i in range(1, parts):
        row = db.execute("select phone_e164 from sms_contacts indexed by sms_contacts_preview where service_id = ? "
                         "and phone_e164 is not null order by phone_e164 limit 1 offset ?",
                         [owner, total * i // parts]).fetchone()
        if row and (not cuts or row[0] > cuts[-1]):
            cuts.append(row[0])
    return cuts


def sample_contacts(db: Database, contact_ids: list[int]) -> list[tuple]:
    """(id, person_ref, first name, phone, postcode district) of the sampled contacts, in id order."""
    if not contact_ids:
        return []
    return [tuple(r) for r in db.execute(
        f"select id, person_ref, first_name, phone_e164, postcode_district from sms_contacts where id in "
        f"({', '.join('?' for _ in contact_ids)}) order by id", contact_ids).fetchall()]
