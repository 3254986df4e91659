"""Database engines behind ``referral_service.db``: the embedded SQLite file and PostgreSQL.

Each engine module owns what differs between them (connecting, SQL dialect, locks, how its errors
read); everything above ``db.py`` sees one ``Database`` interface and the domain errors in ``errors``.
"""
