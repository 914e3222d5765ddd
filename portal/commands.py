"""The CLI: thin click wrappers over services, registered in create_app()."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal import backup
from portal.accounts.services import find_organization_by_name
from portal.auth import services as auth_services
from portal.auth.models import Role
from portal.extensions import db
from portal.health.snapshots import backfill
from portal.health.weeks import week_label
from portal.imports import services as imports


def _demo_password() -> str:
    from portal.devdata import demo

    return demo.DEFAULT_PASSWORD


# Demo and benchmark data (portal.devdata) are imported inside their commands: the product
# never loads them, tests/layout/test_import_rules.py keeps it so.
@click.command("demo")
@click.option("--password", default=_demo_password, show_default="printed after loading",
              help="Password for every demo account (at least 12 characters).")
@with_appcontext
def demo_command(password: str) -> None:
    """Load the demo firm, its clients and months of history; running it again adds nothing."""
    from portal.devdata import demo

    try:
        created = demo.load_demo(password=password)
    except auth_services.UserError as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo("Demo data " + ("loaded." if created else "already present; nothing added."))
    shown = password if created else "the one given when the demo was first loaded"
    click.echo(f"Sign in with any of these accounts (password: {shown}):")
    for email, role in demo.LOGINS:
        click.echo(f"  {email:<24} {role}")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--org", "org_name", help="The client organisation's name (clients only).")
@click.option("--name", help="Full name; defaults to the part of the email before the @.")
@click.password_option(help="Password (at least 12 characters); asked for when not given.")
@with_appcontext
def create_user_command(
    email: str, role: str, org_name: str | None, name: str | None, password: str
) -> None:
    """Create a client, staff or admin user."""
    organization = find_organization_by_name(org_name) if org_name else None
    if org_name and organization is None:
        raise click.UsageError(f"There is no organisation called {org_name!r}.")
    try:
        user = auth_services.create_user(
            email=email, name=name or email.split("@")[0], role=Role(role),
            organization=organization, password=password,
        )
    except auth_services.UserError as error:
        raise click.UsageError(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}.")


@click.command("health-backfill")
@click.option("--weeks", type=click.IntRange(1, 520), default=12, show_default=True,
              help="How many weeks, up to and including this one, to recompute.")
@with_appcontext
def health_backfill_command(weeks: int) -> None:
    """Recompute every account's weekly health snapshots from the data; safe to run again."""
    done = backfill(weeks)
    db.session.commit()
    first, last = (week_label(w) for w in (done[0], done[-1]))
    click.echo(f"Recomputed {len(done)} weeks of health snapshots ({first} to {last}).")


@click.command("backup")
@click.argument("destination", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(destination: Path) -> None:
    """Copy the SQLite database to DESTINATION while the portal runs (PostgreSQL: pg_dump)."""
    try:
        written = backup.backup_sqlite(destination)
    except backup.BackupError as error:
        raise click.UsageError(str(error)) from error
    click.echo(f"Backed up to {written}.")


@click.command("restore")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the live data without asking.")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace the SQLite database's contents with SOURCE, once it is checked."""
    try:
        backup.check_backup_file(source, revision=backup.schema_head())
        if not yes:
            click.confirm("Replace every row of the live database with this backup?", abort=True)
        live = backup.restore_sqlite(source)
    except backup.BackupError as error:
        raise click.UsageError(str(error)) from error
    click.echo(f"Restored {source} into {live}.")


@click.command("bench-data")
@click.option("--accounts", default=1000, show_default=True, type=click.IntRange(1))
@click.option("--projects-per-account", default=10, show_default=True, type=click.IntRange(1))
@click.option("--updates-per-project", default=20, show_default=True, type=click.IntRange(0))
@click.option("--answers", default=1_000_000, show_default=True, type=click.IntRange(0),
              help="Pulse answers in all, spread over two years.")
@click.option("--long-history", default=200, show_default=True, type=click.IntRange(0),
              help="Updates on the first account's first project (the project-page benchmark).")
@click.option("--seed", default=2026, show_default=True)
@with_appcontext
def bench_data_command(accounts: int, projects_per_account: int, updates_per_project: int,
                       answers: int, long_history: int, seed: int) -> None:
    """Fill the database with a large, realistic data set for benchmarks (bulk inserts)."""
    import time

    from werkzeug.security import generate_password_hash

    from portal.devdata import bench_data

    spec = bench_data.Spec(accounts, projects_per_account, updates_per_project, answers,
                           long_history=long_history, seed=seed)
    started = time.perf_counter()
    try:
        written = bench_data.generate(
            spec, password_hash=generate_password_hash(bench_data.BENCH_PASSWORD),
            progress=lambda line: click.echo(f"  {line} ({time.perf_counter() - started:.0f} s)"))
    except bench_data.BenchDataExists as error:
        raise click.UsageError(str(error)) from error
    seconds = time.perf_counter() - started
    for table, rows in written.items():
        click.echo(f"{table:<16} {rows:>10,} rows")
    click.echo(f"Done in {seconds:.1f} s ({sum(written.values()) / seconds:,.0f} rows/s). "
               f"Clients sign in as client1@a00001.bench.example, password "
               f"{bench_data.BENCH_PASSWORD}.")


@click.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--by", "by_email", help="The admin to name in the audit log.")
@with_appcontext
def import_command(file, dry_run: bool, by_email: str | None) -> None:
    """Import accounts, contacts, projects or milestones from a CSV file (docs/import.md)."""
    by = auth_services.find_user_by_email(by_email) if by_email else None
    if by_email and (by is None or not by.is_admin):
        raise click.UsageError(f"{by_email} is not an admin.")
    data = file.read(imports.MAX_BYTES + 1)
    plan = imports.plan_import(data, filename=Path(file.name).name)
    for line in imports.plan_lines(plan):
        click.echo(line)
    if not plan.ok:
        raise click.ClickException("Nothing was imported: fix the problems above and run "
                                   "the import again.")
    if dry_run or not plan.has_work:
        click.echo(f"{'Dry run' if dry_run else 'Nothing to change'}, nothing written: "
                   f"{plan.summary()}.")
        return
    try:
        imports.confirm_import(data, filename=plan.filename, digest=plan.digest(), by=by)
    except imports.PlanChanged as error:
        raise click.ClickException("The data changed while the import was planned: nothing "
                                   "was imported; run it again.") from error
    db.session.commit()
    click.echo(f"Imported {plan.summary()}.")


ALL = [demo_command, create_user_command, health_backfill_command, backup_command,
       restore_command, bench_data_command, import_command]
