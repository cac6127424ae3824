"""Password hashing (Argon2) and the rules for new passwords."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 256  # hashing very long input is a cheap denial of service
_DUMMY_PASSWORD = "not-a-real-password-only-for-timing"  # noqa: S105 - never an account's
_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not tell.
_dummy_hash = _hasher.hash(_DUMMY_PASSWORD)


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash with other Argon2 parameters from now on. The test suite uses argon2's own
    profile for tests (`profiles.CHEAPEST`): thousands of accounts, no attacker."""
    global _hasher, _dummy_hash
    _hasher, _dummy_hash = hasher, hasher.hash(_DUMMY_PASSWORD)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Reasons a new password is not acceptable; empty when it is fine."""
    if len(password) < MIN_LENGTH:
        return [str(_l("Use at least %(min)d characters.", min=MIN_LENGTH))]
    if len(password) > MAX_LENGTH:
        return [str(_l("Use at most %(max)d characters.", max=MAX_LENGTH))]
    user_words = [part for part in [email, email.split("@")[0], *name.split()] if part]
    # zxcvbn knows the most common passwords, names and keyboard patterns.
    if zxcvbn(password[:100], user_inputs=user_words)["score"] < 3:
        return [
            str(
                _l(
                    "This password is too common or too easy to guess. "
                    "Use a longer sentence of unrelated words."
                )
            )
        ]
    return []
