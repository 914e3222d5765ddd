"""The CLI: thin click wrappers over services, registered in create_app()."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal import backup, demo
from portal.accounts.services import find_organization_by_name
from portal.auth import services as auth_services
from portal.auth.models import Role
from portal.extensions import db
from portal.health import services as health_services


@click.command("demo")
@click.option("--password", default=demo.DEFAULT_PASSWORD, show_default=True,
              help="Password for every demo account (at least 12 characters).")
@with_appcontext
def demo_command(password: str) -> None:
    """Load the demo firm, its clients and months of history; running it again adds nothing."""
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
    done = health_services.backfill(weeks)
    db.session.commit()
    first, last = (health_services.week_label(w) for w in (done[0], done[-1]))
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


ALL = [demo_command, create_user_command, health_backfill_command, backup_command,
       restore_command]
