"""Operations a deployer needs: migrate, load the register, create users, seed the demo."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from registry.doctor import CHECKS
from registry.services.accounts.actors import Actor

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
    from registry.services.register import register

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
    from registry.services.accounts.accounts import create_user

    with _session() as session:
        user = create_user(session, CLI_ACTOR, email=email, name=name, password=password,
                           role=role, institution_code=institution, university_code=university)
        session.commit()
        click.echo(f"created user {user.email} ({user.role})")


@registry_cli.command("create-token")
@click.option("--email", required=True, help="The user the token acts for.")
@click.option("--name", required=True, help="What the token is for, e.g. 'toolkit'.")
@click.option("--days", default=365, show_default=True, type=int,
              help="Days until the token stops working: 30, 90, 180 or 365.")
@with_appcontext
def create_token_command(email: str, name: str, days: int) -> None:
    """Create an API token and print its secret once."""
    from sqlalchemy import select

    from registry.models import User
    from registry.services.accounts.tokens import create_token
    from registry.services.errors import ValidationFailed

    with _session() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"No user {email}.")
        try:
            issued = create_token(session, CLI_ACTOR, user, name, days)
        except ValidationFailed as exc:
            raise click.ClickException(exc.message) from exc
        session.commit()
        click.echo(issued.secret)


@registry_cli.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the register and realistic demo data, and print the demo logins."""
    from registry.demo.seed import seed_demo

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
    from registry.services.quality.quality_board import status_counts
    from registry.services.register.periods import get_period

    if period:
        with _session() as session:
            try:
                get_period(session, period)
            except NotFound as exc:
                raise click.ClickException(exc.message) from exc
    conf = {key: value for key, value in (("period", period), ("recheck", recheck)) if value}
    ran = _run_embedded("registry_quality", [conf],
                        {"DATABASE_URL": current_app.config["DATABASE_URL"]})
    with _session() as session:
        statuses = "; ".join(f"{code}: " + ", ".join(f"{n} {status}" for status, n in
                                                     counts.items())
                             for code, counts in status_counts(session, period).items())
    click.echo(f"{ran}: {statuses}")


def _run_embedded(dag_id: str, confs: list[dict], env: dict) -> str:
    """Run a DAG in-process once per conf; Airflow's own output goes to a log file. Returns
    how the runs ended and where the log is, for the command's one line of output.

    The runs share one redirection: Airflow's loggers keep the stream they first wrote to.
    """
    from pipelines import embedded

    home = Path(current_app.instance_path) / "airflow"
    embedded.configure_airflow(home)
    log = home / "pipelines.log"
    with embedded.output_to(log):
        embedded.ensure_metadata_database()
        for conf in confs:
            state = embedded.run_dag(dag_id, conf, env)
            if state != "success":
                break
    if state != "success":
        raise click.ClickException(f"The {dag_id} run did not succeed; see {log}.")
    return f"{dag_id}: {state} (Airflow's log: {log})"


@registry_cli.command("build-release")
@click.option("--period", "periods", required=True, multiple=True,
              help="The period to build the next release of (repeat for several).")
@click.option("--kind", type=click.Choice(["provisional", "final"]),
              help="Default: provisional first, final once the revision window has passed.")
@click.option("--publish", is_flag=True, help="Publish the release once built.")
@click.option("--reports-for", "report_colleges", multiple=True, metavar="CODE",
              help="Pre-render the Data Feedback Reports of these colleges only (default: "
                   "every college; the others are rendered when downloaded).")
@with_appcontext
def build_release_command(periods: tuple[str, ...], kind: str | None, publish: bool,
                          report_colleges: tuple[str, ...]) -> None:
    """Build benchmark releases by running the registry_benchmarks DAG in-process, once per
    period; one line of output names each release."""
    from registry.services.errors import NotFound
    from registry.services.register.institutions import get_institution
    from registry.services.register.periods import get_period

    with _session() as session:
        try:
            for period in periods:
                get_period(session, period)
            for code in report_colleges:
                get_institution(session, code)
        except NotFound as exc:
            raise click.ClickException(exc.message) from exc
    env = {"DATABASE_URL": current_app.config["DATABASE_URL"],
           "LANGUAGES": ",".join(current_app.config["LANGUAGES"]),
           **current_app.config["RELEASE_SETTINGS"].as_environment()}
    confs = [{"period": period, "publish": publish, **({"kind": kind} if kind else {}),
              **({"report_colleges": list(report_colleges)} if report_colleges else {})}
             for period in periods]
    ran = _run_embedded("registry_benchmarks", confs, env)
    click.echo("; ".join(_latest_release(period) for period in periods) + f"; {ran}")


def _latest_release(period: str) -> str:
    from sqlalchemy import select

    from registry.models import Period, Release
    from registry.services.releases.feedback_report import stored_report_count

    with _session() as session:
        release = session.scalar(select(Release).join(Period).where(Period.code == period)
                                 .order_by(Release.number.desc()).limit(1))
        return (f"release {release.number}: {release.kind} {period}, "
                f"{'published' if release.publication else 'not published'}, "
                f"sha256 {release.checksum_sha256[:12]}, "
                f"{stored_report_count(session, release)} feedback reports")


@registry_cli.command("audit-disclosure")
@click.option("--period", "periods", required=True, multiple=True,
              help="The period whose releases to audit together (repeat for several).")
@click.option("--one-indicator-at-a-time", "separately", is_flag=True,
              help="Attack each indicator alone, not with those sharing its figures.")
@with_appcontext
def audit_disclosure_command(periods: tuple[str, ...], separately: bool) -> None:
    """Attack every release of each period with linear programming over all the period
    publishes; print a table with one row per release."""
    from registry.indicators.disclosure_audit import table
    from registry.services.errors import NotFound
    from registry.services.register.periods import get_period
    from registry.services.releases.releases import disclosure_audit

    rows = []
    with _session() as session:
        for code in periods:
            try:
                period = get_period(session, code)
            except NotFound as exc:
                raise click.ClickException(exc.message) from exc
            rows.extend(disclosure_audit(session, CLI_ACTOR, period, joint=not separately))
    click.echo(table(rows))
    if any(row["unprotected"] for row in rows):
        raise click.ClickException("Some sensitive figures miss their protection interval.")


@registry_cli.command("demo-review")
@with_appcontext
def demo_review_command() -> None:
    """Review the demo's closed periods as the universities and the regulator would."""
    from registry.demo.history import review_demo_history

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
    click.echo(_run_embedded("registry_reminders", [{"now": moment}],
                             {"DATABASE_URL": current_app.config["DATABASE_URL"]}))


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
