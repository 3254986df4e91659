"""Storage modules, one per aggregate. Each owns its SQL and registers its migrations on import."""

from . import tokens  # noqa: F401
