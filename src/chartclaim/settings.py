"""The one place for configuration. Every value can be set with a CHARTCLAIM_* environment variable."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parents[2]


def _default_data_dir() -> Path:
    # A per-user directory keeps compiled indexes out of the source tree and survives reinstalls.
    return Path.home() / ".local" / "share" / "chartclaim"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHARTCLAIM_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir, description="Compiled code-set indexes, SQLite database, mailboxes.")
    shared_data: Path = Field(
        default=_REPO_ROOT.parent / "shared" / "data",
        description="Read-only reference/evaluation data used by tests, benchmarks and import examples.",
    )
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default is SQLite in data_dir.")
    secret_key: str = Field(default="dev-only-change-me", description="Signs session cookies and CSRF tokens.")
    rules_dir: Path | None = Field(default=None, description="Extra payer rule files (YAML) for the scrubber.")

    @property
    def codesets_db(self) -> Path:
        return self.data_dir / "codesets.sqlite"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'chartclaim.sqlite'}"

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
