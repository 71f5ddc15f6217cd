"""The operations CLI."""

from __future__ import annotations

from sqlalchemy import func, select

from registry.models import Institution, User


def test_load_register_loads_185_colleges_idempotently(runner, session):
    first = runner.invoke(args=["registry", "load-register"])
    second = runner.invoke(args=["registry", "load-register"])
    assert "185 created" in first.output
    assert "185 unchanged" in second.output
    assert session.scalar(select(func.count()).select_from(Institution)) == 185


def test_load_register_reports_bad_csv_rows(runner, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("code,name,type,sector,province,university\nX,Y,clinic,public,KP,KMU\n")
    result = runner.invoke(args=["registry", "load-register", "--csv", str(path)])
    assert result.exit_code != 0
    assert "line 2" in str(result.exception)


def test_create_user_hashes_the_password(runner, session):
    runner.invoke(args=["registry", "load-register"])
    result = runner.invoke(args=[
        "registry", "create-user", "--email", "Officer@College.pk", "--name", "Officer",
        "--role", "college", "--institution", "KP-MED-PUB-001",
        "--password", "long enough password",
    ])
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "officer@college.pk"))
    assert user.password_hash.startswith("$argon2id$")
    assert user.institution.code == "KP-MED-PUB-001"


def test_seed_demo_prints_the_logins(runner):
    result = runner.invoke(args=["registry", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "analyst@pmdc.demo" in result.output


def test_create_token_refuses_a_lifetime_it_does_not_offer(runner):
    runner.invoke(args=["registry", "load-register"])
    runner.invoke(args=[
        "registry", "create-user", "--email", "officer@college.pk", "--name", "Officer",
        "--role", "college", "--institution", "KP-MED-PUB-001",
        "--password", "long enough password",
    ])
    result = runner.invoke(args=["registry", "create-token", "--email", "officer@college.pk",
                                 "--name", "toolkit", "--days", "3650"])
    assert result.exit_code != 0
    assert "A token lives 30, 90, 180, 365 days." in result.output
