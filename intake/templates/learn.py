"""Learn a form's template from a blank (``sus-intake forms learn``).

Read like its table of contents:

1. read the blank's printed matter: words and box frames (:mod:`.printed`);
2. list the widgets the form's definition needs and the text that locates each;
3. a fillable PDF whose widgets carry the contract's names gives their boxes as they
   are; other widgets of a PDF are boxes like the printed frames;
4. match each widget to a box by label and placement (:mod:`.match`);
5. find the form's version in the footer (or take ``--version``);
6. assemble the template and a report of each widget: matched, ambiguous, missing.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intake.errors import InputError
from intake.forms import FORM_IDS, form_layout, load_form
from intake.forms.model import LineOp, Rect, TextOp
from intake.forms.template import (
    Anchor,
    MatchState,
    Source,
    Template,
    TemplatePage,
    TemplateWidget,
)
from intake.load.pdftext import PdfWidget
from intake.sus.codes import VOCABULARIES, label_of
from intake.templates.match import Expected, Outcome, make_runs, match_widgets, normal
from intake.templates.printed import PrintedPage, blank_pages, read_blank

#: a footer such as "FK 9448 (002 F 001)" or "FK 9448 (002.F.001)"
FOOTER = re.compile(r"FK\s*(\d{4})\s*\(\s*([0-9A-Za-z][0-9A-Za-z .\-]*?)\s*\)")
#: a scan whose reading holds fewer of the labels' words than this is read again
#: turned half a turn (it may have been fed in upside down)
UPRIGHT = 0.3
#: the share of a fillable PDF's widget names that must be the contract's to trust them
CONTRACT_NAMES = 0.9
PT_PER_MM = 72 / 25.4


def learn_template(blank: Path, form_id: str, *, version: str | None = None,
                   lang: str = "swe", tesseract_cmd: str = "tesseract") -> Template:
    """The template of form ``form_id`` as printed on ``blank`` (a PDF or an image)."""
    return learn(blank, form_id, version=version, lang=lang, tesseract_cmd=tesseract_cmd)[0]


def learn(blank: Path, form_id: str, *, version: str | None = None,
          lang: str = "swe", tesseract_cmd: str = "tesseract",
          ) -> tuple[Template, list[PrintedPage]]:
    """:func:`learn_template`, also giving the blank's pages as read (their upright
    images are what reading aligns pages of this layout onto). Every page of the blank
    is learned; a widget goes on the page whose box fits it best (page 1 on a tie), and
    a page with no widget is a page of text, kept so that reading recognises it."""
    if not blank.is_file():
        raise InputError(f"{blank.name}: filen finns inte.")
    expected = expected_widgets(form_id)
    pages = _read_pages(blank, expected, lang=lang, tesseract_cmd=tesseract_cmd)
    printed = next(filter(None, map(footer, pages)), None)
    if printed is not None and printed[0] != form_id and printed[0] in FORM_IDS:
        raise InputError(f"{blank.name}: sidfoten säger FK {printed[0]}, inte FK {form_id}."
                         f" Välj rätt blankett (--form {printed[0]}).")
    outcomes = [_page_outcomes(expected, page) for page in pages]
    first, *later = pages
    template = Template(
        form=form_id,
        version=version or (printed[1] if printed and printed[0] == form_id else None)
        or load_form(form_id).version,
        widgets=tuple(_widget(e, outcomes, pages) for e in expected),
        **_printed_matter(first),
        more_pages=tuple(TemplatePage(number=number, **_printed_matter(page))
                         for number, page in enumerate(later, start=2)),
        source=Source(file=blank.name, sha256=hashlib.sha256(blank.read_bytes()).hexdigest(),
                      kind=first.kind,  # type: ignore[arg-type]
                      dpi=first.dpi, deskew_deg=first.deskew_deg,
                      upside_down=first.upside_down),
        learned_at=datetime.now(UTC).replace(microsecond=0),
    )
    return template, pages


def _read_pages(blank: Path, expected: list[Expected], *, lang: str, tesseract_cmd: str,
                ) -> list[PrintedPage]:
    """Every page of the blank as printed matter, up to the first empty one (the back
    of a one-sided sheet); a scan read upside down is read again turned."""
    page = read_blank(blank, lang=lang, tesseract_cmd=tesseract_cmd)
    if page.kind == "scan" and _words_known(page, expected) < UPRIGHT:
        turned = read_blank(blank, lang=lang, tesseract_cmd=tesseract_cmd, half_turn=True)
        if _words_known(turned, expected) > _words_known(page, expected):
            page = turned
    if not page.words and not page.frames:
        raise InputError(f"{blank.name}: sidan är tom — ingen text och inga rutor hittades.")
    pages = [page]
    for number in range(2, blank_pages(blank) + 1):
        later = read_blank(blank, lang=lang, tesseract_cmd=tesseract_cmd,
                           half_turn=page.upside_down, number=number)
        if not later.words and not later.frames:
            break
        pages.append(later)
    return pages


def _page_outcomes(expected: list[Expected], page: PrintedPage) -> dict[str, Outcome]:
    """Each widget's outcome on one page: by a fillable PDF's contract names, else by
    label and placement."""
    outcomes = _by_pdf_names(expected, page.widgets)
    if outcomes is None:
        frames = _with_widget_boxes(page.frames, page.widgets)
        outcomes = match_widgets(expected, page.words, frames)
    return outcomes


def _printed_matter(page: PrintedPage) -> dict[str, Any]:
    """A page's size, printed text, boxes and anchors as a template holds them."""
    return {
        "page_width_mm": round(page.width_mm, 2), "page_height_mm": round(page.height_mm, 2),
        "texts": _texts(page), "boxes": tuple(LineOp(rect=_rounded(f)) for f in page.frames),
        "anchors": tuple(Anchor(kind="box", rect=_rounded(f)) for f in page.frames),
    }


