"""Why personnummer go to review, listed from cached calibration pages."""

from __future__ import annotations

import json
from pathlib import Path

from intake.reads import PageReads, TextRead
from intake.training.measure_personnummer import differing, pnr_fields, summary
from tests.mapping.reads import PNR, TODAY, cut_of


def _row(tmp_path: Path, name: str, read: TextRead, truth: str) -> dict:
    scan = tmp_path / f"{name}.png"
    scan.with_name(f"{name}.truth.json").write_text(json.dumps(
        [{"pages": [1], "form": "9443", "fields": {"personnummer": truth}}]), encoding="utf-8")
    reads = PageReads(form="9443", texts={"personnummer": read})
    return {"style": "hand-calib300", "scan": str(scan), "source": scan.name, "page": 1,
            "today": TODAY.isoformat(), "form": "9443", "reads": reads.model_dump(mode="json")}


def test_a_ten_digit_read_is_compared_from_the_right_and_no_number_is_shown() -> None:
    """GIVEN a reader's ten digits (no century) one digit off the truth
    WHEN the places it differs in are listed
    THEN they are the place of that digit among the twelve, and no digit is shown."""
    assert differing(PNR[2:9] + "3" + PNR[10:], PNR) == "9"
    assert differing(PNR, PNR) == "="
    assert differing("20", PNR) == "-"


def test_a_number_read_clearly_is_right_and_not_reviewed_and_a_torn_one_is_reviewed(
        tmp_path: Path) -> None:
    """GIVEN one page whose personnummer both readers read clearly, and one whose tenth
    glyph the classifier found likelier a 3 than the 8 written (the engine read nothing)
    WHEN the personnummer fields are listed
    THEN the first is right and not reviewed, the second right but reviewed, with the
    problem the mapping gave as the reason and the place the classifier misread."""
    clear = TextRead(text=PNR, confidence=0.95, cuts=[cut_of(PNR, sure=0.999)])
    torn = TextRead(text="", confidence=0.0,
                    cuts=[cut_of(PNR, doubts={9: {"3": 0.6, "8": 0.3}})])
    fields = pnr_fields([_row(tmp_path, "clear", clear, PNR),
                         _row(tmp_path, "torn", torn, PNR)])
    assert summary(fields) == {"fields": 2, "exact": 2, "reviewed": 1,
                               "right but reviewed": 1, "silent": 0}
    assert fields[1].reason and fields[1].seen == "9" and fields[1].value == "="
