"""The one Settings object. Steps receive it; they never read the environment."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration, from ``SUS_*`` environment variables or keyword arguments."""

    model_config = SettingsConfigDict(env_prefix="SUS_", frozen=True)

    data_dir: Path = Path("var")
    tesseract_cmd: str = "tesseract"
    tesseract_lang: str = "swe"
    render_dpi: int = 200
    workers: int = 2
    review_below: float = 0.9  # fields read with less confidence go to review
    today: date | None = None  # the date rules are checked against; None = today
    database_url: str | None = None  # the SUS store; None = SQLite file in data_dir
    archive_dir: Path | None = None  # the consent archive; None = data_dir/archive

    def store_url(self) -> str:
        """The SUS store's database URL: ``database_url``, else ``data_dir/sus.db``."""
        return self.database_url or f"sqlite:///{self.data_dir / 'sus.db'}"

    def consent_archive_dir(self) -> Path:
        return self.archive_dir or self.data_dir / "archive"

    def current_day(self) -> date:
        return self.today or date.today()
