"""The one Settings object: what it refuses before anything starts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from intake.settings import Settings

#: Keys an operator might set that a guesser finds at once.
WEAK_KEYS = [
    " " * 16,  # blanks
    " " * 40,
    "a" * 40,  # one letter repeated
    "0123456789" * 4,  # a short pattern repeated
    "hemligt-kort",  # too short
]


@pytest.mark.parametrize("key", WEAK_KEYS, ids=["16-blanks", "40-blanks", "one-letter",
                                               "pattern", "short"])
def test_a_weak_secret_key_is_refused(key: str) -> None:
    """GIVEN a secret key that is short, blank or one pattern repeated
    WHEN the settings are made THEN they are refused."""
    with pytest.raises(ValidationError):
        Settings(environment="production", secret_key=key)


def test_a_refused_secret_key_is_not_echoed_in_the_message() -> None:
    """GIVEN a weak key WHEN it is refused THEN the message names the setting, not its value
    (the message goes to stderr and logs)."""
    with pytest.raises(ValidationError) as refused:
        Settings(environment="production", secret_key="hemligt-kort")
    assert "hemligt-kort" not in str(refused.value)
    assert "SUS_SECRET_KEY" in str(refused.value)


def test_a_strong_secret_key_is_kept_but_never_shown() -> None:
    """GIVEN a random key WHEN the settings are made THEN it is used, and their repr
    (what a traceback or log line shows) does not contain it."""
    key = "Zq8v3Jm1-xK7pL0aRt5Yb2Nc9We4Hs6Ud"
    settings = Settings(environment="production", secret_key=key)
    assert settings.secret_key is not None
    assert settings.secret_key.get_secret_value() == key
    assert key not in repr(settings) and key not in str(settings)
