"""The pulse templates every portal starts with; admins reword them later."""

from sqlalchemy import select

from portal.concurrency import lock_table
from portal.extensions import db
from portal.pulses.models import PulseQuestion, PulseTemplate, Scale, Trigger

DEFAULT_TEMPLATES = {
    Trigger.UPDATE: ("After a status update", [
        (Scale.CSAT, "How satisfied are you with how we are keeping you informed?"),
    ]),
    Trigger.MILESTONE: ("After a milestone", [
        (Scale.CSAT, "How satisfied are you with this milestone?"),
        (Scale.CES, "How easy was it to work with us to get here?"),
    ]),
    Trigger.CLOSEOUT: ("At closeout", [
        (Scale.CSAT, "How satisfied are you with the project overall?"),
        (Scale.NPS, "How likely are you to recommend us to a friend or colleague?"),
        (Scale.CES, "How easy was it to work with us?"),
    ]),
    Trigger.PERIODIC: ("Every month or so", [
        (Scale.NPS, "How likely are you to recommend us to a friend or colleague?"),
        (Scale.CSAT, "How satisfied are you with our service lately?"),
    ]),
    Trigger.CHECK_IN: ("Placement check-in", [
        (Scale.CSAT, "How is {person} settling in?"),
    ]),
    Trigger.CARE: ("Anything we can help with?", [
        (Scale.CSAT, "Since your project was delivered, how satisfied are you with how we "
                     "look after you? Anything we can help with, tell us below."),
    ]),
}


def ensure_default_templates() -> None:
    """Create the default template of every trigger that has none yet."""
    present = set(db.session.scalars(select(PulseTemplate.trigger)))
    if present.issuperset(DEFAULT_TEMPLATES):
        return
    lock_table(PulseTemplate)  # two first visits at once would both add them
    present = set(db.session.scalars(select(PulseTemplate.trigger)))
    for trigger, (name, questions) in DEFAULT_TEMPLATES.items():
        if trigger in present:
            continue
        template = PulseTemplate(name=name, trigger=trigger, questions=[
            PulseQuestion(position=i, scale=scale, prompt=prompt)
            for i, (scale, prompt) in enumerate(questions)
        ])
        db.session.add(template)
    db.session.flush()
