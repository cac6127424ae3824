"""Fixtures of the assessment tests."""

import pytest

from portal.auth import operations as accounts
from portal.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def api(client, users):
    """Call the API as a role: api("submitter").post(...)."""
    tokens = {}

    def token_for(role):
        # Issued on first use, so tests can add people to `users` first.
        if role not in tokens:
            tokens[role] = accounts.issue_token(db.session, None, users[role], "test")[1]
            db.session.commit()
        return tokens[role]

    class Caller:
        def __init__(self, role):
            self.headers = {"Authorization": f"Bearer {token_for(role)}"}

        def __getattr__(self, method):
            def call(url, **kwargs):
                return getattr(client, method)(url, headers=self.headers, **kwargs)

            return call

    return Caller


@pytest.fixture
def board(users):
    """Three sounding-board members (the fixture's reviewer plus two) in `users`."""
    for key, name in (("reviewer2", "Bram Bos"), ("reviewer3", "Cato Claes")):
        users[key] = accounts.create_user(
            db.session, None, f"{key}@utrecht.example", name, {"reviewer"}, password=PASSWORD
        )
    db.session.commit()
    return ["reviewer", "reviewer2", "reviewer3"]
