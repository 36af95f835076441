"""``sus-intake serve``, ``worker`` and ``demo``: the intake service."""

from __future__ import annotations

from pathlib import Path

import click

from intake.logs import use_json_lines
from intake.settings import Settings


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--no-worker", is_flag=True, help="Read uploads in a separate `worker` instead.")
def serve_cmd(host: str, port: int, no_worker: bool) -> None:
    """Serve the review interface and the JSON API."""
    _serve(Settings(), host=host, port=port, run_worker=not no_worker)


def _serve(settings: Settings, *, host: str, port: int, run_worker: bool) -> None:
    """The service; its log (uvicorn's too) as JSON lines with the request id."""
    use_json_lines()  # before the imports: some libraries log as they load
    import uvicorn

    from intake.review.app import create_app

    uvicorn.run(create_app(settings, run_worker=run_worker), host=host, port=port,
                log_level="warning", log_config=None, access_log=False)


@click.command("worker")
def worker_cmd() -> None:
    """Read uploads page by page until SIGTERM or Ctrl+C, which finish the pages being
    read first (beside `serve --no-worker`; on PostgreSQL on as many machines as wanted)."""
    use_json_lines()
    from intake.review.engine import run_worker_process
    from intake.review.state import open_service

    settings = Settings()
    state = open_service(settings)
    click.echo(f"worker: reading uploads with {settings.workers} processes"
               " (SIGTERM or Ctrl+C stops)")
    try:
        run_worker_process(state)
    finally:
        state.store.dispose()
    click.echo("worker: stopped")


@click.command("read-again")
@click.argument("upload_id", type=int)
def read_again_cmd(upload_id: int) -> None:
    """Read a failed upload again from the pages it is missing (those read stay)."""
    from intake.review.engine import retry_upload
    from intake.review.state import open_service

    state = open_service(Settings())
    try:
        pages = retry_upload(state, upload_id)
    finally:
        state.store.dispose()
    click.echo(f"upload {upload_id}: {len(pages)} pages to read again")


@click.command("demo")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo"), show_default=True, help="Where the demo store lives.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Prepare the demo and exit.")
def demo_cmd(data_dir: Path, host: str, port: int, no_serve: bool) -> None:
    """An embedded store (SQLite) with demo förbund, insatser and users, a generated
    batch uploaded and read, and the interface served on localhost."""
    if not no_serve:
        use_json_lines()  # the service's log from its first line
    from intake.demo import prepare_demo
    from intake.review.state import open_service

    settings = Settings(data_dir=data_dir)
    state = open_service(settings)
    info = prepare_demo(state)
    state.store.dispose()
    click.echo(f"SUS intake demo: http://{host}:{port}/  (data in {data_dir}/)")
    if info.batch_id is not None:
        click.echo(f"  batch {info.batch_id} uploaded: {', '.join(info.files)}")
    for login in info.logins:
        click.echo(f"  {login.username:10} lösenord {login.password:24} {login.role}")
    if not no_serve:
        _serve(settings, host=host, port=port, run_worker=True)
