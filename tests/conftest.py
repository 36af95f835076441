from __future__ import annotations

import functools
import os
from pathlib import Path

# Read as the page workers read: one BLAS thread (intake.pipeline sets it in every
# reading process). With more, OpenBLAS sums the digit classifier's products in
# another order and a glyph on the edge between two readings can go either way.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def blank_forms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three blank forms, written once per test session."""
    from intake.forms.blank import write_blank_forms

    out = tmp_path_factory.mktemp("blank")
    write_blank_forms(out)
    return out


def postgres_url() -> str:
    """The PostgreSQL server tests use (``SUS_TEST_POSTGRES_URL`` overrides)."""
    import os

    return os.environ.get(
        "SUS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )


def _postgres_problem() -> str | None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(postgres_url(), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return f"cannot connect to PostgreSQL: {type(exc.orig or exc).__name__}"
    finally:
        engine.dispose()
    return None


CHROMIUM = "/usr/bin/chromium"


def _browser_problem() -> str | None:
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (Debian package chromium)"
    return None


@functools.cache
def _service_available(marker: str) -> str | None:
    """None when the service behind ``marker`` is there, else why not."""
    if marker == "postgres":
        return _postgres_problem()
    if marker == "browser":
        return _browser_problem()
    if marker == "tesseract":
        from intake.errors import ConfigurationError
        from intake.ocr.tesseract import available_languages

        try:
            return None if "swe" in available_languages() else "tesseract has no swe data"
        except ConfigurationError as exc:
            return str(exc)
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests needing a service skip where it is missing — but fail in CI (CI=true)."""
    import os

    for marker in ("tesseract", "postgres", "browser"):
        if item.get_closest_marker(marker) is None:
            continue
        problem = _service_available(marker)
        if problem is None:
            continue
        if os.environ.get("CI") == "true":
            pytest.fail(f"{marker} is required in CI: {problem}")
        pytest.skip(f"{marker} not available: {problem}")
