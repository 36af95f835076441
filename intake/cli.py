"""The ``sus-intake`` command line (CONTRACT §1)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from pydantic import ValidationError

from intake.errors import ConfigurationError, IntakeError
from intake.logs import configure_logging

if TYPE_CHECKING:
    from intake.forms.store import TemplateStore
    from intake.samples.content import StoreNames
    from intake.samples.make import Layout
    from intake.settings import Settings

#: What the tool writes (the store, page images, uploads, the archive, extracted JSON)
#: is personal data: readable by the service's own user only.
PRIVATE_UMASK = 0o077


def main() -> None:
    """Entry point: runs the click group, turning IntakeError into a one-line message.
    Every file and folder it makes is its user's alone (:data:`PRIVATE_UMASK`)."""
    os.umask(PRIVATE_UMASK)
    try:
        cli(standalone_mode=False)
    except IntakeError as exc:
        click.echo(f"sus-intake: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except ValidationError as exc:  # the settings (SUS_* variables); values never shown
        click.echo(f"sus-intake: {_settings_problem(exc)}", err=True)
        sys.exit(ConfigurationError.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)


def _settings_problem(error: ValidationError) -> str:
    """The first refused setting and why, in one line, without the value given."""
    first = error.errors(include_input=False)[0]
    name = "SUS_" + "_".join(str(part) for part in first.get("loc", ())).upper()
    reason = str(first.get("msg", "")).removeprefix("Value error, ")
    return reason if reason.startswith(name) else f"{name}: {reason}"


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what each step does.")
def cli(verbose: bool) -> None:
    """SUS intake: turns SUS paper forms (FK 9443, 9448, 9449) into checked records."""
    configure_logging(json_lines=False, verbose=verbose)


@cli.group()
def forms() -> None:
    """The blank forms."""


@forms.command("blank")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write FK9443.pdf, FK9448.pdf and FK9449.pdf to.",
)
def forms_blank(out_dir: Path) -> None:
    """Write the blank, fillable forms."""
    from intake.forms.blank import write_blank_forms

    for path in write_blank_forms(out_dir):
        click.echo(str(path))


@forms.command("learn")
@click.argument("blank", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--form", "form_id", type=click.Choice(["9443", "9448", "9449"]), required=True,
              help="Which form the blank is.")
@click.option("--version", default=None,
              help='The form\'s version, e.g. "002.F.001" (else read from the footer).')
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None,
              help="Where to write the template (JSON); default FK<form>-<version>.json.")
@click.option("--activate", is_flag=True,
              help="Read with the template at once when every field was found.")
def forms_learn(blank: Path, form_id: str, version: str | None, out_file: Path | None,
                activate: bool) -> None:
    """Learn a form's layout (its template) from a blank PDF or a scan of one, and keep
    it in the template store (SUS_TEMPLATES_DIR) as a draft."""
    from intake.forms.store import TemplateError
    from intake.settings import Settings
    from intake.templates.install import install_learned
    from intake.templates.learn import report_lines

    settings = Settings()
    store = _template_store(settings)
    stored = install_learned(blank, form_id, store, version=version,
                             lang=settings.tesseract_lang, tesseract_cmd=settings.tesseract_cmd)
    template = stored.template
    target = out_file or Path(f"FK{form_id}-{template.version}.json")
    target.write_text(template.model_dump_json(indent=1), encoding="utf-8")
    for line in report_lines(template):
        click.echo(line)
    click.echo(f"Mallen skrevs till {target}.")
    click.echo(f"Mallen sparades som utkast: {stored.id}.")
    if not activate:
        click.echo(f"Kontrollera den på administrationssidan /mallar, eller ta den i bruk med"
                   f" sus-intake forms activate {stored.id}.")
        return
    unmatched = [w.name for w in template.widgets if w.state not in _FOUND]
    if unmatched:
        raise TemplateError(
            f"Mallen {stored.id} togs inte i bruk: {len(unmatched)} fält hittades inte säkert"
            f" ({', '.join(unmatched)}). Rätta dem på administrationssidan /mallar och kör"
            f" sedan sus-intake forms activate {stored.id}.")
    store.activate(stored.id)
    click.echo(f"Mallen {stored.id} är i bruk: sidor i den layouten läses nu med den.")


@forms.command("list")
def forms_list() -> None:
    """List the templates: the built-in ones and every learned one, active or draft."""
    from intake.forms.template import MatchState
    from intake.settings import Settings

    store = _template_store(Settings())
    click.echo(f"{'id':<40} {'blankett':<8} {'version':<12} {'status':<8} fält")
    for t in store.all():
        counts = t.template.counts()
        states = ", ".join(f"{state.swedish} {counts[state]}" for state in MatchState
                           if counts[state])
        status = "i bruk" if t.active else "utkast"
        click.echo(f"{t.id:<40} FK{t.form:<6} {t.template.version:<12} {status:<8} {states}")


