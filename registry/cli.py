"""Operations a deployer needs: migrate, load the register, create users, seed the demo."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from registry.doctor import CHECKS
from registry.services.actors import Actor

CLI_ACTOR = Actor.system("cli")


@click.group("registry")
def registry_cli() -> None:
    """Mentoring Registry operations."""


@registry_cli.command("migrate")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def migrate_command(revision: str) -> None:
    """Upgrade the database schema to REVISION."""
    from registry.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@registry_cli.command("load-register")
@click.option("--csv", "csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A real register as CSV; without it the synthetic demo register is loaded.")
@with_appcontext
def load_register_command(csv_path: Path | None) -> None:
    """Load the register of colleges (idempotent)."""
    from registry.services import register

    rows = (
        register.parse_register_csv(csv_path.read_text(encoding="utf-8-sig"))
        if csv_path else register.synthetic_register()
    )
    with _session() as session:
        summary = register.load_register(session, rows, CLI_ACTOR)
        session.commit()
    click.echo(f"register: {summary.created} created, {summary.updated} updated, "
               f"{summary.unchanged} unchanged")


@registry_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["college", "university", "regulator",
                                                          "admin"]))
@click.option("--institution", help="Institution code, for college users.")
@click.option("--university", help="University code, for university users.")
@click.password_option(envvar="REGISTRY_NEW_USER_PASSWORD")
@with_appcontext
def create_user_command(email, name, role, institution, university, password) -> None:
    """Create a user account."""
    from registry.services.accounts import create_user

    with _session() as session:
        user = create_user(session, CLI_ACTOR, email=email, name=name, password=password,
                           role=role, institution_code=institution, university_code=university)
        session.commit()
        click.echo(f"created user {user.email} ({user.role})")


@registry_cli.command("create-token")
@click.option("--email", required=True, help="The user the token acts for.")
@click.option("--name", required=True, help="What the token is for, e.g. 'toolkit'.")
@with_appcontext
def create_token_command(email: str, name: str) -> None:
    """Create an API token and print its secret once."""
    from sqlalchemy import select

    from registry.models import User
    from registry.services.tokens import create_token

    with _session() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"No user {email}.")
        issued = create_token(session, CLI_ACTOR, user, name)
        session.commit()
        click.echo(issued.secret)


@registry_cli.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the register and realistic demo data, and print the demo logins."""
    from registry.services.demo import seed_demo

    if current_app.config["ENV"] == "production":
        raise click.ClickException("seed-demo refuses to run in production.")
    with _session() as session:
        logins = seed_demo(session, CLI_ACTOR)
        session.commit()
    users = ", ".join(f"{login.email} ({login.role})" for login in logins.users)
    click.echo(f"demo returns submitted: {logins.returns_created}; logins, password "
               f"{logins.password}: {users}")


def _session():
    return current_app.extensions["registry.sessionmaker"]()


def _create_app():
    from registry import create_app

    return create_app()


def main() -> None:
    """Console script `registry`: the Flask CLI with the registry commands at top level."""
    cli = FlaskGroup(create_app=_create_app, help="Mentoring Registry")
    for command in registry_cli.commands.values():
        cli.add_command(command)
    cli.main()


@registry_cli.command("run-pipelines")
@click.option("--period", help="Check this period only (default: every period with pending "
                               "returns).")
@click.option("--recheck", is_flag=True, help="Re-check returns that were already checked.")
@with_appcontext
def run_pipelines_command(period: str | None, recheck: bool) -> None:
    """Run the quality DAG in-process through Airflow's dag.test() (no scheduler needed)."""
    from registry.services.errors import NotFound
    from registry.services.periods import get_period
    from registry.services.quality_board import status_counts

    if period:
        with _session() as session:
            try:
                get_period(session, period)
            except NotFound as exc:
                raise click.ClickException(exc.message) from exc
    conf = {key: value for key, value in (("period", period), ("recheck", recheck)) if value}
    _run_embedded("registry_quality", conf,
                  {"DATABASE_URL": current_app.config["DATABASE_URL"]})
    with _session() as session:
        for code, counts in status_counts(session, period).items():
            click.echo(f"  {code}: " + ", ".join(f"{n} {status}" for status, n in counts.items()))


