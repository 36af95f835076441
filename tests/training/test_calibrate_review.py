"""Fitting where review begins for each digit field type on calibration forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.settings import Settings
from intake.training.calibrate_review import (
    MARGIN,
    Reading,
    _made_by,
    calibration_readings,
    figures,
    fit_line,
)


def _readings(right: list[float], wrong: list[float],
              held: tuple[float, ...] = ()) -> list[Reading]:
    return ([Reading("date", c, True, False) for c in right]
            + [Reading("date", c, False, False) for c in wrong]
            + [Reading("date", c, False, True) for c in held])


def test_the_line_is_just_above_the_surest_wrong_reading_a_person_would_not_see() -> None:
    """GIVEN calibration dates: right ones at 0.35-0.95, wrong ones at 0.2 and 0.48, and
    a wrong one at 0.9 already held for review by a rule
    WHEN the date line is fitted with no silent error allowed
    THEN it is 0.49 and the margin: the 0.48 misreading is flagged, the held one does
    not count, and right readings from there up go through."""
    readings = _readings([0.35, 0.5, 0.6, 0.7, 0.95], [0.2, 0.48], held=(0.9,))
    line = fit_line(readings, budget=0.0)
    assert line == 0.49 + MARGIN
    measured = figures(readings, line)
    assert measured["silent"] == 0.0
    assert measured["review"] == pytest.approx(5 / 8)
    assert measured["review_at_default"] == pytest.approx(7 / 8)


def test_review_lines_are_never_fitted_on_the_held_aside_digits(tmp_path: Path) -> None:
    """GIVEN a folder of a held-aside style (hand-real300), whose figures measure the
    reader
    WHEN review lines are to be fitted on it
    THEN the tool refuses before reading anything."""
    folder = tmp_path / "hand-real300"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"")
    (folder / "a.truth.json").write_text("[]")
    with pytest.raises(SystemExit, match="not a calibration style"):
        calibration_readings([tmp_path], Settings())


def test_refitting_the_digit_lines_keeps_the_free_text_lines(tmp_path: Path) -> None:
    """GIVEN shipped review lines holding free-text lines (fitted by calibrate_text)
    WHEN the digit types' lines are fitted again THEN the text lines, their tables and
    figures stay, and the dates' new line replaces the old."""
    import json

    from intake.training.calibrate_review import keep_text_lines

    shipped = tmp_path / "review_lines.json"
    shipped.write_text(json.dumps({
        "lines": {"date": 0.59, "text": 0.89, "text:namn": 0.93},
        "reliability": {"date": [], "text": [1], "text:name": [2]},
        "provenance": {"made_by": "dates; text: review-line", "data": "d; text: t",
                       "note": "n; text silent budget", "validation": {
                           "date_accuracy": 0.7, "text_name_hand_review": 0.6}}}))
    fitted = {"lines": {"date": 0.68, "percent": 0.46},
              "reliability": {"date": [3], "percent": []},
              "provenance": {"made_by": "new dates", "data": "d2", "note": "n2",
                             "validation": {"date_accuracy": 0.75}}}

    kept = keep_text_lines(fitted, shipped)

    assert kept["lines"] == {"date": 0.68, "percent": 0.46, "text": 0.89, "text:namn": 0.93}
    assert kept["reliability"]["text:name"] == [2] and kept["reliability"]["date"] == [3]
    assert kept["provenance"]["validation"] == {"date_accuracy": 0.75,
                                                "text_name_hand_review": 0.6}
    assert kept["provenance"]["made_by"] == "new dates; text: review-line"


