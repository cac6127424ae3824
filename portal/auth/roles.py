"""The roles of the internal side. Plain data, shared by rules, forms and the CLI."""

from __future__ import annotations

SUBMITTER = "submitter"  # data scientist / algorithm owner
REVIEWER = "reviewer"  # member of the Uthiek sounding board
PRIVACY_OFFICER = "privacy_officer"
ADMIN = "admin"  # register coordinator
# The accountable director: decides on advice, suspends algorithms (for the departments in
# `User.departments`; none listed: for all).
DIRECTOR = "director"

ROLES = (SUBMITTER, REVIEWER, PRIVACY_OFFICER, ADMIN, DIRECTOR)
