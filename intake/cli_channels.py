"""``sus-intake watch`` and ``sus-intake tokens …``: the ways in besides the upload page —
the scanner folder and API tokens for scripts."""

from __future__ import annotations

from pathlib import Path

import click

from intake.settings import Settings

#: The actor the audit trail records for tokens made or revoked here.
ACTOR = "cli"


@click.command("watch")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--user", "username", help="The service user the files are uploaded as"
                                        " [SUS_WATCH_USER, default skanner].")
@click.option("--forbund", help="The whole folder is this förbund's (its name);"
                                " otherwise one subfolder per förbund, and Diariet.")
@click.option("--diariet", is_flag=True, default=None, help="The whole folder is Diariet's.")
@click.option("--poll", "polling", is_flag=True, default=None,
              help="Poll instead of OS events: for network shares (SMB, NFS).")
@click.option("--stable-seconds", type=click.FloatRange(min=0, min_open=True),
              help="A file unchanged this long is whole and taken [default 2].")
def watch_cmd(folder: Path | None, username: str | None, forbund: str | None,
              diariet: bool | None, polling: bool | None, stable_seconds: float | None) -> None:
    """Read the files put in FOLDER (default SUS_WATCH_DIR) as uploads, until Ctrl+C.
    Read files go to klara/, the others to fel/ with the reason beside them. The
    reading itself is done by `serve` or `worker`."""
    import threading

    from intake.review.scanner import Scanner, ScannerConfig
    from intake.review.state import open_service

    settings = Settings()
    config = ScannerConfig.from_settings(settings, folder=folder, username=username,
                                         forbund=forbund, diariet=diariet, polling=polling,
                                         stable_seconds=stable_seconds)
    if config.forbund and config.diariet:
        raise click.UsageError("--forbund and --diariet exclude each other.")
    state = open_service(settings)
    try:
        scanner = Scanner(state, config)
        how = "polling" if config.polling else "OS events"
        click.echo(f"watch: {config.folder} as {config.username} ({how}; Ctrl+C stops)")
        scanner.run(threading.Event())  # Ctrl+C ends the watch (watchfiles stops)
    finally:
        state.store.dispose()
    click.echo("watch: stopped")


@click.group("tokens")
def tokens_group() -> None:
    """API tokens for scripts (Authorization: Bearer …); also on the page /nycklar."""


@tokens_group.command("create")
@click.argument("username")
@click.option("--label", required=True, help="What the token is for (a script, a system).")
@click.option("--days", type=click.IntRange(min=1), default=90, show_default=True,
              help="Days the token lasts (at most 365).")
def tokens_create(username: str, label: str, days: int) -> None:
    """Make a token for USERNAME; printed once, only its hash is kept."""
    from intake.review.clock import now
    from intake.review.state import open_service
    from intake.review.tokens import MAX_DAYS, TokenIn, make_token

    if days > MAX_DAYS:
        raise click.BadParameter(f"at most {MAX_DAYS}", param_hint="--days")
    state = open_service(Settings())
    try:
        with state.store.transaction() as session:
            made = make_token(session, TokenIn(username=username, label=label, days=days),
                              actor=ACTOR, at=now())
    finally:
        state.store.dispose()
    click.echo(f"token {made.token.id} for {made.token.username} until"
               f" {made.token.expires_at:%Y-%m-%d %H:%M} UTC (shown once):", err=True)
    click.echo(made.secret)


@tokens_group.command("list")
@click.argument("username", required=False)
def tokens_list(username: str | None) -> None:
    """The tokens (of USERNAME, or everyone's), newest first; never a secret."""
    from intake.review.clock import now
    from intake.review.state import open_service
    from intake.review.tokens import list_tokens

    state = open_service(Settings())
    try:
        with state.store.transaction(read_only=True) as session:
            tokens = list_tokens(session, username)
    finally:
        state.store.dispose()
    at = now()
    for token in tokens:
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(f"{token.id}\t{token.username}\t{token.label}\t"
                   f"until {token.expires_at:%Y-%m-%d}\t{token.state(at)}\tlast used {used}")


@tokens_group.command("revoke")
@click.argument("token_id", type=click.IntRange(min=1))
def tokens_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID for good."""
    from intake.review.clock import now
    from intake.review.state import open_service
    from intake.review.tokens import revoke_token

    state = open_service(Settings())
    try:
        with state.store.transaction() as session:
            token = revoke_token(session, token_id, actor=ACTOR, at=now())
    finally:
        state.store.dispose()
    click.echo(f"token {token.id} of {token.username} revoked")