@forms.command("activate")
@click.argument("template_id")
def forms_activate(template_id: str) -> None:
    """Read with a learned template from now on (every field must have its box)."""
    from intake.settings import Settings

    stored = _template_store(Settings()).activate(template_id)
    click.echo(f"Mallen {stored.id} är i bruk.")


@forms.command("deactivate")
@click.argument("template_id")
def forms_deactivate(template_id: str) -> None:
    """Stop reading with a learned template (it is kept as a draft)."""
    from intake.settings import Settings

    stored = _template_store(Settings()).deactivate(template_id)
    click.echo(f"Mallen {stored.id} är inte längre i bruk; den finns kvar som utkast.")


def _template_store(settings: Settings) -> TemplateStore:
    from intake.forms.store import TemplateStore

    return TemplateStore(settings.template_dir())


#: how a learned widget's box may have been found for ``forms learn --activate``
_FOUND = ("matched", "builtin", "fixed")


@cli.command("extract")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON here instead of to standard output.")
@click.option("--workers", type=click.IntRange(min=1), help="Pages read in parallel.")
def extract_cmd(files: tuple[Path, ...], out_file: Path | None, workers: int | None) -> None:
    """Read scans and PDFs; print the documents found as JSON (CONTRACT §2).

    Scans are read with the active templates: the built-in layouts and the learned ones
    activated in SUS_TEMPLATES_DIR (default DATA_DIR/templates; `forms list`)."""
    import json

    from intake.pipeline import InputFailure, extract
    from intake.progress import say
    from intake.settings import Settings

    settings = Settings() if workers is None else Settings(workers=workers)
    documents, failures = [], []
    for item in extract(files, settings):
        if isinstance(item, InputFailure):
            failures.append(item)
            say(f"sus-intake: {item.message}")
        else:
            documents.append(item.contract())
    text = json.dumps(documents, ensure_ascii=False, indent=1)
    if out_file:
        out_file.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)
    if failures:
        sys.exit(2)


@cli.command("eval")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--workers", type=click.IntRange(min=1), help="Pages read in parallel.")
def eval_cmd(folder: Path, workers: int | None) -> None:
    """Score extraction on every scan in FOLDER that has NAME.truth.json beside it
    (read with the active templates, as `extract` reads)."""
    from intake.evaluate import evaluate, format_report
    from intake.settings import Settings

    settings = Settings() if workers is None else Settings(workers=workers)
    click.echo(format_report(evaluate(folder, settings)))


@cli.command("eval-service")
@click.option("--style", "styles", multiple=True,
              help="Style to upload (repeatable); default: hand-real300, fax-real200, "
                   "typed-office300.")
@click.option("--count", type=click.IntRange(min=1), default=30, show_default=True,
              help="Forms per style (9448, its 9443, a 9449, in turn).")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--participants", type=click.IntRange(min=10), default=150, show_default=True,
              help="Participants the store is populated with.")
@click.option("--database-url", default=None,
              help="An empty database for the store (default: SQLite in a temporary folder).")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Pages read in parallel.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the figures as JSON here.")
def eval_service_cmd(styles: tuple[str, ...], count: int, seed: int, participants: int,
                     database_url: str | None, workers: int, json_file: Path | None) -> None:
    """Upload generated batches for a populated store through the API and report what a
    reviewer faces: review rate, silent errors and keystrokes per form, per style."""
    import json

    from intake.samples.make import STYLES
    from intake.training.service_eval import DEFAULT_STYLES, evaluate_service, format_report

    unknown = sorted(set(styles) - set(STYLES))
    if unknown:
        raise click.BadParameter(
            f"unknown style {', '.join(unknown)}; known: {', '.join(STYLES)}", param_hint="--style")
    report = evaluate_service(styles=styles or DEFAULT_STYLES, count=count, seed=seed,
                              participants=participants, workers=workers,
                              database_url=database_url)
    click.echo(format_report(report))
    if json_file:
        json_file.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")


@cli.command("bench")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("samples/generated/bench"), show_default=True)
@click.option("--pages", type=click.IntRange(min=2), default=None,
              help="Pages per corpus (default 24; with --service 60).")
@click.option("--repeats", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--memory-pages", type=click.IntRange(min=0), default=200, show_default=True,
              help="Pages of scanned batches for the memory figure (0 to skip).")
