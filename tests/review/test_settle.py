"""A started web process is settled (``intake.review.settle``): its templates compiled
and form layouts computed before the first request, and what it holds frozen out of
the garbage collector's full walks (~90 ms each, paid by some reviewer's request)."""

from __future__ import annotations

import gc
from pathlib import Path

from intake.forms import FORM_IDS, form_layout
from intake.review.templating import templates
from tests.review.conftest import service_client


def test_a_started_service_holds_its_objects_out_of_the_collectors_walks(
        tmp_path: Path) -> None:
    """GIVEN the service started WHEN no request has come yet THEN what it holds is
    frozen (a full collection walks only what came after), and given back to the
    collector once the service stops."""
    with service_client(tmp_path):
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0


def test_the_first_reviewer_finds_every_page_compiled_and_every_form_laid_out(
        tmp_path: Path) -> None:
    """GIVEN the service started, the templates' and layouts' caches emptied first
    WHEN no page has been asked for yet
    THEN every page template is compiled and every built-in form laid out already."""
    templates.env.cache.clear()  # type: ignore[union-attr]
    form_layout.cache_clear()
    with service_client(tmp_path):
        compiled = {template.name for template in templates.env.cache.values()}  # type: ignore[union-attr]
        assert set(templates.env.list_templates(extensions=["html"])) <= compiled
        assert form_layout.cache_info().currsize == len(FORM_IDS)
