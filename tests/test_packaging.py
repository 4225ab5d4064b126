"""`pip install billing-manager` is the desktop alone; the bridge comes with the `bridge` extra.

The desktop must run without anything only that extra brings, and say what to install when the
demo (which needs the bridge) is asked for without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.support.distributions import bridge_only_modules

ROOT = Path(__file__).resolve().parents[1]

# Put in front of sys.meta_path in a child interpreter: importing a blocked top-level module fails.
BLOCKER = """
import importlib.abc, sys
BLOCKED = set({blocked!r})
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"blocked: {{name}}", name=name)
        return None
sys.meta_path.insert(0, Blocker())
"""


def run_blocked(code: str, blocked: set[str], timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", BLOCKER.format(blocked=sorted(blocked)) + code],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


def test_the_bridge_extra_holds_the_server_libraries() -> None:
    blocked = bridge_only_modules()
    assert {"fastapi", "uvicorn", "sqlalchemy", "alembic", "stripe", "argon2", "psycopg", "fpdf",
            "sse_starlette", "pydantic_settings", "starlette"} <= blocked
    assert not blocked & {"PySide6", "httpx", "httpx_sse", "keyring", "platformdirs", "babel"}


def test_every_desktop_module_imports_without_the_bridge_libraries() -> None:
    code = """
import importlib, json, pkgutil, traceback
import desktop_app
failed = {}
for info in pkgutil.walk_packages(desktop_app.__path__, "desktop_app."):
    if info.name.endswith("__main__"):
        continue
    try:
        importlib.import_module(info.name)
    except Exception:
        failed[info.name] = traceback.format_exc(limit=-1)
print(json.dumps(failed))
"""
    done = run_blocked(code, bridge_only_modules())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}


def test_the_blocker_does_block() -> None:
    done = run_blocked("import fastapi\n", {"fastapi"})
    assert done.returncode != 0 and "blocked: fastapi" in done.stderr


def test_the_demo_without_the_bridge_extra_says_what_to_install() -> None:
    done = run_blocked("import sys\nfrom desktop_app.app import main\nsys.exit(main(['--demo']))\n",
                       bridge_only_modules())
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == ("billing-manager: The demo runs the billing server, which is not installed: "
                                   "pip install 'billing-manager[bridge]'")


def test_the_demo_needs_only_libraries_of_the_bridge_extra() -> None:
    from desktop_app.services.demo import BRIDGE_MODULES

    assert set(BRIDGE_MODULES) <= bridge_only_modules()


def test_the_icons_and_style_sheet_ship_inside_the_desktop_package() -> None:
    """A wheel carries package data only: the assets must sit in desktop_app and match its globs."""
    from desktop_app.ui.shell import theme

    folder = theme.RESOURCES
    assert folder.is_dir() and folder.parent == ROOT / "desktop_app"
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["desktop_app"]
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert files and all(any(p.relative_to(folder.parent).match(g) for g in globs) for p in files)
