"""CLI commands for the web application: `chartclaim serve` and `chartclaim users ...`."""

from __future__ import annotations

import typer

from chartclaim.cli import apps

users = typer.Typer(help="Web application users (admins manage them here or on the Users page).", no_args_is_help=True)
apps.app.add_typer(users, name="users")


@apps.app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    migrate: bool = typer.Option(True, help="Bring the database schema to the latest revision first."),
) -> None:
    """Start the web application (coders' and billers' screens, JSON API at /api/v1) on the configured database."""
    import uvicorn

    from chartclaim.settings import get_settings
    from chartclaim.store.db import upgrade
    from chartclaim.web.app import create_app

    settings = get_settings()
    if settings.secret_key == "dev-only-change-me" and host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo("refusing to listen beyond this machine with the default secret key; set CHARTCLAIM_SECRET_KEY",
                   err=True)
        raise typer.Exit(2)
    app = create_app(settings)
    if migrate:
        upgrade(app.state.engine)
    import threading

    # Loading the coder, the code sets and the scrubber's tables takes seconds: do it while the first user signs in.
    for warm in (getattr(app.state.suggester, "warm", None), lambda: app.state.codes.cs,
                 lambda: app.state.scrubber.context):
        if warm is not None:
            threading.Thread(target=warm, daemon=True).start()
    typer.echo(f"chartclaim web on http://{host}:{port}/  (database: {app.state.engine.url.render_as_string()})")
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)  # access log would hold URLs with ids


@users.command("add")
def users_add(
    username: str = typer.Argument(..., help="Sign-in name (letters, digits, . _ -)."),
    role: str = typer.Option(..., "--role", help="coder | biller | manager | admin"),
    full_name: str = typer.Option("", "--name", help="Name shown on screens."),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True,
                                 help="At least 8 characters (prompted when omitted)."),
) -> None:
    """Create a user. Example: chartclaim users add ana --role coder --name 'Ana Diaz'"""
    from chartclaim.store.db import get_engine, session_scope, upgrade
    from chartclaim.web.users import UserError, create_user

    engine = get_engine()
    upgrade(engine)
    try:
        with session_scope(engine) as db:
            user = create_user(db, username, password, role, full_name)
            typer.echo(f"created {user.username} ({user.role})")
    except UserError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from None


@users.command("list")
def users_list() -> None:
    """List users with role and status."""
    from sqlalchemy import select

    from chartclaim.store.db import get_engine, session_scope, upgrade
    from chartclaim.web.tables import User

    engine = get_engine()
    upgrade(engine)
    with session_scope(engine) as db:
        for u in db.scalars(select(User).order_by(User.username)):
            typer.echo(f"{u.username:20} {u.role:8} {'active' if u.active else 'disabled'}  {u.full_name}")
