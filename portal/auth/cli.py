"""`flask --app wsgi users ...`: accounts and API tokens from the command line."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.auth import operations
from portal.auth.models import ApiToken, User
from portal.auth.roles import ROLES
from portal.extensions import db

users_cli = click.Group("users", help="Manage accounts and API tokens.")


def _user_or_fail(email: str) -> User:
    user = operations.get_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help=f"Role (repeat for several): {', '.join(ROLES)}.",
)
@click.option(
    "--department",
    "departments",
    multiple=True,
    help="A director decides for this department (repeat for several; none: all).",
)
@with_appcontext
def create_command(
    email: str, name: str, roles: tuple[str, ...], departments: tuple[str, ...] = ()
) -> None:
    """Create a user. The password comes from $PASSWORD or a prompt."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise click.ClickException(
            f"unknown role {', '.join(unknown)}; choose from {', '.join(ROLES)}"
        )
    password = os.environ.get("PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = operations.create_user(db.session, None, email, name, set(roles), password=password)
    except operations.AccountError as error:
        raise click.ClickException(str(error)) from error
    if departments:
        user.departments = sorted({d.strip() for d in departments if d.strip()})
    db.session.commit()
    click.echo(f"created {user.email} ({', '.join(sorted(user.roles))})")


@users_cli.command("list")
@with_appcontext
def list_command() -> None:
    """List users with their roles and state."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        state = "active" if user.active else "inactive"
        click.echo(f"{user.email}\t{user.name}\t{','.join(sorted(user.roles))}\t{state}")


@users_cli.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate_command(email: str) -> None:
    """Deactivate a user: no login, no API access; history stays."""
    user = _user_or_fail(email)
    try:
        operations.deactivate(db.session, None, user)
    except operations.AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"deactivated {user.email}")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@with_appcontext
def token_command(email: str, name: str) -> None:
    """Print a new API token for EMAIL. It is shown only this once."""
    user = _user_or_fail(email)
    if not user.active:
        raise click.ClickException(f"{user.email} is deactivated")
    _token, secret = operations.issue_token(db.session, None, user, name)
    db.session.commit()
    click.echo(secret)


@users_cli.command("tokens")
@click.argument("email")
@with_appcontext
def tokens_command(email: str) -> None:
    """List a user's tokens (id, start, name, state); the secrets are not stored."""
    user = _user_or_fail(email)
    for token in user.tokens:
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.is_revoked else "active"
        click.echo(f"{token.id}\t{token.prefix}…\t{token.name}\t{state}")


@users_cli.command("revoke-token")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_token_command(token_id: int) -> None:
    """Revoke a token by its id (see `users tokens EMAIL`)."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id))
    if token is None:
        raise click.ClickException(f"no token with id {token_id}")
    operations.revoke_token(db.session, None, token)
    db.session.commit()
    click.echo(f"revoked token {token.id} ({token.prefix}…) of {token.user.email}")
