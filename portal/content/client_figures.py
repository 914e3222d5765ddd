"""What clients see of the firm's track record: a switch per figure (promises kept, update
rhythm, first-answer time, the closeout's pulse results), and the fewest answers or deliveries a
percentage or NPS a client sees may stand on. Admins set them beside the firm settings.

Functions flush; the caller commits. Saving bumps every project (portal.web.changes), so cached
client pages, their open copies and closeout PDFs follow the new choice at once.
"""

from dataclasses import astuple, dataclass, fields

from sqlalchemy import ColumnElement, select

from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import check_version, edit_version, lock_table
from portal.content.models import SETTINGS_ID, ClientFigureSettings
from portal.content.services import ContentError
from portal.extensions import db
from portal.web import facts

CLIENT_FIGURES = "client figures"  # the fact the pages showing them read with the user
SHOWN_ON = frozenset({"home.index", "home.live", "projects.show", "projects.live",
                      "closeout.show"})
DEFAULT_MIN_COUNT = 5
MIN_COUNT_RANGE = (1, 100)
SWITCHES = {  # each switch and the figure it shows, in the words of the pages
    "show_promises": "promises kept",
    "show_update_rhythm": "update cadence",
    "show_first_answer": "time to a first answer",
    "show_closeout_pulses": "the closeout's pulse results",
}


@dataclass(frozen=True)
class ClientFigures:
    """The admin's choices (or the defaults: every figure shown, from 5)."""

    min_count: int = DEFAULT_MIN_COUNT
    show_promises: bool = True
    show_update_rhythm: bool = True
    show_first_answer: bool = True
    show_closeout_pulses: bool = True

    @property
    def shows_track_record(self) -> bool:
        """Whether any of the dashboard's and project page's track-record figures shows."""
        return self.show_promises or self.show_update_rhythm or self.show_first_answer

    def enough(self, count: int) -> bool:
        """Whether a percentage or NPS from `count` answers or deliveries may be shown."""
        return count >= self.min_count


def figure_columns() -> list[ColumnElement]:
    """The saved choices as columns read with the signed-in user (portal/web/facts.py)."""
    return [select(getattr(ClientFigureSettings, f.name))
            .where(ClientFigureSettings.id == SETTINGS_ID).scalar_subquery()
            for f in fields(ClientFigures)]


def client_figures() -> ClientFigures:
    """What clients see, as saved; the defaults when no admin has saved a choice."""
    read = facts.known(CLIENT_FIGURES)
    if read is None:
        row = db.session.get(ClientFigureSettings, SETTINGS_ID)
        read = (None,) if row is None else [getattr(row, f.name) for f in fields(ClientFigures)]
    return ClientFigures() if read[0] is None else ClientFigures(*read)


def figures_version(figures: ClientFigures) -> str:
    """The version of what the form shows: every choice."""
    return edit_version(*astuple(figures))


def update_client_figures(*, min_count: int, by: User | None, seen: str | None = None,
                          **switches: bool) -> ClientFigures:
    """Save the minimum and the switches; a minimum out of range changes nothing.

    `seen` is the figures_version() the form was opened on; ChangedMeanwhile if another admin
    saved since.
    """
    low, high = MIN_COUNT_RANGE
    if not low <= min_count <= high:
        raise ContentError(f"Give a whole number from {low} to {high}.", field="min_count")
    lock_table(ClientFigureSettings)  # two first saves would both insert the one row
    check_version(seen, figures_version(client_figures()))
    row = db.session.get(ClientFigureSettings, SETTINGS_ID, populate_existing=True)
    if row is None:
        row = ClientFigureSettings(id=SETTINGS_ID)
        db.session.add(row)
    row.min_count = min_count
    for name in SWITCHES:
        setattr(row, name, bool(switches[name]))
    db.session.flush()
    shown = ", ".join(f"{label} {'shown' if switches[name] else 'hidden'}"
                      for name, label in SWITCHES.items())
    audit.record("content.client_figures_changed", actor=by, target=row,
                 summary=f"at least {min_count} answers or deliveries; {shown}")
    return client_figures()
