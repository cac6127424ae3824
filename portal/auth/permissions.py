"""Who may do what with accounts and the portal as a whole: rules on roles only.

Plain functions on plain data (anything with `id`, `roles` and `is_active`), used by the web
views, the API and the CLI alike. Access is denied unless a rule grants it. The rules about
one assessment live with the assessments (`assessments/permissions.py`) and build on
`is_active_account` and `has_role` here.
"""

from __future__ import annotations

from portal.auth.roles import ADMIN, DIRECTOR, PRIVACY_OFFICER, REVIEWER, SUBMITTER


def is_active_account(user) -> bool:
    return bool(
        user is not None and getattr(user, "is_active", False) and getattr(user, "id", None)
    )


def has_role(user, *roles: str) -> bool:
    return is_active_account(user) and any(role in user.roles for role in roles)


def can_use_internal_side(user) -> bool:
    return has_role(user, SUBMITTER, REVIEWER, PRIVACY_OFFICER, ADMIN, DIRECTOR)


def can_administer_users(user) -> bool:
    return has_role(user, ADMIN)


def can_view_audit_log(user) -> bool:
    return has_role(user, ADMIN)


def can_publish(user) -> bool:
    """Publish, retire, import and export register entries."""
    return has_role(user, ADMIN)


def can_manage_token(user, token_owner_id: int) -> bool:
    return is_active_account(user) and (user.id == token_owner_id or ADMIN in user.roles)


def directs(user, department: str) -> bool:
    """A director decides for the departments listed on their account; one without any
    listed decides for all."""
    if not has_role(user, DIRECTOR):
        return False
    departments = set(getattr(user, "departments", None) or ())
    return not departments or department in departments


def can_suspend(user, department: str) -> bool:
    """Suspend an algorithm of `department` or lift its suspension: admins and the
    director responsible for it."""
    return has_role(user, ADMIN) or directs(user, department)


def can_resume_publication(user) -> bool:
    return has_role(user, ADMIN)


def leaves_an_admin(
    active_admin_ids: set[int], user_id: int, roles: set[str], active: bool
) -> bool:
    """False when this change to one user would leave no active admin."""
    remaining = set(active_admin_ids)
    if ADMIN in roles and active:
        remaining.add(user_id)
    else:
        remaining.discard(user_id)
    return bool(remaining)
