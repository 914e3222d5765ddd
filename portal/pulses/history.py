"""What an answer said when: the first answer keeps its time, each change is a revision.

Reports and metrics date an answer by when it was first given. Health metrics as of a past
moment read the score as it stood then, so a change made today never moves an earlier week.
Functions flush; the caller commits.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import selectinload

from portal.auth.models import User
from portal.extensions import db
from portal.pulses.models import AnswerRevision, PulseAnswer, PulseRequest


def revise(answer: PulseAnswer, *, score: int, comment: str | None, by: User | None,
           now: datetime) -> AnswerRevision | None:
    """Change an answer, keeping what it said before as a revision; None when nothing changed."""
    if (answer.score, answer.comment) == (score, comment):
        return None
    revision = AnswerRevision(answer=answer, changed_at=now, changed_by=by,
                              old_score=answer.score, new_score=score,
                              old_comment=answer.comment, new_comment=comment)
    db.session.add(revision)
    answer.score, answer.comment = score, comment
    return revision


def score_as_of(as_of: datetime) -> ColumnElement[int]:
    """An answer's score as it stood at that moment: the old score of its first change made
    then or later, else its score now."""
    later = (select(AnswerRevision.old_score)
             .where(AnswerRevision.answer_id == PulseAnswer.id,
                    AnswerRevision.changed_at >= as_of)
             .order_by(AnswerRevision.changed_at, AnswerRevision.id)
             .limit(1).scalar_subquery())
    return func.coalesce(later, PulseAnswer.score)


def changed_answers(start: datetime, end: datetime, *, organization_id: int | None = None,
                    project_id: int | None = None, limit: int = 50) -> list[AnswerRevision]:
    """The changes made in [start, end), newest first, with their answer, request and person."""
    stmt = (select(AnswerRevision).join(PulseAnswer).join(PulseRequest)
            .where(AnswerRevision.changed_at >= start, AnswerRevision.changed_at < end))
    if organization_id:
        stmt = stmt.where(PulseRequest.organization_id == organization_id)
    if project_id:
        stmt = stmt.where(PulseRequest.project_id == project_id)
    return list(db.session.scalars(stmt.options(
        selectinload(AnswerRevision.changed_by),
        selectinload(AnswerRevision.answer).selectinload(PulseAnswer.request)
        .selectinload(PulseRequest.organization),
    ).order_by(AnswerRevision.changed_at.desc(), AnswerRevision.id.desc()).limit(limit)))
