"""The living style page at /staff/style: every component of the design system, drawn by its
macro with sample data of the same types the pages use. It lives in home, which may import every
feature, because its samples come from projects, pulses and content."""

from datetime import date, datetime, timedelta
from fractions import Fraction
from types import SimpleNamespace

from wtforms.fields.choices import SelectChoice

from portal.content.client_figures import client_figures
from portal.content.forms import StyleSampleForm
from portal.db import timezone_names, utcnow
from portal.projects.charts import drift_chart
from portal.projects.models import Confidence, ProjectStatus
from portal.projects.services import FirstAnswerTime
from portal.projects.track_record import Delivery, PromisesKept, UpdateRhythm

SAMPLE_STEPS = (("Discovery", True, -2), ("Shortlist", True, 1), ("Interviews", False, 4))


def _sample_record() -> SimpleNamespace:
    """A track record of ten deliveries (eight kept first, nine with notice), an update rhythm,
    a first-answer time and a pulse result, of the types the client pages use."""
    start = date(2026, 9, 1)
    deliveries = tuple(
        Delivery(f"Step {n}", start + timedelta(days=7 * n),
                 start + timedelta(days=7 * n - (n > 8)), start + timedelta(days=7 * n - (n > 9)))
        for n in range(1, 11))
    return SimpleNamespace(
        promises=PromisesKept(deliveries),
        rhythm=UpdateRhythm(updates=9, average_days=6.5, promised_days=7, gaps=8),
        first_answer=FirstAnswerTime(timedelta(hours=3), answered=12, waiting=1),
        pulses=SimpleNamespace(csat_share=Fraction(5, 8), csat_answers=8, csat_satisfied=5,
                               nps=Fraction(25, 2), nps_answers=8, promoters=3, detractors=2,
                               ces_mean=Fraction(17, 4), ces_answers=4, ces_total=17))


def style_page() -> dict:
    """What templates/home/style.html draws."""
    form = StyleSampleForm(formdata=None)
    form.timezone.set_zones(timezone_names(),
                            first=SelectChoice("", "My organisation's timezone (UTC)"))
    form.broken.errors = ["An error says what is wrong and how to put it right."]
    person = SimpleNamespace(name="Priya Nair", initials="PN", job_title="Account manager",
                             email="priya@example.com", phone="+44 20 7946 0102")
    now: datetime = utcnow()
    return dict(form=form, edit_sample=StyleSampleForm(formdata=None, prefix="sample"),
                statuses=list(ProjectStatus), confidence=Confidence.HIGH,
                person=person, record=_sample_record(), shown=client_figures(),
                drift=drift_chart(SAMPLE_STEPS), today=now.date(), now=now)
