"""Speed tiers: the default run (``scripts/test.sh``) covers every behaviour once; the
rest of a generator-heavy matrix is marked ``slow`` and runs in CI (``CI=true``) and
with ``scripts/test.sh -m slow``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest


def slow_beyond(values: Iterable[Any], keep: int = 1) -> list[Any]:
    """``values`` as parameters: the first ``keep`` run by default, the others are slow."""
    params = []
    for index, value in enumerate(values):
        if index < keep:
            params.append(value)
        else:
            args = value if isinstance(value, tuple) else (value,)
            params.append(pytest.param(*args, marks=pytest.mark.slow))
    return params
