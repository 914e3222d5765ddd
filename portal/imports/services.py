"""CSV import: a file read into a plan (the dry run), and that plan applied in one transaction.

The page and `flask import` call the same two functions. Applying writes new rows with bulk
inserts (the bulk path is what keeps 10,000 rows well under a minute) and changes existing
rows through the session; bulk inserts are not seen by portal/web/changes.py, so the projects
that gain a milestone are bumped here. Functions flush; the caller commits once, so a failure
anywhere leaves the database as it was.
"""

import hashlib

from sqlalchemy import column, insert, table, update

from portal.accounts.models import Organization
from portal.audit import services as audit
from portal.auth.models import User
from portal.concurrency import lock_table
from portal.extensions import db
from portal.imports.layouts import CellError, Column, Kind, kind_of
from portal.imports.planners import plan_accounts, plan_contacts
from portal.imports.plans import CREATE, ERROR, UNCHANGED, UPDATE, Plan, RowPlan
from portal.imports.reading import MAX_BYTES, MAX_ROWS, FileError, read_table
from portal.imports.work_planners import plan_milestones, plan_projects
from portal.projects.models import EtaChange, Milestone, Project

MODELS = {"accounts": Organization, "contacts": User, "projects": Project,
          "milestones": Milestone}
PLANNERS = {"accounts": plan_accounts, "contacts": plan_contacts, "projects": plan_projects,
            "milestones": plan_milestones}
PROJECTS = table("project", column("id"), column("version"))


class PlanChanged(Exception):
    """The data changed since the preview: the plan now differs from the one confirmed."""


class PlanHasProblems(Exception):
    """A plan with problems is never applied, not even in part."""


def plan_import(data: bytes, *, filename: str, max_bytes: int = MAX_BYTES,
                max_rows: int = MAX_ROWS) -> Plan:
    """What importing this file would do, row by row; nothing is written."""
    plan = Plan(filename=filename[:200], file_sha256=hashlib.sha256(data).hexdigest())
    try:
        found = read_table(data, max_bytes=max_bytes, max_rows=max_rows)
    except FileError as error:
        plan.file_problems.append(str(error))
        return plan
    plan.kind = kind_of(found.header)
    if plan.kind is None:
        plan.file_problems.append(
            "The header names no kind of row: a file of accounts has an account_id column, of "
            "contacts contact_id, of projects project_id, of milestones milestone_id "
            "(see the templates).")
        return plan
    _check_header(plan, plan.kind, found.header)
    if not found.rows:
        plan.file_problems.append("The file has a header but no rows to import.")
    if not plan.file_problems:
        columns = [plan.kind.column(name) for name in found.header]
        rows = [_read_row(plan.kind, columns, number, cells) for number, cells in found.rows]
        # A row's cells are fixed first: the kind's rules look only at rows that read well.
        PLANNERS[plan.kind.name]([(row, values) for row, values in rows if not row.problems])
        plan.rows = [row for row, _ in rows]
    return plan


def _check_header(plan: Plan, kind: Kind, header: list[str]) -> None:
    """Every required column present, none twice; columns of no layout are noted, unused."""
    missing = [name for name in kind.required if name not in header]
    if missing:
        plan.file_problems.append(
            f"A file of {kind.label} needs the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (the template has every column).")
    twice = sorted({name for name in header if name and header.count(name) > 1})
    if twice:
        plan.file_problems.append(f"These columns appear more than once: {', '.join(twice)}.")
    plan.ignored_columns = [name for name in header if name and kind.column(name) is None]


def _read_row(kind: Kind, columns: list[Column | None], number: int,
              cells: list[str]) -> tuple[RowPlan, dict]:
    """One row's cells read by their columns (None: not in the layout): values, and each
    cell's problem on the row."""
    values, plan = {}, RowPlan(row=number, external_id="")
    for index, spec in enumerate(columns):
        if spec is None:
            continue
        name = spec.name
        cell = cells[index].strip() if index < len(cells) else ""
        if not cell:
            if spec.required:
                plan.refuse(name, "is required")
            continue
        try:
            values[name] = spec.read(cell)
        except CellError as error:
            plan.refuse(name, str(error))
    plan.external_id = values.get(kind.id_column, "")
    plan.label = values.get("name") or values.get("title") or ""
    return plan, values


def lock_for_import() -> None:
    """One import at a time, of any kind, until commit: a plan made after this stays true."""
    lock_table(MODELS["accounts"])


def confirm_import(data: bytes, *, filename: str, digest: str, by: User | None) -> Plan:
    """Plan the file again under the lock and apply it if it is the plan the admin saw;
    PlanChanged (with the new plan) when the data changed since."""
    lock_for_import()
    plan = plan_import(data, filename=filename)
    if plan.digest() != digest:
        raise PlanChanged(plan)
    apply_import(plan, by=by)
    return plan


def apply_import(plan: Plan, *, by: User | None) -> dict[str, int]:
    """Write the plan: new rows in bulk, changed rows through the session, one audit event;
    the caller commits (or rolls back: then nothing at all was written)."""
    if not plan.ok:
        raise PlanHasProblems(plan)
    model = MODELS[plan.kind.name]
    created = [row.values for row in plan.rows if row.action == CREATE]
    if created:
        db.session.execute(insert(model), created)
    for row in plan.rows:
        if row.action == UPDATE:
            _change(row, by=by, filename=plan.filename)
    db.session.flush()
    if model is Milestone and created:
        # Bulk inserts bypass the change tracker: clients' pages of these projects refresh.
        projects = {values["project_id"] for values in created}
        db.session.execute(update(PROJECTS).where(PROJECTS.c.id.in_(projects))
                           .values(version=PROJECTS.c.version + 1))
    audit.record("import.applied", actor=by, summary=plan.summary())
    db.session.flush()
    return plan.counts


def _change(row: RowPlan, *, by: User | None, filename: str) -> None:
    """Write one existing row's changed fields; a moved ETA is kept in the ETA history."""
    target = row.target
    if "eta" in row.values and target.eta is not None and row.values["eta"] is not None:
        project = target if isinstance(target, Project) else target.project
        db.session.add(EtaChange(
            project=project, milestone=None if target is project else target,
            old_eta=target.eta, new_eta=row.values["eta"], changed_by=by,
            reason=f"Imported from {filename}"[:200]))
    for attr, value in row.values.items():
        setattr(target, attr, value)


def plan_lines(plan: Plan) -> list[str]:
    """The plan as lines of text (the CLI's preview): what each row would do, then problems."""
    lines = [*plan.file_problems]
    if plan.ignored_columns:
        lines.append(f"Columns not in the layout, ignored: {', '.join(plan.ignored_columns)}")
    for row in plan.rows:
        if row.action in (CREATE, UPDATE):
            lines.append(f"row {row.row}: {row.action} {row.external_id} {row.label}".rstrip())
            lines += [f"    {c.column}: {c.old!r} -> {c.new!r}" for c in row.changes]
            lines += [f"    note: {note}" for note in row.notes]
    lines += [str(problem) for problem in plan.problems]
    counts = plan.counts
    lines.append(f"{counts[CREATE]} to create, {counts[UPDATE]} to change, "
                 f"{counts[UNCHANGED]} unchanged, {counts[ERROR]} with errors.")
    return lines
