"""The shortlist and candidate pages cost the same SQL statements for eight candidates as for
two: each candidate has screening steps run by different staff, a decision with a reason
replacing an earlier one, a client view, a status change and an interview, so a lazy load per
candidate (an N+1) would show as a count that grows."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.auth.models import Role
from portal.extensions import db
from portal.selection.models import (
    Candidate,
    CandidateDecision,
    CandidateScreeningStep,
    CandidateStatusChange,
    CandidateView,
    DecisionKind,
    RejectionReason,
)
from portal.selection.placement_models import Interview, InterviewSlot, InterviewState
from tests.operations.test_query_counts import statements_for
from tests.selection.placement_setup import acme, presented

# The shortlist: the user (with branding and banner), the project, the candidates with their
# steps, shortlists and decisions, the reasons; staff also the security settings and first views.
SHORTLIST_MAX = {"client": 7, "staff": 9}
# One candidate: the page is read, then a client's view is recorded, audited and committed (a
# commit before reading cost 18: everything read again); staff (whose views are not recorded)
# also see interviews, placements and status history.
CANDIDATE_MAX = {"client": 10, "staff": 16}


def _add(app, people: dict, count: int) -> list[int]:
    """`count` presented candidates, each with its own history (see the module's docstring)."""
    ids = []
    at = datetime.now(UTC) - timedelta(days=2)
    with app.app_context():
        reason_id = db.session.scalars(select(RejectionReason.id)).first()
    for i in range(count):
        candidate = presented(app, people["project"], f"Candidate {i}", at=at)
        with app.app_context():
            row = db.session.get(Candidate, candidate.id)
            recruiters = [people["recruiters"][(i + k) % len(people["recruiters"])]
                          for k in range(2)]
            for k, recruiter in enumerate(recruiters):
                db.session.add(CandidateScreeningStep(
                    candidate=row, step_title=f"Step {k}", run_by_id=recruiter.id,
                    passed_on=date(2026, 1, 6 + k)))
            db.session.add_all([
                CandidateDecision(candidate=row, kind=DecisionKind.INVITE,
                                  decided_by_id=people["client"].id,
                                  decided_at=at + timedelta(hours=1),
                                  superseded_at=at + timedelta(hours=2)),
                CandidateDecision(candidate=row, kind=DecisionKind.NOT_A_FIT,
                                  reason_id=reason_id, decided_by_id=people["client"].id,
                                  decided_at=at + timedelta(hours=2)),
                CandidateView(candidate_id=candidate.id, user_id=people["client"].id,
                              first_viewed_at=at, last_viewed_at=at),
                CandidateStatusChange(candidate=row, status=row.status,
                                      changed_by_id=recruiters[0].id, changed_at=at),
            ])
            interview = Interview(candidate=row, contact_id=recruiters[1].id,
                                  state=InterviewState.PROPOSED, proposed_at=at)
            interview.slots = [InterviewSlot(position=k, starts_at=at + timedelta(days=5 + k))
                               for k in range(3)]
            db.session.add(interview)
            db.session.commit()
        ids.append(candidate.id)
    return ids


@pytest.fixture
def account(app, make) -> dict:
    """Acme's hiring manager, its placement project and six staff recruiters."""
    people = acme(make)
    people["recruiters"] = [make.user(f"recruiter{i}@firm.example", role=Role.STAFF,
                                      name=f"Recruiter {i}") for i in range(6)]
    return people


def _costs(app, signed_in, account, count: int) -> dict[str, tuple[int, int]]:
    """Per page and viewer: its statements with `count` candidates, and the candidates shown."""
    ids = _add(app, account, count)
    project = account["project"].id
    costs = {}
    for viewer, email in (("client", "maya@acme.example"), ("staff", "priya@firm.example")):
        browser = signed_in(email)
        shortlist = statements_for(app, browser, f"/projects/{project}/candidates",
                                   warm_up="/healthz")
        page = browser.get(f"/projects/{project}/candidates").get_data(as_text=True)
        costs[f"shortlist-{viewer}"] = (len(shortlist), page.count("Candidate "))
        one = statements_for(app, browser, f"/projects/{project}/candidates/{ids[-1]}")
        costs[f"candidate-{viewer}"] = (len(one), 0)
    return costs


def test_the_shortlist_and_candidate_pages_cost_the_same_for_eight_candidates_as_for_two(
        app, make, signed_in, account):
    few = _costs(app, signed_in, account, 2)
    many = _costs(app, signed_in, account, 6)  # 8 in all
    for page in few:
        assert few[page][0] == many[page][0], (page, few[page], many[page])
    assert many["shortlist-client"][1] >= 8 and many["shortlist-staff"][1] >= 8
    for viewer in ("client", "staff"):
        assert many[f"shortlist-{viewer}"][0] <= SHORTLIST_MAX[viewer], many
        assert many[f"candidate-{viewer}"][0] <= CANDIDATE_MAX[viewer], many
