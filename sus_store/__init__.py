"""The SUS store: approved records, the consent archive and the rules that need them."""

from __future__ import annotations
