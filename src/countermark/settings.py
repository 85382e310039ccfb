"""Settings, read from environment variables `COUNTERMARK_*` (and an optional `.env`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COUNTERMARK_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means SQLite at <data_dir>/countermark.db. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    data_dir: Path = Field(default=Path("var"), description="Where local state lives (SQLite file, models, uploads)")
    scan_threshold: float = Field(default=0.5, ge=0, le=1, description="Score at or above which a listing is flagged")
    image_match_distance: int = Field(
        default=31, ge=0, le=128, description="PDQ Hamming distance that counts as a match"
    )
    secret_key: str = Field(default="", description="Signs sessions and CSRF tokens; generated into data_dir if empty")
    webhook_allow_http_localhost: bool = Field(
        default=False, description="Accept http://127.0.0.1 webhook endpoints (tests only; otherwise HTTPS is required)"
    )
    enforcement_policy: Path | None = Field(
        default=None, description="JSON file overriding enforcement policy numbers, applied by the CLI, the web "
        "and housekeeping alike; the server reads it at start-up (see docs/enforcement.md)"
    )
    housekeeping_interval_minutes: int = Field(
        default=60, ge=0, description="The server runs the daily enforcement job at start-up and then every so many "
        "minutes (0: never; see docs/enforcement.md)",
    )

    instance_name: str = Field(default="countermark", description="This marketplace's name in the alliance")
    alliance_secret: str = Field(
        default="", description="Secret shared by alliance members; keys the hashes of identifiers (alliance.md)"
    )

    @property
    def media_root(self) -> Path:
        """Where imported listing images and uploaded reference images are stored."""
        return self.data_dir / "media"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'countermark.db').as_posix()}"


def get_settings() -> Settings:
    return Settings()
