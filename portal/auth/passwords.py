"""Password hashing (Argon2) and the rules for new passwords."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 256  # hashing very long input is a cheap denial of service
_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
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