#: how good a page's outcome for a widget is: the widget goes on its best page
_RANK = {MatchState.MATCHED: 0, MatchState.AMBIGUOUS: 1, MatchState.MISSING: 2}


def _best_page(name: str, outcomes: list[dict[str, Outcome]]) -> int:
    """The index of the page whose outcome for widget ``name`` is best (first on a tie)."""
    return min(range(len(outcomes)), key=lambda i: (_RANK.get(outcomes[i][name].state, 2), i))


def expected_widgets(form_id: str) -> list[Expected]:
    """Every widget the definition of ``form_id`` needs (CONTRACT §3 names) and the
    printed text that locates it: a box's field label, a tick box's option label."""
    form = load_form(form_id)
    labels = {(f.widget or f.name): f.label for f in form.fields}
    expected = []
    for w in form_layout(form_id).widgets:
        if w.kind == "checkbox":
            f = form.field(w.field)
            option = label_of(VOCABULARIES[f.vocabulary or ""], w.option or "")
            expected.append(Expected(w.name, w.kind, w.field, w.option, option, f.label))
        else:
            expected.append(Expected(w.name, w.kind, w.field, None, labels[w.name]))
    return expected


def _words_known(page: PrintedPage, expected: list[Expected]) -> float:
    """The share of the words of the form's labels that were read on ``page``: near
    nothing when a scan was read upside down."""
    wanted = {word for e in expected for text in (e.label, e.question or "")
              for word in normal(text).split() if len(word) > 3}
    read = {word for w in page.words for word in normal(w.text).split()}
    return len(wanted & read) / len(wanted) if wanted else 1.0


def footer(page: PrintedPage) -> tuple[str, str] | None:
    """The form number and version printed in the footer: "FK 9448 (002 F 001)" gives
    ("9448", "002.F.001")."""
    for run in make_runs(page.words, []):
        found = FOOTER.search(run.text)
        if found:
            return found.group(1), ".".join(re.split(r"[\s.\-]+", found.group(2).strip()))
    return None


def footer_version(page: PrintedPage, form_id: str) -> str | None:
    """The version in the footer, when the footer is form ``form_id``'s."""
    printed = footer(page)
    return printed[1] if printed is not None and printed[0] == form_id else None


def _by_pdf_names(expected: list[Expected], widgets: list[PdfWidget]
                  ) -> dict[str, Outcome] | None:
    """A fillable PDF's boxes as they are when its widgets have the contract's names."""
    names = {w.name: w for w in widgets}
    if not expected or sum(e.name in names for e in expected) < CONTRACT_NAMES * len(expected):
        return None
    return {e.name: Outcome(MatchState.MATCHED, _rounded(names[e.name].rect), "PDF-fält")
            if e.name in names else Outcome(MatchState.MISSING) for e in expected}


