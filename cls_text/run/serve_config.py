"""What ``cls-text serve`` runs: the cron schedule of each survey programme and the watcher.

Validated from YAML (unknown keys are errors); see docs/operations.md for every key.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cls_text.errors import ConfigError


# -- configuration ----------------------------------------------------------------------------
class Programme(BaseModel):
    """One survey programme run on a cron schedule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="deployment name (kebab-case)")
    cron: str = Field(description="cron expression, e.g. '0 6 * * 1'")
    timezone: str = "Europe/London"
    inputs: list[str] = Field(min_length=1, description="export files or folders")
    wave: str | None = None
    config: str | None = None
    codebook: str | None = None
    out_dir: str | None = None
    topics: bool = True
    report: bool = True
    store_dir: str | None = "data/store"


class WatchSettings(BaseModel):
    """The incoming-folder watcher."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    incoming: str = Field(description="folder where new waves (files or folders) land")
    interval_seconds: int = Field(default=60, ge=5)
    settle_seconds: float = Field(default=10.0, ge=0)
    state_dir: str = Field(default="data/watch", description="ledger and lock files")
    out_root: str = "data/processed"
    config: str | None = None
    codebook: str | None = None
    stale_after_s: float = Field(default=6 * 3600, gt=0)
    topics: bool = True
    report: bool = True
    store_dir: str | None = "data/store"


class ServeConfig(BaseModel):
    """What ``cls-text serve`` runs: cron programmes and an optional watcher."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    programmes: list[Programme] = Field(default_factory=list)
    watch: WatchSettings | None = None


def load_serve_config(path: str | Path) -> ServeConfig:
    """Load and validate a serve YAML file.

    Raises:
        ConfigError: naming the file and each bad key.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"Serve config '{p}' does not exist.")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        cfg = ServeConfig.model_validate(data)
    except yaml.YAMLError as err:
        raise ConfigError(f"Serve config '{p}' is not valid YAML: {err}") from None
    except ValidationError as err:
        lines = [f"Serve config '{p}' is not valid:"]
        lines += [f"  - {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors()]
        raise ConfigError("\n".join(lines)) from None
    names = [pr.name for pr in cfg.programmes]
    if len(set(names)) != len(names):
        raise ConfigError(f"Serve config '{p}': programme names must be unique, got {names}.")
    return cfg
