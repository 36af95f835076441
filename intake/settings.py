"""The one Settings object. Steps receive it; they never read the environment."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Fields read with less confidence than this go to a person (CONTRACT §2
#: ``needs_review``); ``Settings.review_below`` overrides it. At this default, dates and
#: percents use the lines fitted on calibration forms (``intake/learned/data/
#: review_lines.json``); set otherwise, it holds for every field.
REVIEW_BELOW = 0.9
#: The shortest secret key accepted (``secrets.token_urlsafe(32)`` gives 43 characters).
MIN_SECRET_LENGTH = 32
#: Keys published with the code (earlier versions' development default): never accepted.
PUBLISHED_SECRETS = frozenset({"development-only-secret-do-not-deploy"})


class Settings(BaseSettings):
    """Configuration, from ``SUS_*`` environment variables or keyword arguments."""

    # hide_input_in_errors: a refused value (the secret key) is never echoed in the message
    model_config = SettingsConfigDict(env_prefix="SUS_", frozen=True, hide_input_in_errors=True)

    data_dir: Path = Path("var")
    tesseract_cmd: str = "tesseract"
    tesseract_lang: str = "swe"
    render_dpi: int = 200
    workers: int = 2
    #: how much lower the CPU priority of the service's reading processes is (``nice``)
    #: than the processes serving people
    reader_nice: int = 10
    #: a page job's worker says it is alive this often; one silent for
    #: ``job_stalled_seconds`` is taken for dead and its page jobs run again (PostgreSQL)
    job_heartbeat_seconds: float = Field(default=10.0, gt=0)
    job_stalled_seconds: float = Field(default=30.0, gt=0)
    review_below: float = REVIEW_BELOW  # fields read with less confidence go to review
    today: date | None = None  # the date rules are checked against; None = today
    database_url: str | None = None  # the SUS store; None = SQLite file in data_dir
    archive_dir: Path | None = None  # the consent archive; None = data_dir/archive
    #: the learned form templates (``intake.forms.store``); None = data_dir/templates
    templates_dir: Path | None = None
    environment: Literal["development", "production"] = "development"
    #: signs session cookies; required in production. None in development: a random key
    #: kept in ``data_dir/secret_key`` (``intake.review.security.session_secret``)
    secret_key: SecretStr | None = None
    session_hours: float = 8.0  # a login lasts this long
    # login throttling (intake.review.throttle): failures an account may make before it is
    # locked (an address: four times as many), the first lock, doubled up to the longest
    login_free_failures: int = 5
    login_lock_seconds: int = 30
    login_lock_max_seconds: int = 900
    login_hash_slots: int = 2  # passwords checked at once, per web process
    login_wait_seconds: float = 5.0  # the longest a login waits for a slot before 429
    #: a document claimed by a reviewer is theirs while its page is open: the page renews
    #: the claim every ``claim_renew_seconds``; one not renewed for ``claim_seconds`` lapses
    claim_seconds: int = 90
    claim_renew_seconds: int = 30
    # Limits against hostile or mistaken inputs; each refusal says which one in Swedish.
    max_upload_mb: int = 200  # one uploaded file
    max_request_mb: int = 600  # one upload request, all its files together
    max_files_per_upload: int = 200  # files in one upload request
    max_form_kb: int = 1024  # any other request's body (a form, a JSON object)
    max_pages_per_file: int = 500  # pages of a PDF (frames of a TIFF); more is refused
    #: a PDF page larger than this is drawn at a lower dpi; an image (or an image in a
    #: PDF) larger than this is refused before it is decoded (~ A4 at 1200 dpi)
    max_pixels_per_page: int = 120_000_000
    #: keep the glyphs of digit fields a reviewer confirmed or corrected, as single
    #: labelled digit images, to retrain the digit classifier with
    learn_from_corrections: bool = True
    # The scanner folder (intake.review.scanner): with ``watch_dir`` set, ``serve`` reads
    # the files put in it as uploads by ``watch_user`` (a service user). Subfolders named
    # after a förbund (or "Diariet"), unless the folder is bound to one förbund or Diariet.
    watch_dir: Path | None = None
    watch_user: str = "skanner"
    watch_forbund: str | None = None  # the whole folder is this förbund's (by name)
    watch_diariet: bool = False  # the whole folder is Diariet's
    watch_polling: bool = False  # poll instead of OS events: network shares (SMB, NFS)
    watch_stable_seconds: float = Field(default=2.0, gt=0)  # a file unchanged this long is whole
    watch_interval_seconds: float = Field(default=0.5, gt=0)  # how often the folder is looked at
    #: who may read /metrics: with a token, whoever sends ``Authorization: Bearer TOKEN``
    #: (Prometheus' ``authorization`` setting); without one, only this machine (loopback)
    metrics_token: SecretStr | None = None
    #: answers say where their time went (``Server-Timing``: SQL, lock waits, processor,
    #: waiting for a core, garbage collection; ``intake.review.servertiming``)
    server_timing: bool = False

    @field_validator("secret_key", "metrics_token")
    @classmethod
    def _no_weak_secret(cls, key: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """A key given must be long and random-looking; the message never shows it."""
        if key is not None and weak_secret(key.get_secret_value()):
            raise ValueError(
                f"SUS_{str(info.field_name).upper()} är för svag: minst {MIN_SECRET_LENGTH}"
                " slumpmässiga tecken,"
                " t.ex. från python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
        return key

    def store_url(self) -> str:
        """The SUS store's database URL: ``database_url``, else ``data_dir/sus.db``."""
        return self.database_url or f"sqlite:///{self.data_dir / 'sus.db'}"

    def consent_archive_dir(self) -> Path:
        return self.archive_dir or self.data_dir / "archive"

    def template_dir(self) -> Path:
        """Where learned templates are kept and activated (``intake.forms.store``)."""
        return self.templates_dir or self.data_dir / "templates"

    def corrections_dir(self) -> Path:
        """Where reviewer-confirmed glyphs are kept (``intake.learned.corrections``)."""
        return self.data_dir / "corrections"

    def current_day(self) -> date:
        return self.today or date.today()

    @model_validator(mode="after")
    def _stalled_after_several_heartbeats(self) -> Self:
        if self.job_stalled_seconds <= self.job_heartbeat_seconds:
            raise ValueError("SUS_JOB_STALLED_SECONDS must be longer than"
                             " SUS_JOB_HEARTBEAT_SECONDS")
        return self


def weak_secret(key: str) -> bool:
    """True for a key a guesser finds: published, short, blank-padded, of few distinct
    characters, or one short pattern repeated."""
    core = key.strip()
    if key in PUBLISHED_SECRETS or len(core) < MIN_SECRET_LENGTH or len(set(core)) < 8:
        return True
    return any(core[period:] == core[:-period] for period in range(1, len(core) // 2 + 1))
