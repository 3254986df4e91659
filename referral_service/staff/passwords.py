"""Password hashing for staff accounts: Argon2id (argon2-cffi), slow by design.

The parameters are argon2-cffi's defaults (RFC 9106 low-memory profile); a hash made with older
parameters is re-made at the next successful sign-in.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so that a wrong email takes as long as a wrong password.

    Made at the first sign-in, not at import: an Argon2 hash is slow by design and would hold up every start.
    """
    return _hasher.hash("not-a-real-password")


MIN_LENGTH = 12


def hash_password(password: str) -> str:
    """A new Argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; always does the slow work, even with no hash to check against."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters long."
    if password.strip() != password:
        return "The password must not start or end with a space."
    return None