def test_the_ticked_box_lines_are_fitted_apart_and_kept_when_digits_are_refitted(
    tmp_path: Path,
) -> None:
    """GIVEN shipped review lines with digit and free-text lines
    WHEN the ticked-box types' lines are fitted (``--types single,multi,yesno``)
    THEN they are set beside the others, which stay, with their own provenance; and
    WHEN the digit lines are fitted again afterwards THEN the ticked-box lines stay."""
    import json

    from intake.training.calibrate_review import (
        keep_choice_lines,
        keep_text_lines,
        with_choice_lines,
    )

    shipped = tmp_path / "review_lines.json"
    shipped.write_text(json.dumps({
        "lines": {"date": 0.59, "text": 0.89},
        "reliability": {"date": [], "text": [1]},
        "provenance": {"made_by": "dates; text: review-line", "data": "d; text: t",
                       "note": "n; text silent budget", "validation": {"date_accuracy": 0.7}}}))
    ticks = {"lines": {"single": 0.35, "yesno": 0.35}, "reliability": {"single": [4]},
             "provenance": {"made_by": "ticks", "validation": {"single_review": 0.01}}}
    shipped.write_text(json.dumps(with_choice_lines(ticks, shipped)))
    written = json.loads(shipped.read_text())
    assert written["lines"] == {"date": 0.59, "text": 0.89, "single": 0.35, "yesno": 0.35}
    assert written["provenance"]["made_by"] == "dates; text: review-line"
    assert written["choice_provenance"]["made_by"] == "ticks"

    dates = {"lines": {"date": 0.68}, "reliability": {"date": [3]},
             "provenance": {"made_by": "new dates", "data": "d2", "note": "n2",
                            "validation": {"date_accuracy": 0.75}}}
    again = keep_choice_lines(keep_text_lines(dates, shipped), shipped)
    assert again["lines"] == {"date": 0.68, "text": 0.89, "single": 0.35, "yesno": 0.35}
    assert again["reliability"]["single"] == [4]
    assert again["choice_provenance"]["made_by"] == "ticks"


def test_a_candidate_model_gets_its_own_lines_beside_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN a candidate digit model not yet shipped, and a new lines file for it
    WHEN the digit types' lines are fitted with --digits MODEL --out FILE
    THEN the forms are read with the candidate, its lines go to FILE with the shipped
    free-text and ticked-box lines beside them, and the shipped file is untouched."""
    import json

    from intake.learned.review import lines_path
    from intake.training import calibrate_review

    shipped_before = lines_path().read_bytes()
    read_with: list[Path | None] = []

    def fitted(folders: list[Path], settings: Settings, types: tuple[str, ...] = (),
               digits: Path | None = None) -> dict:
        read_with.append(digits)
        return {"lines": {"date": 0.71, "percent": 0.5}, "reliability": {},
                "provenance": {"made_by": "candidate", "data": "d", "note": "n",
                               "validation": {}}}

    monkeypatch.setattr(calibrate_review, "calibrate", fitted)
    candidate, out = tmp_path / "candidate.npz", tmp_path / "candidate-lines.json"
    calibrate_review.main([str(tmp_path), "--digits", str(candidate), "--out", str(out)])

    assert read_with == [candidate]
    lines = json.loads(out.read_text())["lines"]
    shipped = json.loads(shipped_before)["lines"]
    assert lines["date"] == 0.71 and lines["percent"] == 0.5
    assert lines["text:namn"] == shipped["text:namn"] and lines["yesno"] == shipped["yesno"]
    assert lines_path().read_bytes() == shipped_before


def test_the_lines_record_names_the_folders_they_were_fitted_on(tmp_path: Path) -> None:
    """GIVEN calibration folders of two styles and seeds
    WHEN the command that fitted the lines is recorded
    THEN it names each folder and the forms it held (not a fixed example command), and
    says which types and which candidate digit model."""
    folders = []
    for name, forms in (("hand-calib300-77", 2), ("phone-calib-79", 1)):
        style = tmp_path / name / name.rsplit("-", 1)[0]
        style.mkdir(parents=True)
        for i in range(forms):
            (style / f"{i}.png").write_bytes(b"")
            (style / f"{i}.truth.json").write_text("{}", encoding="utf-8")
        folders.append(tmp_path / name)
    made_by = _made_by(folders, ("date", "percent", "code"), Path("/x/cand.npz"))
    assert "hand-calib300-77: 2 forms" in made_by and "phone-calib-79: 1 forms" in made_by
    assert "--digits cand.npz" in made_by and "--types" not in made_by
    assert "--types single" in _made_by(folders, ("single",), None)
