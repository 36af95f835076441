"""What goes to review, per field and per reason, and whether it was read right.

    .venv/bin/python scripts/review_breakdown.py eval FOLDER [--save rows.json]
    .venv/bin/python scripts/review_breakdown.py service [--style S ...] [--count 30]
        [--seed 2026] [--save rows.json]
    .venv/bin/python scripts/review_breakdown.py show rows.json

``eval`` reads FOLDER as ``sus-intake eval`` does; ``service`` uploads batches as
``sus-intake eval-service`` does and fetches each document back through the API. Each
field becomes a row (style, form, field, type, right, reviewed, reason, confidence);
the table counts per field: fields, reviewed, reviewed though right ("needless"),
silent errors, and the reasons of the reviewed ones. An analysis aid, not a test.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any


def _reason(text: str | None) -> str:
    """A problem or message without the values in it (so alike reasons count together)."""
    if not text:
        return "?"
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"\d[\d\-]*", "#", text)
    return text[:90]


def eval_rows(folder: Path) -> list[dict[str, Any]]:
    from intake.evaluate import expected_forms, find_scans, same_value
    from intake.settings import Settings

    rows = []
    for scan, expected, doc, types in expected_forms(find_scans(folder), Settings()):
        for name, truth in expected["fields"].items():
            if doc is None or doc.form != expected["form"]:
                rows.append(_row(scan.parent.name, expected["form"], name, types[name],
                                 False, True, "form wrong", 0.0, truth, None))
                continue
            got = doc.fields[name]
            reviewed = name in doc.needs_review
            rule = [i.code for i in doc.issues if i.severity == "error" and name in i.fields]
            reason = (_reason(doc.problems.get(name)) if name in doc.problems
                      else f"rule {rule[0]}" if rule else "below line")
            rows.append(_row(scan.parent.name, expected["form"], name, types[name],
                             same_value(got.value, truth), reviewed,
                             reason if reviewed else "", got.confidence, truth, got.value))
    return rows


def service_rows(styles: tuple[str, ...], count: int, seed: int) -> list[dict[str, Any]]:
    import tempfile

    from intake.evaluate import same_value, truth_path
    from intake.training.service_eval import (
        logged_in,
        make_batches,
        make_store,
        service_settings,
    )

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="breakdown-") as folder:
        settings = service_settings(Path(folder) / "data")
        uploader = make_store(settings, seed=seed, participants=150)
        batches = make_batches(uploader, Path(folder) / "forms", styles=styles, count=count,
                               seed=seed)
        with logged_in(settings, uploader) as api:
            ids = {s: api.upload(p, forbund_id=uploader.forbund_id) for s, p in batches.items()}
            for style, paths in batches.items():
                batch = api.wait(ids[style], timeout_seconds=3600)
                uploads = {u["filename"]: u for u in batch["uploads"]}
                for path in paths:
                    docs = [api.document(d["id"]) for d in batch["documents"]
                            if d["upload_id"] == uploads[path.name]["id"]]
                    by_page = {p: d for d in docs for p in d["pages"]}
                    for expected in json.loads(truth_path(path).read_text()):
                        found = by_page.get(expected["pages"][0])
                        shown = ({f["name"]: f for f in found["fields"]}
                                 if found and found["form"] == expected["form"] else {})
                        for name, truth in expected["fields"].items():
                            got = shown.get(name)
                            if got is None:
                                rows.append(_row(style, expected["form"], name, "?", False,
                                                 True, "form wrong", 0.0, truth, None))
                                continue
                            reason = ("; ".join(_reason(m) for m in got["messages"])
                                      or "below line") if got["flagged"] else ""
                            if got.get("known_from"):
                                reason = f"[{got['known_from']}] {reason}"
                            rows.append(_row(style, expected["form"], name, got["type"],
                                             same_value(got["value"], truth), got["flagged"],
                                             reason, got["confidence"], truth, got["value"],
                                             read_as=got.get("read_as")))
    return rows


def _row(style: str, form: str, name: str, kind: str, right: bool, reviewed: bool,
         reason: str, confidence: float, truth: Any, value: Any, **extra: Any) -> dict[str, Any]:
    return {"style": style, "form": form, "field": name, "type": kind, "right": right,
            "reviewed": reviewed, "reason": reason, "confidence": round(confidence, 3),
            "truth": truth, "value": value, **extra}


def show(rows: list[dict[str, Any]], *, reasons: int = 3) -> str:
    lines = []
    for style in sorted({r["style"] for r in rows}):
        mine = [r for r in rows if r["style"] == style]
        n, rev = len(mine), sum(r["reviewed"] for r in mine)
        silent = sum(not r["right"] and not r["reviewed"] for r in mine)
        lines.append(f"\n== {style}: {n} fields, review {100 * rev / n:.2f} %, "
                     f"silent {100 * silent / n:.2f} %, needless "
                     f"{sum(r['reviewed'] and r['right'] for r in mine)}")
        lines.append(f"{'field':28}{'n':>5}{'rev':>5}{'right':>6}{'silent':>7}  reasons")
        by_field: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in mine:
            by_field[f"{r['form']}.{r['field']}"].append(r)
        ranked = sorted(by_field.items(), key=lambda kv: -sum(r["reviewed"] for r in kv[1]))
        for name, group in ranked:
            reviewed = [r for r in group if r["reviewed"]]
            if not reviewed and not any(not r["right"] for r in group):
                continue
            top = Counter((r["reason"], r["right"]) for r in reviewed).most_common(reasons)
            lines.append(
                f"{name:28}{len(group):>5}{len(reviewed):>5}"
                f"{sum(r['right'] for r in reviewed):>6}"
                f"{sum(not r['right'] and not r['reviewed'] for r in group):>7}  "
                + " | ".join(f"{c}x {'R' if ok else 'W'} {why}" for (why, ok), c in top))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("eval", "service", "show"))
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--style", action="append", dest="styles")
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--save", type=Path)
    args = parser.parse_args(argv)
    if args.mode == "show":
        rows = json.loads(args.path.read_text())
    elif args.mode == "eval":
        rows = eval_rows(args.path)
    else:
        styles = tuple(args.styles or ("hand-real300", "fax-real200", "typed-office300"))
        rows = service_rows(styles, args.count, args.seed)
    if args.save:
        args.save.write_text(json.dumps(rows, ensure_ascii=False, default=str, indent=0))
    print(show(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
