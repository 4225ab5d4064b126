"""`pip install billing-manager` is the desktop alone; the bridge comes with the `bridge` extra.

The desktop must run without anything only that extra brings, and say what to install when the
demo (which needs the bridge) is asked for without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
    """resources/ sits at the top of a checkout, where the app finds it; setuptools puts every file of it in the
    wheel as desktop_app/resources, where the installed app finds it (asked without building a wheel)."""
    from desktop_app.services.paths import resources_dir
    from desktop_app.ui.common import theme

    folder = resources_dir()
    assert folder == ROOT / "resources" == theme.RESOURCES and (folder / "style.qss").is_file()
    ask = ("import json; from distutils.core import run_setup\n"
           "build = run_setup('setup.py', stop_after='config').get_command_obj('build_py'); build.ensure_finalized()\n"
           "print(json.dumps({package: [src, files] for package, src, _, files in build.data_files}))")
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", "import setuptools\n" + ask], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    source, shipped = json.loads(done.stdout.splitlines()[-1])["desktop_app.resources"]
    assert source == "resources"
    assert sorted(shipped) == sorted(p.name for p in folder.iterdir() if p.is_file())