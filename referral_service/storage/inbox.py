"""The service inbox's queries: referrals for a service by status, a reference search, counts per status.

Lists carry no personal details (no name or phone): those are shown on the referral's own page,
where the sharing consent is checked.
"""

from __future__ import annotations

import sqlite_utils

LIST_COLUMNS = ("reference", "pathway", "service_id", "status", "source", "campaign_id", "created_at", "updated_at",
                "accessed_at", "finished_at", "anonymised_at", "referrer_token_id")


def _where(service_id: str | None, referrer_token_id: str | None, reference_search: str | None) -> tuple[str, list]:
    where, params = [], []
    if service_id is not None:
        where.append("service_id = ?")
        params.append(service_id)
    if referrer_token_id is not None:
        where.append("referrer_token_id = ?")
        params.append(referrer_token_id)
    if reference_search:
        # References are A-Z, digits and '-': a LIKE on them needs no escaping of % or _.
        where.append("reference like ?")
        params.append(f"%{reference_search}%")
    return (" and ".join(where) or "1 = 1"), params


def status_counts(db: sqlite_utils.Database, *, service_id: str | None = None, referrer_token_id: str | None = None,
                  reference_search: str | None = None) -> dict[str, int]:
    """How many referrals there are in each status (statuses with none are left out)."""
    clause, params = _where(service_id, referrer_token_id, reference_search)
    return {status: count for status, count in db.execute(
        f"select status, count(*) from referrals where {clause} group by status", params).fetchall()}


def search(db: sqlite_utils.Database, *, service_id: str | None = None, referrer_token_id: str | None = None,
           status: str | None = None, reference_search: str | None = None, limit: int = 25,
           offset: int = 0) -> list[dict]:
    """Referrals newest first (new referrals are the newest), filtered as asked."""
    clause, params = _where(service_id, referrer_token_id, reference_search)
    if status is not None:
        clause += " and status = ?"
        params.append(status)
    return list(db.query(
        f"select {', '.join(LIST_COLUMNS)} from referrals where {clause} order by created_at desc, reference "
        "limit ? offset ?", [*params, limit, offset]))
