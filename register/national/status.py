"""An entry's national state, for the admin page and the public API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.problems import N_
from register.models import Algorithm, AlgorithmVersion, NationalDelivery
from register.national import payloads
from register.national.sync import State, candidates, deliveries_by_algorithm, state_of

# msgids for the admin page (Dutch in the catalogue).
STATE_LABELS = {
    State.NOT_DELIVERED: N_("never delivered"),
    State.IN_SYNC: N_("delivered and in sync"),
    State.OURS_NEWER: N_("ours newer"),
    State.NATIONAL_NEWER: N_("national newer (edited there)"),
    State.FAILED: N_("failed"),
    State.RETRACTED: N_("retracted (out of use)"),
}


@dataclass(frozen=True)
class EntryState:
    algorithm: Algorithm
    delivery: NationalDelivery | None
    state: State
    delivered_version: int | None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


def _digest(algorithm: Algorithm, register_url: Callable[[str], str]) -> str:
    return payloads.digest(
        payloads.algorithm_in(algorithm.content, register_url=register_url(algorithm.slug))
    )


def entry_states(
    session: Session, organization: str, register_url: Callable[[str], str]
) -> list[EntryState]:
    """Every entry of our organisation that is or was published, with its national state."""
    algorithms = candidates(session, organization)
    deliveries = deliveries_by_algorithm(session, [a.id for a in algorithms])
    version_ids = [d.delivered_version_id for d in deliveries.values() if d.delivered_version_id]
    numbers = {}
    if version_ids:
        numbers = {
            v.id: v.number
            for v in session.query(AlgorithmVersion).filter(AlgorithmVersion.id.in_(version_ids))
        }
    states = []
    for algorithm in algorithms:
        delivery = deliveries.get(algorithm.id)
        states.append(
            EntryState(
                algorithm,
                delivery,
                state_of(algorithm, delivery, _digest(algorithm, register_url)),
                numbers.get(delivery.delivered_version_id) if delivery else None,
            )
        )
    return states


def public_national(
    session: Session, algorithm: Algorithm, register_url: Callable[[str], str]
) -> dict | None:
    """`national` of the public API: {lars, state, delivered_at}, or None when the entry is
    unknown to the national register (no national id, never delivered)."""
    delivery = session.get(NationalDelivery, algorithm.id)
    if not algorithm.lars and delivery is None:
        return None
    delivered_at: dt.datetime | None = delivery.delivered_at if delivery else None
    return {
        "lars": algorithm.lars or None,
        "state": str(state_of(algorithm, delivery, _digest(algorithm, register_url))),
        "delivered_at": delivered_at,
    }
