"""Candidates and shortlists: staff add and present them, the client reviews and decides,
the admin keeps the settings and erases candidates. One views module per sub-feature, all on
one blueprint; importing them adds their routes to it (and jobs teaches a worker the nightly
erasure)."""

from portal.selection import (  # noqa: F401
    candidate_views,
    decision_views,
    jobs,
    settings_views,
    shortlist_views,
)
from portal.selection.blueprint import bp

__all__ = ["bp"]