@click.option("--seed", type=int, default=99, show_default=True)
@click.option("--service", is_flag=True,
              help="Upload the pages to `sus-intake serve` on a fresh store through the API: "
                   "its pages/s vs extract's, reviewer latency idle and while reading, and "
                   "the web process's peak memory.")
@click.option("--database-url", default=None,
              help="With --service: an empty PostgreSQL database (default: SQLite in a "
                   "temporary folder).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Pages read in parallel (default: SUS_WORKERS, 2).")
@click.option("--one-pdf", is_flag=True,
              help="With --service: the pages as one PDF (a scanned batch), not a file each.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
              help="With --service: also write the figures as JSON here.")
@click.option("--worker-processes", type=click.IntRange(min=0), default=0, show_default=True,
              help="With --service: read by this many `sus-intake worker` processes beside "
                   "`serve --no-worker` (the --workers shared out among them), not by serve; "
                   "reports the pages each wrote.")
@click.option("--latency-samples", type=click.IntRange(min=0), default=None,
              help="With --service: requests timed per endpoint and phase (default 40); "
                   "0 times none: the batch is read with no reviewer working beside it, "
                   "only polled as its page polls (the throughput alone).")
@click.option("--extract-nice", type=click.IntRange(min=0, max=19), default=None,
              help="With --service: the CPU priority (nice) extract reads at for the "
                   "comparison (default: SUS_READER_NICE, the service's readers').")
def bench_cmd(out_dir: Path, pages: int | None, repeats: int, memory_pages: int, seed: int,
              service: bool, database_url: str | None, workers: int | None, one_pdf: bool,
              json_file: Path | None, worker_processes: int, extract_nice: int | None,
              latency_samples: int | None) -> None:
    """Pages/s of extraction vs full-page Tesseract on the same pages; peak memory.
    With --service: the service's pages/s vs extract's on the same pages."""
    from intake.settings import Settings

    settings = Settings() if workers is None else Settings(workers=workers)
    if service:
        _bench_service(pages=pages or 60, seed=seed, workers=settings.workers,
                       database_url=database_url, one_pdf=one_pdf, json_file=json_file,
                       worker_processes=worker_processes, extract_nice=extract_nice,
                       latency_samples=latency_samples)
        return
    if (database_url or json_file or one_pdf or worker_processes or extract_nice is not None
            or latency_samples is not None):
        raise click.UsageError("--database-url, --one-pdf, --worker-processes, --extract-nice, "
                               "--latency-samples och --json hör till --service.")
    from intake.training.bench import bench, memory_report

    for line in bench(out_dir, pages=pages or 24, repeats=repeats, seed=seed,
                      settings=settings):
        click.echo(line)
    if memory_pages:
        click.echo(memory_report(out_dir, pages=memory_pages, seed=seed,
                                 workers=settings.workers))


def _bench_service(*, pages: int, seed: int, workers: int, database_url: str | None,
                   one_pdf: bool, json_file: Path | None, worker_processes: int,
                   extract_nice: int | None, latency_samples: int | None) -> None:
    import json

    from intake.training.service_bench import SAMPLES, bench_service, format_report

    result = bench_service(pages=pages, seed=seed, workers=workers, database_url=database_url,
                           one_pdf=one_pdf, worker_processes=worker_processes,
                           extract_nice=extract_nice,
                           samples=SAMPLES if latency_samples is None else latency_samples)
    click.echo(format_report(result))
    if json_file:
        json_file.write_text(json.dumps(result.as_json(), ensure_ascii=False, indent=1) + "\n",
                             encoding="utf-8")


@cli.group()
def train() -> None:
    """Train what the reader learns (the models under intake/learned/data)."""


@train.command("digits")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=None,
              help="Passes over the glyphs (default: the shipped model's, "
                   "intake.training.digits.EPOCHS).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Where to write the model (default: the shipped file).")
@click.option("--with-corrections", is_flag=True,
              help="Add the glyphs reviewers confirmed; replace the model in --out only "
                   "if the new one is better on the held-aside digits.")
