"""`countermark users ...` against a real database."""

from typer.testing import CliRunner

from countermark.accounts.service import user_for_token
from countermark.cli import app
from countermark.storage.engine import make_engine, transaction


def run(db_url: str, tmp_path, *args: str, input: str | None = None):  # noqa: A002, ANN001
    env = {"COUNTERMARK_DATABASE_URL": db_url, "COUNTERMARK_DATA_DIR": str(tmp_path)}
    return CliRunner().invoke(app, list(args), env=env, input=input)


def test_users_add_list_token_and_demo_accounts(db_url, tmp_path):
    r = run(db_url, tmp_path, "users", "add", "alice", "--role", "reviewer", input="long-password\nlong-password\n")
    assert r.exit_code == 0, r.output
    assert run(db_url, tmp_path, "users", "add", "bob", "--role", "root",
               input="long-password\nlong-password\n").exit_code == 2
    assert run(db_url, tmp_path, "users", "add", "carol", "--role", "rights_holder", "--brand", "nope",
               input="long-password\nlong-password\n").exit_code == 2
    token = run(db_url, tmp_path, "users", "token", "alice").stdout.strip().splitlines()[-1]
    engine = make_engine(db_url)
    with transaction(engine) as s:
        assert user_for_token(s, token).username == "alice"
    engine.dispose()
    demo = run(db_url, tmp_path, "users", "demo-accounts")
    assert demo.exit_code == 0 and "demo-seller" in demo.stdout and "countermark-demo" in demo.stdout
    listing = run(db_url, tmp_path, "users", "list").stdout
    assert "alice" in listing and "demo-investigator" in listing
    assert run(db_url, tmp_path, "users", "token", "nobody").exit_code == 2
    assert run(db_url, tmp_path, "users", "revoke-tokens", "alice").exit_code == 0
    engine = make_engine(db_url)
    with transaction(engine) as s:
        assert user_for_token(s, token) is None
    engine.dispose()