def _with_widget_boxes(frames: list[Rect], widgets: list[PdfWidget]) -> list[Rect]:
    """The printed frames, a PDF widget's box taking the place of a frame it covers."""
    boxes = [w.rect for w in widgets if w.name]
    kept = [f for f in frames if not any(_overlap(f, b) > 0.6 for b in boxes)]
    return kept + boxes


def _pdf_names_at(outcomes: dict[str, Outcome], widgets: list[PdfWidget]) -> dict[str, str]:
    names = {}
    for name, outcome in outcomes.items():
        for w in widgets:
            if outcome.rect is not None and _overlap(outcome.rect, w.rect) > 0.6:
                names[name] = w.name
    return names


def _widget(e: Expected, outcomes: list[dict[str, Outcome]], pages: list[PrintedPage],
            ) -> TemplateWidget:
    """Widget ``e`` on the page that fits it best."""
    index = _best_page(e.name, outcomes)
    outcome = outcomes[index][e.name]
    pdf_name = _pdf_names_at({e.name: outcome}, pages[index].widgets).get(e.name)
    return TemplateWidget(
        name=e.name, kind=e.kind, field=e.field, option=e.option,  # type: ignore[arg-type]
        rect=None if outcome.rect is None else _rounded(outcome.rect), page=index + 1,
        state=outcome.state, label=outcome.label, pdf_name=pdf_name,
        candidates=tuple(c.model_copy(update={"rect": _rounded(c.rect)})
                         for c in outcome.candidates),
    )


def _texts(page: PrintedPage) -> tuple[TextOp, ...]:
    """The printed lines, each at its baseline with the size its height suggests."""
    return tuple(
        TextOp(x=round(r.rect.x, 2), y=round(r.rect.bottom, 2), text=r.text,
               size=round(max(4.0, r.rect.h * PT_PER_MM), 1))
        for r in make_runs(page.words, page.frames)
    )


def _overlap(a: Rect, b: Rect) -> float:
    """Intersection over union of two rectangles."""
    w = min(a.right, b.right) - max(a.x, b.x)
    h = min(a.bottom, b.bottom) - max(a.y, b.y)
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (a.w * a.h + b.w * b.h - inter)


def _rounded(rect: Rect) -> Rect:
    return Rect(x=round(rect.x, 2), y=round(rect.y, 2), w=round(rect.w, 2), h=round(rect.h, 2))


# --- the report -------------------------------------------------------------------------


def report_lines(template: Template) -> list[str]:
    """One Swedish line per widget and a summary, as ``forms learn`` prints them."""
    pages = f", {template.page_count} sidor" if template.page_count > 1 else ""
    lines = [f"Blankett FK {template.form}, version {template.version}, lärd från "
             f"{template.source.file} ({_kind_sv(template.source.kind)}{pages})."]
    for w in template.widgets:
        where = "" if w.rect is None else (
            f" x={w.rect.x:.1f} y={w.rect.y:.1f} b={w.rect.w:.1f} h={w.rect.h:.1f} mm")
        by = f" «{w.label}»" if w.label else ""
        side = f" sida {w.page}" if template.page_count > 1 and w.rect is not None else ""
        lines.append(f"  {w.name:<44} {w.state.swedish:<8}{side}{where}{by}")
        if w.state is not MatchState.MATCHED:
            for c in w.candidates:
                lines.append(f"      kandidat x={c.rect.x:.1f} y={c.rect.y:.1f} "
                             f"b={c.rect.w:.1f} h={c.rect.h:.1f} mm, poäng {c.score:.2f}"
                             f" «{c.why}»")
    counts = template.counts()
    total = len(template.widgets)
    share = 100 * counts[MatchState.MATCHED] / total if total else 0.0
    lines.append(f"Hittade {counts[MatchState.MATCHED]} av {total} fält ({share:.1f} %), "
                 f"osäkra {counts[MatchState.AMBIGUOUS]}, saknade {counts[MatchState.MISSING]}.")
    return lines


def _kind_sv(kind: str) -> str:
    return {"pdf-text": "PDF med text", "pdf-widgets": "ifyllbar PDF",
            "scan": "skannad", "builtin": "inbyggd"}.get(kind, kind)
