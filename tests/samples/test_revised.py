"""The revised print of the project's forms (intake.samples.revised): the next version
of a form that differs only in its footer."""

from __future__ import annotations

import pytest

from intake.forms import FORM_IDS, form_layout, load_form
from intake.samples.revised import REVISED_VERSION, revised_layout


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_the_revised_print_differs_from_the_builtin_only_in_the_footers_version(
        form_id: str) -> None:
    """GIVEN a form WHEN drawn as the revised print THEN its boxes and widgets are the
    built-in ones and the one changed line is the footer, naming the next version."""
    builtin, revised = form_layout(form_id), revised_layout(form_id)

    assert (revised.widgets, revised.boxes) == (builtin.widgets, builtin.boxes)
    changed = [(a.text, b.text) for a, b in zip(builtin.texts, revised.texts, strict=True)
               if a != b]
    assert changed == [(load_form(form_id).footer,
                        load_form(form_id).footer.replace(load_form(form_id).version,
                                                          REVISED_VERSION))]
