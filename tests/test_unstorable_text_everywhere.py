"""Text that cannot be stored (lone surrogates from bytes that are not UTF-8, NUL) gets a
clear refusal on the command line too, not a database traceback."""

import pytest

from portal.auth import operations
from portal.auth.models import User
from portal.extensions import db
from portal.text import holds_unstorable_text, is_storable_text

PASSWORD = "paarse olifant danst op de Dom"


@pytest.mark.parametrize("name", ["Ab\udcffc", "Ab\x00c", "\ud800"])
def test_users_create_refuses_unstorable_names_clearly(app, name, monkeypatch):
    monkeypatch.setenv("PASSWORD", PASSWORD)
    result = app.test_cli_runner().invoke(
        args=["users", "create", "a@utrecht.nl", "--name", name, "--role", "submitter"]
    )
    assert result.exit_code != 0
    assert "cannot be stored" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert db.session.query(User).count() == 0


def test_renaming_to_unstorable_text_is_refused(app, users):
    with pytest.raises(operations.AccountError) as refused:
        operations.update_user(
            db.session, None, users["submitter"], name="x\ud800", roles={"submitter"}, active=True
        )
    assert refused.value.code == "unstorable_text"


@pytest.mark.parametrize(
    ("value", "storable"),
    [("gewoon", True), ("Financiën 😀", True), ("a\x00", False), ("\udcff", False)],
)
def test_the_one_rule(value, storable):
    assert is_storable_text(value) is storable
    assert holds_unstorable_text({"k": [value]}) is not storable
    assert holds_unstorable_text({value: 1}) is not storable
