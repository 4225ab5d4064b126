"""Every folder the desktop app writes to, in one place, with a switch that moves them all under one root."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

APP_NAME = "billing-manager"


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    cache_dir: Path
    data_dir: Path
    downloads_dir: Path

    @classmethod
    def default(cls) -> Paths:
        import platformdirs   # only the owner's real folders need it; tests and --demo never do
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            downloads_dir=Path(platformdirs.user_downloads_dir()),
        )

    @classmethod
    def under(cls, root: Path) -> Paths:
        """Everything below one folder: for tests and `--demo`, which must not touch the owner's real files."""
        root = Path(root)
        return cls(
            config_dir=root / "config",
            cache_dir=root / "cache",
            data_dir=root / "data",
            downloads_dir=root / "downloads",
        )
