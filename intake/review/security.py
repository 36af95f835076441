"""Passwords (argon2id), CSRF tokens and the key that signs sessions. The only place
argon2 is used."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import stat
import tempfile
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from intake.errors import ConfigurationError
from intake.settings import Settings, weak_secret

log = logging.getLogger(__name__)

#: The development key's file in ``data_dir``, readable by its owner only.
KEY_FILE = "secret_key"

_HASHER = PasswordHasher()

#: Verified against when the user is unknown, so a login takes as long either way.
_DUMMY_HASH = _HASHER.hash("not a password anyone has")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Lösenordet måste ha minst {MIN_PASSWORD_LENGTH} tecken.")
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; the same work is done for an unknown user."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected and given) and hmac.compare_digest(str(expected), str(given))


def session_secret(settings: Settings) -> str:
    """The key that signs session cookies: ``SUS_SECRET_KEY``; in development without one,
    a random key kept beside the data (``DATA_DIR/secret_key``, mode 0600), made on the
    first start. Production without a key does not start. No message shows a key."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if settings.environment != "development":
        raise ConfigurationError(
            "SUS_SECRET_KEY måste sättas när SUS_ENVIRONMENT=production: minst 32"
            " slumpmässiga tecken, t.ex. från python3 -c 'import secrets;"
            " print(secrets.token_urlsafe(32))'. Tjänsten startar inte utan.")
    return _kept_key(settings.data_dir / KEY_FILE)


def _kept_key(path: Path) -> str:
    """The key in ``path``, made there first if missing. Made in a private temporary file
    and linked into place, so two processes starting at once agree on one key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")
        try:
            with os.fdopen(handle, "w") as out:
                out.write(secrets.token_urlsafe(48))
            Path(temporary).chmod(0o600)
            Path(path).hardlink_to(temporary)
            log.info("made a new session key in %s (development)", path)
        except FileExistsError:
            pass  # another process made it meanwhile: use theirs
        finally:
            Path(temporary).unlink()
    return _read_key(path)


def _read_key(path: Path) -> str:
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise ConfigurationError(
            f"{path} kan läsas av andra än ägaren: kör chmod 600 {path}, eller ta bort"
            " filen (alla får då logga in igen) och starta om.")
    key = path.read_text(encoding="utf-8").strip()
    if weak_secret(key):
        raise ConfigurationError(f"{path} är inte en giltig nyckel: ta bort filen (alla får"
                                 " då logga in igen) och starta om.")
    return key
