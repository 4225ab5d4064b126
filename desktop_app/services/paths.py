"""Every folder the desktop app writes to, in one place, with a switch that moves them all under one root;
and the one it reads its own assets from (resources_dir)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

APP_NAME = "billing-manager"
OPERATOR_FILE = "billing-manager.toml"   # an operator's defaults, shipped beside the executable


def install_dir() -> Path:
    """The folder the app runs from: beside the executable of a built app (PyInstaller sets sys.frozen),
    beside the `billing-manager` script of a pip install."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    script = sys.argv[0] if sys.argv and sys.argv[0] not in ("", "-c") else ""
    return Path(script).resolve().parent if script else Path.cwd()


def resources_dir() -> Path:
    """The icons, style sheet, desktop entry and user guide (the repository's resources/ folder).

    Installed (the wheel, setup.py maps it to the package desktop_app.resources) and built (the PyInstaller
    spec) they sit inside the package; in a source checkout, at the repository's top beside it."""
    package = Path(__file__).resolve().parents[1]
    inside = package / "resources"
    return inside if inside.is_dir() else package.parent / "resources"


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    cache_dir: Path
    data_dir: Path
    downloads_dir: Path
    install_dir: Path | None = None   # where the operator's file is looked for; None: nowhere

    @property
    def operator_file(self) -> Path | None:
        return None if self.install_dir is None else self.install_dir / OPERATOR_FILE

    @classmethod
    def default(cls) -> Paths:
        import platformdirs  # only the owner's real folders need it; tests never do
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            downloads_dir=user_downloads_dir(),
            install_dir=install_dir(),
        )

    @classmethod
    def demo(cls, root: Path) -> Paths:
        """`--demo`: settings, cache and data under root (thrown away at exit), but what the owner saves
        goes to their real Downloads folder, where they will look for it after the demo."""
        return replace(cls.under(root), downloads_dir=user_downloads_dir())

    @classmethod
    def under(cls, root: Path) -> Paths:
        """Everything below one folder: for tests and `--demo`, which must not touch the owner's real files."""
        root = Path(root)
        return cls(
            config_dir=root / "config",
            cache_dir=root / "cache",
            data_dir=root / "data",
            downloads_dir=root / "downloads",
            install_dir=root / "app",
        )


def user_downloads_dir() -> Path:
    """The owner's Downloads folder: XDG_DOWNLOAD_DIR (user-dirs.dirs) on Linux, the known folder on
    Windows and macOS, ~/Downloads when the system names none."""
    import platformdirs
    return Path(platformdirs.user_downloads_dir())
