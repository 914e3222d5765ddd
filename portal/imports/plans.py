"""What an import would do, row by row: the plan a dry run shows and a confirm applies."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portal.imports.layouts import Kind

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"


@dataclass(frozen=True)
class Problem:
    """Why a row cannot be imported, on its row and column."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass(frozen=True)
class Change:
    """One field of a row: what it is now (empty for a new row) and what it would become."""

    column: str
    old: str
    new: str


@dataclass
class RowPlan:
    """One row of the file: created, changed, left alone, or refused with its problems."""

    row: int
    external_id: str
    label: str = ""
    changed: list[Change] = field(default_factory=list)  # of an existing row
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # attribute -> value to write
    target: Any = None  # the existing row it changes, if any
    # A new row's shown columns (column, attribute), spelt out only when shown: a 10,000-row
    # import applied from the shell never needs them.
    new_columns: list[tuple[str, str]] = field(default_factory=list)
    display: Callable[[str, Any], str] | None = None

    @property
    def changes(self) -> list[Change]:
        """What the row would set: every shown field of a new row, the differing ones of an
        existing row, each with its value now and after."""
        if self.target is not None or self.display is None:
            return self.changed
        return [Change(column, "", self.display(attr, self.values[attr]))
                for column, attr in self.new_columns]

    @property
    def action(self) -> str:
        if self.problems:
            return ERROR
        if self.target is None:
            return CREATE
        return UPDATE if self.changed else UNCHANGED

    def refuse(self, column: str, message: str) -> None:
        """Note a problem on this row's column."""
        self.problems.append(Problem(self.row, column, message))


@dataclass
class Plan:
    """Every row's plan, or the problems that stop the file being read at all."""

    filename: str
    file_sha256: str
    kind: Kind | None = None
    rows: list[RowPlan] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """How many rows would be created, changed, left alone, and have errors."""
        found = Counter(row.action for row in self.rows)
        return {action: found[action] for action in (CREATE, UPDATE, UNCHANGED, ERROR)}

    @property
    def problems(self) -> list[Problem]:
        return [problem for row in self.rows for problem in row.problems]

    @property
    def ok(self) -> bool:
        """Whether the plan can be applied: the file was read and no row has a problem."""
        return not self.file_problems and not self.problems and bool(self.rows)

    @property
    def has_work(self) -> bool:
        counts = self.counts
        return bool(counts[CREATE] or counts[UPDATE])

    def digest(self) -> str:
        """A fingerprint of the file and of everything the plan would do: a confirm applies
        only a plan with the digest the admin saw."""
        shown = [
            (row.row, row.action, row.external_id, row.values if row.target is None else
             [(c.column, c.old, c.new) for c in row.changed], [str(p) for p in row.problems])
            for row in self.rows
        ]
        text = json.dumps([self.kind.name if self.kind else None, self.file_sha256, shown,
                           self.file_problems], default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def summary(self) -> str:
        """One line of counts, for the audit log, the CLI and the confirmation."""
        counts = self.counts
        kind = self.kind.label if self.kind else "rows"
        return (f"{self.filename}: {kind}: {counts[CREATE]} created, {counts[UPDATE]} changed, "
                f"{counts[UNCHANGED]} unchanged")