@click.option("--corrections", "corrections_dir",
              type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The reviewed glyphs (default: SUS_DATA_DIR/corrections).")
def train_digits(seed: int, epochs: int | None, out_file: Path | None, with_corrections: bool,
                 corrections_dir: Path | None) -> None:
    """The digit classifier, from digits written by people and the generator's fonts
    (about 15 minutes on 2 cores); prints its figures on the held-aside real digits."""
    import logging

    from intake.learned.digits import save_digit_model, weights_path
    from intake.training.digits import EPOCHS

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out = out_file or weights_path()
    epochs = epochs or EPOCHS
    if corrections_dir is not None and not with_corrections:
        raise click.UsageError("--corrections hör till --with-corrections.")
    if with_corrections:
        _retrain_digits(seed=seed, epochs=epochs, out=out, corrections_dir=corrections_dir)
        return
    from intake.training.digits import train_digit_model

    model = train_digit_model(seed=seed, epochs=epochs)
    save_digit_model(model, out)
    assert model.provenance is not None
    for name, value in model.provenance.validation.items():
        click.echo(f"{name:28} {value:g}")
    click.echo(f"wrote {out}")


@train.command("months")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Where to write the model (default: the shipped file).")
def train_months(seed: int, out_file: Path | None) -> None:
    """The month-word classifier, from date lines hand-printed with the generator's
    fonts but the held-out one (a few minutes); prints its figures on that font."""
    from intake.training.months import main as months_main

    months_main(["train", "--seed", str(seed), *(["--out", str(out_file)] if out_file else [])])


def _retrain_digits(*, seed: int, epochs: int, out: Path, corrections_dir: Path | None) -> None:
    from intake.settings import Settings
    from intake.training.retrain import retrain_with_corrections

    source = corrections_dir or Settings().corrections_dir()
    outcome = retrain_with_corrections(model_path=out, corrections_dir=source, seed=seed,
                                       epochs=epochs)
    for line in outcome.report():
        click.echo(line)


@cli.group()
def samples() -> None:
    """Synthetic filled-and-scanned forms with ground truth."""


@samples.command("make")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("samples/generated"),
    show_default=True,
)
@click.option(
    "--style", "styles", multiple=True, help="Style to make (repeatable); default: every style."
)
@click.option(
    "--count", type=click.IntRange(min=1), default=6, show_default=True, help="Samples per style."
)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option(
    "--store", "store_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Name the förbund and insatser of the store in this data directory (the demo's:"
    " demo), so its service accepts the samples.",
)
@click.option("--demo", is_flag=True, help="Same as --store demo (sus-intake demo's data).")
@click.option("--forbund", help="With --store: this förbund (default: the store's first).")
@click.option("--layout", type=click.Choice(["builtin", "other", "mixed"]), default="builtin",
              show_default=True,
              help="The print paper forms are filled on: the project's own, another"
              " printer's (to measure a learned template) or both, page by page.")
def samples_make(out_dir: Path, styles: tuple[str, ...], count: int, seed: int,
                 store_dir: Path | None, demo: bool, forbund: str | None,
                 layout: Layout) -> None:
    """Write samples of each style, each with NAME.truth.json beside it."""
    from intake.samples.make import STYLES, make_samples

    unknown = sorted(set(styles) - set(STYLES))
    if unknown:
        raise click.BadParameter(
            f"unknown style {', '.join(unknown)}; known: {', '.join(STYLES)}", param_hint="--style"
        )
    organisation = _store_names(Path("demo") if demo else store_dir, forbund)
    written = make_samples(out_dir, styles or tuple(STYLES), count=count, seed=seed,
                           organisation=organisation, layout=layout)
    click.echo(f"{len(written)} samples written under {out_dir}")


def _store_names(data_dir: Path | None, forbund: str | None) -> StoreNames | None:
    """The förbund and insatser of the store in ``data_dir`` (None: invented names)."""
    if data_dir is None:
        return None
    from intake.samples.store import store_names
    from intake.settings import Settings
    from sus_store import open_store

    settings = Settings(data_dir=data_dir)
    if settings.database_url is None and not (data_dir / "sus.db").exists():
        raise click.UsageError(f"{data_dir} has no store; run sus-intake demo --no-serve first.")
    store = open_store(settings.store_url(), settings.consent_archive_dir())
    try:
        organisation = store_names(store, forbund=forbund)
    finally:
        store.dispose()
    for name, insatser in organisation.insatser.items():
        click.echo(f"förbund {name}; insatser {', '.join(insatser)}")
    return organisation


@samples.command("styles")
def samples_styles() -> None:
    """List the sample styles."""
    from intake.samples.make import STYLES

    for style in STYLES.values():
        scan = style.scan or "no scan"
        click.echo(
            f"{style.name:18} {style.fill:8} {scan:10} .{style.fmt}"
            f"{'  (batch)' if style.batch else ''}"
        )


def _register_groups() -> None:
    from intake.cli_channels import tokens_group, watch_cmd
    from intake.cli_service import demo_cmd, read_again_cmd, serve_cmd, worker_cmd
    from intake.cli_store import store_group
    from intake.cli_users import users_group

    for command in (store_group, users_group, serve_cmd, worker_cmd, read_again_cmd, demo_cmd,
                    tokens_group, watch_cmd):
        cli.add_command(command)


_register_groups()

if __name__ == "__main__":
    main()
