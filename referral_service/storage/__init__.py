"""Storage modules, one per aggregate: all SQL lives here. Their migration sets are listed, in order, in ``schema.py``."""

from . import (
    audit,  # noqa: F401
    campaigns,  # noqa: F401
    consents,  # noqa: F401
    contacts,  # noqa: F401
    conversations,  # noqa: F401
    outbox,  # noqa: F401
    outcomes,  # noqa: F401
    referrals,  # noqa: F401
    staff,  # noqa: F401
    tokens,  # noqa: F401
    users,  # noqa: F401
)
