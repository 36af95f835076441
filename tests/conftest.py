from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def blank_forms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three blank forms, written once per test session."""
    from intake.forms.blank import write_blank_forms

    out = tmp_path_factory.mktemp("blank")
    write_blank_forms(out)
    return out
