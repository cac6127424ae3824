"""State changes of accounts and tokens. Each one is audited; the caller commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import audit
from portal.auth import passwords, permissions
from portal.auth.models import ApiToken, User, UserRole, new_session_token
from portal.auth.roles import ADMIN, ROLES
from portal.db import utcnow
from portal.problems import N_, Problem, problem, translate
from portal.text import holds_unstorable_text

INVITE_VALID_FOR = dt.timedelta(days=7)
TOKEN_PREFIX = "urt_"  # noqa: S105 - a public prefix that marks our tokens, not a secret


class Code(StrEnum):
    """Why an account change is refused."""

    UNKNOWN_ROLE = "unknown_role"
    NO_ROLE = "no_role"
    NOT_AN_EMAIL = "not_an_email"
    EMAIL_TAKEN = "email_taken"
    ROLES_INVALID = "roles_invalid"
    LAST_ADMIN = "last_admin"
    PASSWORD_REFUSED = "password_refused"  # noqa: S105 - a code, not a password
    UNSTORABLE_TEXT = "unstorable_text"


TEXTS: dict[Code, str] = {
    Code.UNKNOWN_ROLE: N_("unknown role: %(unknown)s (roles: %(known)s)"),
    Code.NO_ROLE: N_("give at least one role"),
    Code.NOT_AN_EMAIL: N_("not an email address"),
    Code.EMAIL_TAKEN: N_("a user with email %(email)s already exists"),
    Code.ROLES_INVALID: N_("choose at least one known role"),
    Code.LAST_ADMIN: N_("the last active admin cannot lose the admin role or be deactivated"),
    Code.PASSWORD_REFUSED: N_("This password cannot be used. %(reasons)s"),
    Code.UNSTORABLE_TEXT: N_("the name or address holds characters that cannot be stored"),
}
# For the catalogue test (portal.problems.RULE_MODULES).
PROBLEM_CODES = Code
PROBLEM_TEXTS = TEXTS


class AccountError(ValueError):
    """A change that the rules refuse. `str()` is the English text (the CLI prints it);
    `message` is the text in the current locale, for the web pages."""

    def __init__(self, code: Code, **params) -> None:
        self.problem: Problem = problem(TEXTS, code, **params)
        super().__init__(str(self.problem))

    @property
    def code(self) -> str:
        return self.problem.code

    @property
    def message(self) -> str:
        return translate(self.problem)


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def get_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def active_admin_ids(session: Session) -> set[int]:
    return set(
        session.scalars(
            select(User.id).join(UserRole).where(UserRole.role == ADMIN, User.active.is_(True))
        )
    )


def create_user(
    session: Session, actor, email: str, name: str, roles: set[str], password: str | None = None
) -> User:
    email = normalize_email(email)
    if holds_unstorable_text([email, name]):
        raise AccountError(Code.UNSTORABLE_TEXT)
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AccountError(
            Code.UNKNOWN_ROLE, unknown=", ".join(sorted(unknown)), known=", ".join(ROLES)
        )
    if not roles:
        raise AccountError(Code.NO_ROLE)
    if "@" not in email or len(email) > 254:
        raise AccountError(Code.NOT_AN_EMAIL)
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AccountError(Code.EMAIL_TAKEN, email=email)
    user = User(email=email, name=name.strip() or email, active=True)
    user.roles = roles
    if password is not None:
        problems = passwords.password_problems(password, email=email, name=name)
        if problems:
            raise AccountError(Code.PASSWORD_REFUSED, reasons=" ".join(problems))
        user.password_hash = passwords.hash_password(password)
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.created",
        user,
        f"{email} created with roles {', '.join(sorted(roles))}",
    )
    return user


def invite(session: Session, actor, email: str, name: str, roles: set[str]) -> tuple[User, str]:
    """Create an account without a password; returns the secret for its invitation link."""
    user = create_user(session, actor, email, name, roles)
    secret = secrets.token_urlsafe(32)
    user.invite_token_hash = _hash(secret)
    user.invite_expires_at = utcnow() + INVITE_VALID_FOR
    audit.record(session, actor, "user.invited", user, f"invitation for {user.email}")
    return user, secret


def user_for_invitation(session: Session, secret: str) -> User | None:
    if not secret:
        return None
    user = session.scalar(select(User).where(User.invite_token_hash == _hash(secret)))
    if user is None or not user.active or user.invite_expires_at is None:
        return None
    return user if user.invite_expires_at > utcnow() else None


def accept_invitation(session: Session, user: User, password: str) -> None:
    set_password(session, user, password, actor=user)
    user.invite_token_hash = None
    user.invite_expires_at = None


def set_password(session: Session, user: User, password: str, *, actor) -> None:
    problems = passwords.password_problems(password, email=user.email, name=user.name)
    if problems:
        raise AccountError(Code.PASSWORD_REFUSED, reasons=" ".join(problems))
    user.password_hash = passwords.hash_password(password)
    end_sessions(session, user)  # other sessions end
    audit.record(session, actor, "user.password_changed", user, f"password of {user.email} changed")


def end_sessions(session: Session, user: User) -> None:
    """Give the account a new session token: every cookie issued so far stops working."""
    user.session_token = new_session_token()


def logout(session: Session, user: User) -> None:
    """Log out everywhere: a copied or stolen cookie of this account is refused afterwards."""
    end_sessions(session, user)
    audit.record(session, user, "auth.logout", user, f"{user.email} logged out")


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Every attempt is audited."""
    user = get_by_email(session, email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        audit.record(
            session,
            user if user and user.active else None,
            "auth.login_failed",
            summary=f"failed login for {normalize_email(email)[:200]}",
            object_type="user",
            object_id=str(user.id) if user else "",
        )
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    audit.record(session, user, "auth.login", user, f"{user.email} logged in")
    return user


def update_user(
    session: Session, actor, user: User, *, name: str, roles: set[str], active: bool
) -> None:
    if holds_unstorable_text(name):
        raise AccountError(Code.UNSTORABLE_TEXT)
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise AccountError(Code.ROLES_INVALID)
    if not permissions.leaves_an_admin(active_admin_ids(session), user.id, roles, active):
        raise AccountError(Code.LAST_ADMIN)
    changes, kinds = [], []
    if name.strip() and name.strip() != user.name:
        changes.append(f"name {user.name!r} -> {name.strip()!r}")
        kinds.append("name")
        user.name = name.strip()
    if set(roles) != set(user.roles):
        changes.append(f"roles {sorted(user.roles)} -> {sorted(roles)}")
        kinds.append("roles")
        user.roles = roles
    if active != user.active:
        changes.append("activated" if active else "deactivated")
        kinds.append(changes[-1])
        user.active = active
        if not active:
            end_sessions(session, user)
    if changes:
        # `changes` in the details: what the audit log's sentence says was changed.
        audit.record(
            session,
            actor,
            "user.updated",
            user,
            f"{user.email}: " + "; ".join(changes),
            details={"changes": kinds},
        )


def deactivate(session: Session, actor, user: User) -> None:
    update_user(session, actor, user, name=user.name, roles=set(user.roles), active=False)


def issue_token(session: Session, actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for `user`; the secret is returned once and stored only as a hash."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name.strip()[:100], token_hash=_hash(secret), prefix=secret[:12]
    )
    session.add(token)
    session.flush()
    audit.record(session, actor, "token.issued", token, f"token {token.prefix}… for {user.email}")
    return token, secret


def revoke_token(session: Session, actor, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session, actor, "token.revoked", token, f"token {token.prefix}… of {token.user.email}"
        )


def user_for_token(session: Session, secret: str) -> User | None:
    """The active user owning this unrevoked token, or None."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(secret)))
    if token is None or token.is_revoked or not token.user.active:
        return None
    now = utcnow()
    # Recording every use would turn each API read into a write; once a minute is enough.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        token.last_used_at = now
    return token.user
