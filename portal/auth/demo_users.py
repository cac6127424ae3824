"""Demo accounts, one per role, for trying the internal side locally (`demo load`)."""

from __future__ import annotations

import os

from sqlalchemy.orm import Session

from portal.auth import operations
from portal.auth.roles import ADMIN, DIRECTOR, PRIVACY_OFFICER, REVIEWER, SUBMITTER

# Known to everyone who reads this file: `demo load` is for local and test machines only.
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "uthiek demo wachtwoord 2026")

DEMO_USERS = (
    ("indiener@demo.utrecht.nl", "Daan de Data", (SUBMITTER,)),
    ("indiener2@demo.utrecht.nl", "Sara Stadsdata", (SUBMITTER,)),
    ("klankbord1@demo.utrecht.nl", "Karim Klankbord", (REVIEWER,)),
    ("klankbord2@demo.utrecht.nl", "Ilse IJsselstein", (REVIEWER,)),
    ("klankbord3@demo.utrecht.nl", "Wim van Wijk", (REVIEWER,)),
    ("privacy@demo.utrecht.nl", "Priya Privacy", (PRIVACY_OFFICER,)),
    ("beheer@demo.utrecht.nl", "Bram Beheer", (ADMIN,)),
    # Decides on the board's advice for every department (none listed).
    ("directeur@demo.utrecht.nl", "Dewi Directeur", (DIRECTOR,)),
)


def load(session: Session) -> list[tuple[str, tuple[str, ...]]]:
    """Create the demo accounts that do not exist yet; returns the ones created."""
    created = []
    for email, name, roles in DEMO_USERS:
        if operations.get_by_email(session, email) is None:
            operations.create_user(session, None, email, name, set(roles), password=DEMO_PASSWORD)
            created.append((email, roles))
    return created
