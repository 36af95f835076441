"""The list of Sweden's kommuner shipped as data (intake/mapping/data/kommuner.txt)."""

from __future__ import annotations

import unicodedata
from importlib import resources

import pytest

WELL_KNOWN = (
    "Stockholm",
    "Göteborg",
    "Malmö",
    "Uppsala",
    "Östersund",
    "Åre",
    "Älmhult",
    "Överkalix",
    "Upplands-Bro",
    "Upplands Väsby",
    "Malung-Sälen",
    "Dals-Ed",
    "Gotland",
)


def kommuner() -> list[str]:
    text = (resources.files("intake.mapping") / "data" / "kommuner.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def test_file_lists_exactly_290_unique_kommuner() -> None:
    """
    GIVEN the shipped kommun list
    WHEN its entries are read (comments and blank lines skipped)
    THEN there are 290 of them, none repeated
    """
    names = kommuner()

    assert len(names) == 290
    assert len(set(names)) == 290


def test_names_are_nfc_normalised_and_trimmed() -> None:
    """
    GIVEN the shipped kommun list
    WHEN each name is compared with its NFC form
    THEN all are already NFC (å ä ö as single code points) with no stray spaces
    """
    for name in kommuner():
        assert name == unicodedata.normalize("NFC", name)
        assert name == " ".join(name.split())


@pytest.mark.parametrize("name", WELL_KNOWN)
def test_well_known_kommun_is_listed(name: str) -> None:
    """
    GIVEN the shipped kommun list
    WHEN a well-known kommun is looked up by its SCB short name
    THEN it is there, spelt exactly so
    """
    assert name in kommuner()


def test_first_comment_says_what_the_file_is() -> None:
    """
    GIVEN the shipped kommun list
    WHEN its first line is read
    THEN it is a comment naming the content and its source
    """
    text = (resources.files("intake.mapping") / "data" / "kommuner.txt").read_text("utf-8")

    first = text.splitlines()[0]
    assert first.startswith("#") and "290" in first and "SCB" in first
