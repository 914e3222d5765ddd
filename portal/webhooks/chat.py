"""The readable message a chat endpoint (a Slack or Teams incoming webhook) gets instead of
the JSON payload: `{"text": ...}`, which both accept, one or two lines per event."""

from typing import Any

LIMIT = 3000  # characters: well inside what Slack and Teams show in one message


def _person(value: dict | None, fallback: str = "someone") -> str:
    return value["name"] if value else fallback


def _where(data: dict[str, Any]) -> str:
    project = data.get("project")
    if project:
        return f"{project['organization']['name']} · {project['name']}"
    return data["organization"]["name"]


def _link(data: dict[str, Any]) -> str:
    project = data.get("project")
    return f"\n{project['url']}" if project else ""


def _eta(data: dict[str, Any]) -> str:
    what = f"Milestone {data['milestone']['title']}" if data["milestone"] else "ETA"
    reason = f" Reason: {data['reason']}" if data["reason"] else ""
    return f"{what} moved from {data['old_eta'] or 'no date'} to {data['new_eta']}.{reason}"


def _pulse(data: dict[str, Any]) -> str:
    scores = ", ".join(f"{a['scale'].upper()} {a['score']}" + (" (low)" if a["low"] else "")
                       for a in data["answers"])
    return f"{_person(data['respondent'], 'A client')} answered a pulse: {scores}."


def _alert(data: dict[str, Any]) -> str:
    why = "entered red" if data["entered_red"] else f"fell {data['dropped_by']} points"
    return f"Health alert (internal): the score {why}, now {data['score']}."


LINES = {
    "update.published": lambda d: f"Update published: {d['status'].replace('_', ' ')}, ETA "
                                  f"{d['eta'] or 'none'}.\n{d['body']}",
    "eta.changed": _eta,
    "milestone.completed": lambda d: f"Milestone completed: {d['title']} on {d['completed_on']}.",
    "question.asked": lambda d: f"New {d['kind']} from {_person(d['author'], 'a client')}: "
                                f"{d['body']}",
    "question.answered": lambda d: f"{_person(d['author'])} replied: {d['body']}",
    "pulse.answered": _pulse,
    "follow_up.opened": lambda d: f"Follow-up opened for {_person(d['owner'], 'nobody yet')}: "
                                  f"{d['reason']}",
    "follow_up.resolved": lambda d: f"Follow-up resolved by {_person(d['resolved_by'])}: "
                                    f"{d['resolution']}",
    "closeout.published": lambda d: f"Closeout published: {d['summary']}",
    "health.alert": _alert,
    "contact.invited": lambda d: f"{d['name']} was invited by {_person(d['invited_by'])}.",
}


def chat_text(payload: dict[str, Any]) -> str:
    """The message for one event's payload, cut to a length chat apps show in full."""
    data = payload["data"]
    text = f"*{_where(data)}*\n{LINES[payload['type']](data)}{_link(data)}"
    return text if len(text) <= LIMIT else text[:LIMIT - 1] + "…"