def _run_embedded(dag_id: str, conf: dict, env: dict) -> None:
    """Run a DAG in-process and say how it ended; Airflow's own output goes to a log file."""
    from pipelines import embedded

    home = Path(current_app.instance_path) / "airflow"
    embedded.configure_airflow(home)
    log = home / "pipelines.log"
    with embedded.output_to(log):
        embedded.ensure_metadata_database()
        state = embedded.run_dag(dag_id, conf, env)
    click.echo(f"{dag_id}: {state} (Airflow's log: {log})")
    if state != "success":
        raise click.ClickException(f"The {dag_id} run did not succeed; see {log}.")


@registry_cli.command("build-release")
@click.option("--period", required=True, help="The period to build the next release of.")
@click.option("--kind", type=click.Choice(["provisional", "final"]),
              help="Default: provisional first, final once the revision window has passed.")
@click.option("--publish", is_flag=True, help="Publish the release once built.")
@with_appcontext
def build_release_command(period: str, kind: str | None, publish: bool) -> None:
    """Build a benchmark release by running the registry_benchmarks DAG in-process."""
    from registry.services.errors import NotFound
    from registry.services.periods import get_period

    with _session() as session:
        try:
            get_period(session, period)
        except NotFound as exc:
            raise click.ClickException(exc.message) from exc
    conf = {"period": period, "publish": publish, **({"kind": kind} if kind else {})}
    env = {"DATABASE_URL": current_app.config["DATABASE_URL"],
           **{name: str(current_app.config[name]) for name in (
               "RELEASE_ACCEPTANCE_LEVEL", "SUPPRESSION_MIN_INSTITUTIONS",
               "MIN_PEOPLE_FOR_RATE", "REVISION_WINDOW_DAYS")}}
    _run_embedded("registry_benchmarks", conf, env)
    _echo_latest_release(period)


def _echo_latest_release(period: str) -> None:
    from sqlalchemy import select

    from registry.models import Period, Release
    from registry.services.feedback_report import stored_report_count

    with _session() as session:
        release = session.scalar(select(Release).join(Period).where(Period.code == period)
                                 .order_by(Release.number.desc()).limit(1))
        click.echo(f"release {release.number}: {release.kind} {period}, "
                   f"{'published' if release.publication else 'not published'}, "
                   f"sha256 {release.checksum_sha256}, "
                   f"{stored_report_count(session, release)} feedback reports")


@registry_cli.command("demo-review")
@with_appcontext
def demo_review_command() -> None:
    """Review the demo's closed periods as the universities and the regulator would."""
    from registry.services.demo_returns import review_demo_history

    if current_app.config["ENV"] == "production":
        raise click.ClickException("demo-review refuses to run in production.")
    with _session() as session:
        counts = review_demo_history(session)
        session.commit()
    click.echo("demo reviews: " + ", ".join(f"{n} {d}" for d, n in counts.items()))


@registry_cli.command("send-reminders")
@click.option("--now", "moment", help="Replay the reminders of this ISO moment.")
@with_appcontext
def send_reminders_command(moment: str | None) -> None:
    """Run the reminders DAG in-process through Airflow's dag.test()."""
    from datetime import UTC, datetime

    moment = moment or datetime.now(UTC).isoformat()
    _run_embedded("registry_reminders", {"now": moment},
                  {"DATABASE_URL": current_app.config["DATABASE_URL"]})


@registry_cli.command("doctor")
@click.option("--skip", multiple=True, type=click.Choice(list(CHECKS)),
              help="Leave out a check (repeatable); the image's start skips airflow and smtp.")
@with_appcontext
def doctor_command(skip: tuple[str, ...]) -> None:
    """Check this environment can do each job; one line per check, exit 1 on a failure."""
    from registry.doctor import Environment, run_checks, summary
    from registry.services.mailer import SmtpSettings

    results = run_checks(Environment(current_app.config, SmtpSettings.from_env()), skip)
    for result in results:
        click.echo(result.line())
    click.echo(summary(results))
    if any(result.status == "FAIL" for result in results):
        raise click.exceptions.Exit(1)


if __name__ == "__main__":
    main()
