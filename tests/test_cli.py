"""The command line as CONTRACT §1 describes it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.cli import cli


def test_forms_blank_writes_the_three_fillable_pdfs(tmp_path: Path) -> None:
    """GIVEN an empty folder WHEN `sus-intake forms blank --out DIR` runs
    THEN FK9443.pdf, FK9448.pdf and FK9449.pdf are there and are PDFs."""
    result = CliRunner().invoke(cli, ["forms", "blank", "--out", str(tmp_path / "blank")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "blank").iterdir())
    assert names == ["FK9443.pdf", "FK9448.pdf", "FK9449.pdf"]
    assert all((tmp_path / "blank" / n).read_bytes().startswith(b"%PDF") for n in names)


def test_samples_make_writes_a_style_with_truth(tmp_path: Path) -> None:
    """GIVEN a style and a count WHEN `sus-intake samples make` runs
    THEN that many samples, each with its truth file, are written."""
    args = ["samples", "make", "--out", str(tmp_path), "--style", "typed-fax200", "--count", "2"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "typed-fax200").glob("*.tif"))
    assert len(files) == 2
    for f in files:
        truth = json.loads(f.with_name(f.stem + ".truth.json").read_text())
        assert truth[0]["pages"] == [1]


def test_unknown_style_is_refused_with_the_known_ones_named(tmp_path: Path) -> None:
    """GIVEN a misspelt style WHEN samples make runs THEN it fails naming the styles."""
    result = CliRunner().invoke(cli, ["samples", "make", "--out", str(tmp_path), "--style", "fax"])
    assert result.exit_code != 0
    assert "typed-fax200" in result.output


def test_samples_made_for_a_store_name_its_forbund_and_insatser(tmp_path: Path) -> None:
    """GIVEN the demo's store (sus-intake demo --no-serve)
    WHEN `sus-intake samples make --store DIR` runs
    THEN every form names the store's first förbund (the demo uploader's) and one of its
    insatser with personal data, so the demo accepts a newcomer's first upload; without
    --store the names are invented and not the store's."""
    from intake.demo import prepare_demo
    from intake.review.state import open_service
    from intake.settings import Settings
    from sus_store import list_forbund, list_insatser
    from sus_store.vocab import Deltagarform

    data = tmp_path / "demo"
    state = open_service(Settings(data_dir=data))
    prepare_demo(state)
    with state.store.transaction() as session:
        first = list_forbund(session)[0]
        insatser = {i.name for i in list_insatser(session, forbund_id=first.id)
                    if i.deltagarform == Deltagarform.PERSONUPPGIFTER}
    state.store.dispose()
    args = ["samples", "make", "--out", str(tmp_path / "s"), "--style", "digital", "--count", "3"]
    result = CliRunner().invoke(cli, [*args, "--store", str(data)])
    assert result.exit_code == 0, result.output
    assert f"förbund {first.name}" in result.output
    named = [json.loads(p.read_text())[0]["fields"]
             for p in sorted((tmp_path / "s" / "digital").glob("*.truth.json"))]
    headed = [f for f in named if "insats" in f]
    assert len(named) == 3 and len(headed) == 2  # 9448, 9449 (the 9443 names neither)
    assert all(f["samverkansorganisation"] == first.name and f["insats"] in insatser
               for f in headed)
    invented = CliRunner().invoke(cli, ["samples", "make", "--out", str(tmp_path / "i"),
                                        "--style", "digital", "--count", "2"])
    assert invented.exit_code == 0
    truth = json.loads(next((tmp_path / "i" / "digital").glob("*9448*.truth.json")).read_text())
    assert truth[0]["fields"]["samverkansorganisation"] != first.name


def test_samples_for_a_directory_without_a_store_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["samples", "make", "--out", str(tmp_path / "s"),
                                      "--store", str(tmp_path)])
    assert result.exit_code != 0 and "sus-intake demo --no-serve" in result.output


def test_console_script_is_installed() -> None:
    """GIVEN the installed package WHEN `sus-intake --help` runs THEN it lists commands."""
    exe = Path(sys.executable).with_name("sus-intake")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True)
    assert "forms" in out.stdout and "samples" in out.stdout


def _serve_refusal(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                   tmp_path: Path, **env: str) -> tuple[int, str]:
    """`sus-intake serve` with these SUS_ variables: its exit code and stderr (it must
    not get as far as serving)."""
    import uvicorn

    from intake.cli import main

    for name, value in {"SUS_DATA_DIR": str(tmp_path), **env}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("served"))
    monkeypatch.setattr(sys, "argv", ["sus-intake", "serve"])
    with pytest.raises(SystemExit) as exited:
        main()
    return int(exited.value.code or 0), capsys.readouterr().err


