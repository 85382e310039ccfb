"""Commands of countermark.web: `serve` and user administration (`users add|list|token|demo-accounts`)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from countermark.cli.app import EXIT_UNREADABLE, app
from countermark.cli.common import console, database, fail, settings

users_app = typer.Typer(help="Web accounts: users, roles, scopes and API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")

EXIT_BAD_INPUT = 2
DEMO_PASSWORD = "countermark-demo"


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port"),
) -> None:
    """Serve the web UI and the JSON API (/api/v1, OpenAPI at /openapi.json)."""
    import uvicorn

    from countermark.enforcement.policy import PolicyError
    from countermark.web.app import create_app

    config = settings()
    _log_to_stderr()
    with database() as engine:
        try:
            web = create_app(config, engine=engine)  # loads the enforcement policy: a broken file stops here
        except PolicyError as e:
            raise fail(f"enforcement policy: {e}", EXIT_UNREADABLE) from e
        console.print(f"countermark on http://{host}:{port}  (API docs: http://{host}:{port}/api/docs)")
        if config.housekeeping_interval_minutes:
            console.print(f"housekeeping: the daily enforcement job runs now and every "
                          f"{config.housekeeping_interval_minutes} min (COUNTERMARK_HOUSEKEEPING_INTERVAL_MINUTES)",
                          highlight=False, soft_wrap=True)
        uvicorn.run(web, host=host, port=port, log_level="warning")


def _log_to_stderr() -> None:
    """countermark's own log lines (housekeeping, webhooks) on stderr: uvicorn configures only its loggers."""
    import logging

    ours = logging.getLogger("countermark")
    if ours.handlers or logging.getLogger().handlers:  # configured already (embedding, a logging config)
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., help="Login name"),
    role: str = typer.Option(..., help="admin | reviewer | rights_holder | notifier | seller | investigator"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    brand: list[str] = typer.Option([], help="Brand id this user acts for (repeatable)"),
    storefront: list[str] = typer.Option([], help="Seller id this user operates (repeatable)"),
) -> None:
    """Create a user with a role and its brand/storefront scopes."""
    from countermark.accounts.service import AccountError, create_user
    from countermark.rights.models import Brand
    from countermark.storage.engine import transaction

    with database() as engine, transaction(engine) as session:
        unknown = [b for b in brand if session.get(Brand, b) is None]
        if unknown:
            raise fail(f"unknown brand(s): {', '.join(unknown)}", EXIT_BAD_INPUT)
        try:
            create_user(session, username=username, password=password, role=role, brands=brand,
                        storefronts=storefront, actor="cli")
        except AccountError as e:
            raise fail(str(e), EXIT_BAD_INPUT) from e
    console.print(f"user {username} ({role}) created")


@users_app.command("list")
def users_list() -> None:
    """List users with their roles and scopes."""
    from countermark.accounts.service import list_users
    from countermark.storage.engine import transaction

    table = Table("username", "role", "brands", "storefronts", "active")
    with database() as engine, transaction(engine) as session:
        for user in list_users(session):
            table.add_row(user.username, user.role, ", ".join(s.brand_id for s in user.brand_scopes),
                          ", ".join(s.seller_id for s in user.storefront_scopes), "yes" if user.active else "no")
    Console().print(table)


@users_app.command("token")
def users_token(
    username: str = typer.Argument(..., help="The user the token acts as"),
    name: str = typer.Option("", help="A label to recognise the token by"),
) -> None:
    """Issue an API token (printed once on stdout; only its hash is stored)."""
    from countermark.accounts.service import get_user, issue_token
    from countermark.storage.engine import transaction

    with database() as engine, transaction(engine) as session:
        user = get_user(session, username)
        if user is None:
            raise fail(f"no user {username!r}", EXIT_BAD_INPUT)
        plain, _ = issue_token(session, user, name, actor="cli")
    print(plain)


@users_app.command("demo-accounts")
def users_demo_accounts() -> None:
    """Create one demo login per role (password `countermark-demo`) and print them."""
    from countermark.accounts.demo import ensure_demo_accounts
    from countermark.storage.engine import transaction

    with database() as engine, transaction(engine) as session:
        accounts = ensure_demo_accounts(session, DEMO_PASSWORD)
    table = Table("username", "password", "role", "scope", title="Demo logins")
    for account in accounts:
        table.add_row(account.username, DEMO_PASSWORD, account.role, account.scope)
    Console().print(table)


@users_app.command("revoke-tokens")
def users_revoke_tokens(username: str = typer.Argument(..., help="Revoke every API token of this user")) -> None:
    """Revoke a user's API tokens (for a leaked token or a departing integration)."""
    from sqlalchemy import select

    from countermark.accounts.models import ApiToken
    from countermark.accounts.service import get_user, revoke_token
    from countermark.storage.engine import transaction

    with database() as engine, transaction(engine) as session:
        user = get_user(session, username)
        if user is None:
            raise fail(f"no user {username!r}", EXIT_BAD_INPUT)
        tokens = list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                             ApiToken.revoked_at.is_(None))))
        for token in tokens:
            revoke_token(session, token, actor="cli")
    console.print(f"{len(tokens)} token(s) of {username} revoked")
