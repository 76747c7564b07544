"""The `casework` command as an administrator uses it: in-process (call_command)
and through the real entry point (`python -m casework`, a subprocess)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from casework.cases.demo import DEMO_PASSWORD, logins
from casework.cases.models import Case, TimelineEvent
from casework.cases.selectors import SEARCH_KIND
from casework.core.models import SearchDocument
from casework.core.search import filter_matching
from casework.iam.models import Team, User
from tests.integration.test_config import casework


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- in-process ----------------------------------------------------------------


@pytest.mark.django_db
def test_createuser_with_role_and_teams() -> None:
    Team.objects.create(name="Billing")
    out, _ = run(
        "createuser", "Bea@Staff.example", "--role", "lead", "--team", "Billing", "--team", "Returns"
    )
    user = User.objects.get(email="bea@staff.example")
    assert user.role == "lead" and not user.has_usable_password()
    assert sorted(user.teams.values_list("name", flat=True)) == ["Billing", "Returns"]  # Returns was new
    assert "created lead bea@staff.example" in out
    run("createuser", "cy@staff.example", "--password", "a long enough secret 42")
    cy = User.objects.get(email="cy@staff.example")
    assert cy.role == "agent" and cy.check_password("a long enough secret 42")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["not-an-address"], "email"),
        (["x@staff.example", "--role", "wizard"], "--role"),
        (["x@staff.example", "--password", "short"], "password"),
        (["x@staff.example", "--team", "  "], "name"),
    ],
)
def test_createuser_refuses_bad_input_naming_the_argument(args: list[str], named: str) -> None:
    with pytest.raises(CommandError, match=named):
        run("createuser", *args)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_createuser_refuses_a_second_user_with_the_same_email() -> None:
    run("createuser", "dup@staff.example")
    with pytest.raises(CommandError, match=r"email: a user with email dup@staff\.example already exists"):
        run("createuser", "DUP@staff.example")


@pytest.mark.django_db
def test_token_create_prints_the_token_alone_on_the_last_line_and_it_works(agent) -> None:
    out, err = run("token_create", "--user", agent.email, "--name", "zapier")
    token = out.strip().splitlines()[-1]
    assert token.startswith("cwk_") and " " not in token
    assert "shown only now" in err
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/me").json()["email"] == agent.email
    assert Client(HTTP_AUTHORIZATION="Bearer cwk_wrong").get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_token_create_for_an_unknown_user_names_the_argument() -> None:
    with pytest.raises(CommandError, match=r"--user: no user with email ghost@staff\.example"):
        run("token_create", "--user", "ghost@staff.example", "--name", "x")


@pytest.mark.django_db
def test_seed_cases_makes_searchable_cases_with_timelines() -> None:
    out, _ = run("seed", "--cases", "25")
    assert "25 cases in" in out
    assert Case.objects.count() == 25
    numbers = sorted(int(n.split("-")[1]) for n in Case.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 25))
    assert TimelineEvent.objects.filter(kind="created").count() == 25
    assert SearchDocument.objects.filter(kind=SEARCH_KIND).count() == 25
    word = Case.objects.order_by("id").first().title.split()[0]  # type: ignore[union-attr]
    found = filter_matching(Case.objects.all(), SEARCH_KIND, word)
    assert found.exists() and all(word.lower() in (c.title + c.description).lower() for c in found)
    run("seed", "--cases", "5")  # a second load continues the numbering
    assert Case.objects.count() == 30 and Case.objects.values("number").distinct().count() == 30


@pytest.mark.django_db
def test_seed_without_a_choice_or_with_a_negative_count_is_refused() -> None:
    with pytest.raises(CommandError, match="--demo or --cases"):
        run("seed")
    with pytest.raises(CommandError, match="--cases"):
        run("seed", "--cases", "-3")


@pytest.mark.django_db
def test_seed_demo_loads_cases_in_every_status_and_prints_the_logins() -> None:
    out, _ = run("seed", "--demo")
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == {"new", "open", "pending", "on_hold", "resolved", "closed", "cancelled"}
    assert Case.objects.count() >= 150
    assert DEMO_PASSWORD in out
    for _role, email, _ in logins():
        assert email in out
    assert {role for role, _, _ in logins()} >= {"admin", "agent", "customer"}
    again, _ = run("seed", "--demo", "--if-empty")  # `serve --demo` on a second start: nothing doubles
    assert Case.objects.count() == len(set(Case.objects.values_list("number", flat=True)))
    assert DEMO_PASSWORD in again


@pytest.mark.django_db
def test_check_passes() -> None:
    out, _ = run("check")
    assert "no issues" in out


# --- the real entry point --------------------------------------------------------


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated production-mode installation on a SQLite file in a temporary data folder."""
    data = tmp_path_factory.mktemp("installation") / "data"
    key = "k3y-" + "x" * 60
    migrated = casework(data, "migrate", "-v", "0", CASEWORK_SECRET_KEY=key)
    assert migrated.returncode == 0, migrated.stderr
    return {"data": str(data), "key": key}


def cli(installation: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return casework(Path(installation["data"]), *args, CASEWORK_SECRET_KEY=installation["key"])


def test_entry_point_createuser_and_token_create(installation: dict[str, str]) -> None:
    made = cli(installation, "createuser", "ops@staff.example", "--role", "admin", "--team", "Support")
    assert made.returncode == 0, made.stderr
    assert "created admin ops@staff.example" in made.stdout
    bad = cli(installation, "createuser", "x@staff.example", "--role", "wizard")
    assert bad.returncode != 0 and "--role" in bad.stderr and "wizard" in bad.stderr
    token = cli(installation, "token", "create", "--user", "ops@staff.example", "--name", "ci")
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().splitlines()[-1].startswith("cwk_")
    unknown = cli(installation, "token", "create", "--user", "nobody@staff.example", "--name", "ci")
    assert unknown.returncode != 0 and "--user" in unknown.stderr


def test_entry_point_check_and_help(installation: dict[str, str]) -> None:
    checked = cli(installation, "check")
    assert checked.returncode == 0 and "no issues" in checked.stdout
    helped = cli(installation, "help")
    for command in ("serve", "migrate", "seed", "createuser", "token_create", "worker", "scheduler"):
        assert command in helped.stdout


@pytest.mark.django_db
def test_token_list_and_revoke(agent) -> None:
    key = run("token_create", "--user", agent.email, "--name", "zapier")[0].strip().splitlines()[-1]
    run("token_create", "--user", agent.email, "--name", "backup", "--read-only")
    out, _ = run("token_list", "--user", agent.email)
    lines = out.strip().splitlines()
    assert [line.split("\t")[1] for line in lines] == ["backup", "zapier"]
    assert "cwk_" in out and key not in out and "read\tlast used never" in lines[0]
    out, _ = run("token_revoke", "--user", agent.email, "--name", "zapier")
    assert "revoked 1 token(s) named 'zapier'" in out
    assert Client(HTTP_AUTHORIZATION=f"Bearer {key}").get("/api/v1/me").status_code == 401
    assert [line.split("\t")[1] for line in run("token_list", "--user", agent.email)[0].splitlines()] == [
        "backup"
    ]
    with pytest.raises(CommandError, match=r"--name: agent@staff\.example has no token named 'zapier'"):
        run("token_revoke", "--user", agent.email, "--name", "zapier")


@pytest.mark.django_db
def test_token_create_with_a_name_too_long_names_the_argument(agent) -> None:
    with pytest.raises(CommandError, match=r"--name: a token's name has at most 100 characters"):
        run("token_create", "--user", agent.email, "--name", "x" * 101)