def test_serve_in_production_without_a_key_stops_with_a_message(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    """GIVEN SUS_ENVIRONMENT=production and no SUS_SECRET_KEY WHEN `sus-intake serve` runs
    THEN it does not start: one line naming the setting, exit 4, no traceback."""
    code, err = _serve_refusal(monkeypatch, capsys, tmp_path, SUS_ENVIRONMENT="production")
    assert code == 4
    assert "SUS_SECRET_KEY" in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_serve_with_a_weak_key_stops_without_printing_the_key(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    """GIVEN SUS_SECRET_KEY of 16 blanks, or a short word WHEN `sus-intake serve` runs
    THEN it does not start, and stderr names the setting but never shows the key."""
    for key in (" " * 16, "hemligt-kort"):
        code, err = _serve_refusal(monkeypatch, capsys, tmp_path,
                                   SUS_ENVIRONMENT="production", SUS_SECRET_KEY=key)
        assert code == 4 and "SUS_SECRET_KEY" in err
        assert "hemligt" not in err and "Traceback" not in err


def test_what_the_tool_writes_only_its_own_user_can_read(tmp_path: Path) -> None:
    """GIVEN the installed command and the default umask of most systems (022)
    WHEN it writes files (the blank forms here; the store, page images and uploads
    the same way)
    THEN no other user can read them or list the folder it made."""
    exe = Path(sys.executable).with_name("sus-intake")
    out = tmp_path / "made"
    subprocess.run(["sh", "-c", f'umask 022 && "{exe}" forms blank --out "{out}"'],
                   capture_output=True, text=True, check=True)
    written = list(out.iterdir())
    assert written
    assert all(path.stat().st_mode & 0o077 == 0 for path in [out, *written])


# --- forms learn / list / activate / deactivate (issue 17) -----------------------------


@pytest.fixture
def template_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "mallar"
    monkeypatch.setenv("SUS_TEMPLATES_DIR", str(folder))
    return folder


def _flat_blank(tmp_path: Path, *, without: str | None = None) -> Path:
    """FK 9448 printed flat (text and boxes, no widgets); ``without`` a field's label
    and box, so that the field is missing."""
    from intake.forms import form_layout
    from tests.templates.blanks import pdf_of

    layout = form_layout("9448")
    texts, boxes = layout.texts, layout.boxes
    if without is not None:
        rect = layout.widget(without).rect
        texts = tuple(t for t in texts if t.text != "Namn")
        boxes = tuple(b for b in boxes if b.rect != rect)
    return pdf_of(layout.model_copy(update={"texts": texts, "boxes": boxes, "widgets": ()}),
                  tmp_path / "blankett.pdf")


def _learn(tmp_path: Path, blank: Path, *extra: str) -> object:
    return CliRunner().invoke(cli, ["forms", "learn", str(blank), "--form", "9448",
                                    "--out", str(tmp_path / "mall.json"), *extra])


def test_forms_learn_keeps_the_template_as_a_draft_and_says_how_to_activate_it(
        tmp_path: Path, template_dir: Path) -> None:
    """GIVEN a blank WHEN `forms learn` runs without --activate THEN the JSON is written
    as before, the template is kept in the store as a draft (not read with) and the
    output names its id and how to check or activate it."""
    from intake.forms.store import TemplateStore

    result = _learn(tmp_path, _flat_blank(tmp_path))

    assert result.exit_code == 0, result.output
    assert (tmp_path / "mall.json").is_file()
    [draft] = [t for t in TemplateStore(template_dir).all() if not t.builtin]
    assert not draft.active
    assert f"utkast: {draft.id}" in result.output
    assert "/mallar" in result.output and f"forms activate {draft.id}" in result.output


def test_forms_learn_activate_puts_a_fully_matched_template_in_use(
        tmp_path: Path, template_dir: Path) -> None:
    """GIVEN a blank whose every field is found WHEN `forms learn --activate` runs
    THEN the template is active at once and `forms list` shows it in use."""
    result = _learn(tmp_path, _flat_blank(tmp_path), "--activate")

    assert result.exit_code == 0, result.output
    listed = CliRunner().invoke(cli, ["forms", "list"])
    learned = [line for line in listed.output.splitlines() if line.startswith("FK9448-")]
    assert len(learned) == 1 and "i bruk" in learned[0] and "hittad 45" in learned[0]
    assert "FK9443 " in listed.output  # the built-in ones are listed too


def test_forms_learn_activate_refuses_while_a_field_is_missing_and_names_it(
        tmp_path: Path, template_dir: Path) -> None:
    """GIVEN a blank without the Namn box WHEN `forms learn --activate` runs THEN it
    fails naming the field, and the template stays a draft."""
    from intake.forms.store import TemplateStore

    result = _learn(tmp_path, _flat_blank(tmp_path, without="namn"), "--activate")

    assert result.exit_code != 0
    assert "namn" in str(result.exception) and "togs inte i bruk" in str(result.exception)
    assert not any(t.active for t in TemplateStore(template_dir).all() if not t.builtin)


def test_forms_activate_and_deactivate_switch_a_learned_template(
        tmp_path: Path, template_dir: Path) -> None:
    """GIVEN a learned draft WHEN `forms activate ID` then `forms deactivate ID` run
    THEN it is in use, then a draft again; a built-in one cannot be deactivated."""
    from intake.forms.store import TemplateError, TemplateStore

    _learn(tmp_path, _flat_blank(tmp_path))
    store = TemplateStore(template_dir)
    [draft] = [t for t in store.all() if not t.builtin]

    activated = CliRunner().invoke(cli, ["forms", "activate", draft.id])
    assert activated.exit_code == 0 and "är i bruk" in activated.output
    assert store.get(draft.id).active
    deactivated = CliRunner().invoke(cli, ["forms", "deactivate", draft.id])
    assert deactivated.exit_code == 0 and "utkast" in deactivated.output
    assert not store.get(draft.id).active
    builtin = CliRunner().invoke(cli, ["forms", "deactivate", "FK9448"])
    assert isinstance(builtin.exception, TemplateError)
