"""The installable app: the desktop entry and URL scheme, and (BILLING_PACKAGE_TEST=1) the built folder itself.

The build takes a minute of both cores, so it runs only when asked:
    BILLING_PACKAGE_TEST=1 ./dev test tests/test_package_build.py
It builds with packaging/billing-manager.spec, then starts the result the way a new owner would: no
Python on PATH, an empty home, no billing server configured.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.distributions import bridge_only_modules

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"
INSTALL_SCRIPT = ROOT / "packaging" / "linux" / "install-desktop-entry.sh"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str   # keys are case-sensitive in a desktop entry
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_the_desktop_entry_opens_billing_manager_links() -> None:
    entry = desktop_entry(RESOURCES / "billing-manager.desktop")
    assert entry["MimeType"].split(";")[:1] == ["x-scheme-handler/billing-manager"]
    assert entry["Exec"].split()[-1] == "%u"            # the link reaches the app as its argument
    assert entry["Icon"] == "billing-manager" and entry["Type"] == "Application"


def fake_build(folder: Path) -> Path:
    resources = folder / "_internal" / "desktop_app" / "resources"
    resources.mkdir(parents=True)
    for name in ("billing-manager.desktop", "app.svg"):
        shutil.copy2(RESOURCES / name, resources / name)
    shutil.copy2(INSTALL_SCRIPT, folder / INSTALL_SCRIPT.name)
    exe = folder / "billing-manager"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    return folder / INSTALL_SCRIPT.name


def test_the_install_script_adds_the_menu_entry_and_link_handler_for_the_user(tmp_path: Path) -> None:
    script = fake_build(tmp_path / 'Apps/Billing "Manager" $1')
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "opens billing-manager:// links" in done.stdout
    installed = tmp_path / "data" / "applications" / "billing-manager.desktop"
    entry = desktop_entry(installed)
    # quoted, with ", ` and $ escaped as the Desktop Entry spec asks (\\ in the file is one backslash)
    folder = str(script.parent).replace('"', '\\\\"').replace("$", "\\\\$")
    assert entry["Exec"] == f'"{folder}/billing-manager" %u'
    assert entry["MimeType"] == "x-scheme-handler/billing-manager;"
    assert (tmp_path / "data" / "icons" / "hicolor" / "scalable" / "apps" / "billing-manager.svg").read_bytes() == \
        (RESOURCES / "app.svg").read_bytes()
    removed = subprocess.run([str(script), "--remove"], env=env, capture_output=True, text=True, timeout=30)
    assert removed.returncode == 0 and not installed.exists()


def test_the_install_script_refuses_a_folder_without_the_app(tmp_path: Path) -> None:
    script = fake_build(tmp_path / "built")
    (tmp_path / "built" / "billing-manager").unlink()
    done = subprocess.run([str(script)], env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 1 and "no billing-manager beside this script" in done.stderr


def test_windows_registers_the_url_protocol_with_the_link_as_argument() -> None:
    iss = (ROOT / "packaging" / "windows" / "billing-manager.iss").read_text()
    assert 'Subkey: "Software\\Classes\\billing-manager"; ValueType: string; ValueName: "URL Protocol"' in iss
    assert 'ValueData: """{app}\\billing-manager.exe"" -- ""%1"""' in iss
    reg = (ROOT / "packaging" / "windows" / "url-protocol.reg.template").read_text()
    assert '@="\\"INSTALL_DIR\\\\billing-manager.exe\\" -- \\"%1\\""' in reg


def test_after_two_dashes_a_link_can_smuggle_in_no_option() -> None:
    """Windows starts `billing-manager.exe -- "%1"`: a link that breaks out of its quotes adds arguments,
    which are then refused instead of read as options such as --paths-root."""
    from desktop_app.app import parse_args

    link = "billing-manager://connect?bridge=https://billing.example.com"
    assert parse_args(["--", link]).link == link
    with pytest.raises(SystemExit) as refused:
        parse_args(["--", "billing-manager://x", "--paths-root", "C:/elsewhere"])
    assert refused.value.code == 2


# ----- the real build (BILLING_PACKAGE_TEST=1)

needs_build = pytest.mark.skipif(os.environ.get("BILLING_PACKAGE_TEST") != "1",
                                 reason="the PyInstaller build takes a minute: BILLING_PACKAGE_TEST=1 runs it")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """dist/billing-manager, built from the spec into a temporary folder."""
    out = tmp_path_factory.mktemp("package")
    done = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                           "--distpath", str(out / "dist"), "--workpath", str(out / "work"),
                           str(ROOT / "packaging" / "billing-manager.spec")],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    yield out / "dist" / "billing-manager"


def run_built(folder: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """As on a machine without Python: a bare environment, nothing on PATH but the system's tools."""
    home.mkdir(parents=True, exist_ok=True)
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}
    return subprocess.run([str(folder / "billing-manager"), *args], env=env, cwd=home, capture_output=True,
                          text=True, timeout=120)


@needs_build
def test_the_built_app_shows_its_first_run_window_on_a_new_machine(built: Path, tmp_path: Path) -> None:
    shot = tmp_path / "first-run.png"
    started = time.monotonic()
    done = run_built(built, tmp_path / "home", "--self-test", "--screenshot", str(shot))
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "self-test: sign-in shown; billing server: none"
    from PySide6.QtGui import QImage
    image = QImage(str(shot))
    assert not image.isNull() and image.width() > 200
    print(f"built app: first-run window in {took:.2f} s")   # shown with -s; the report quotes it


@needs_build
def test_the_built_app_takes_the_operator_default_and_a_link(built: Path, tmp_path: Path) -> None:
    (built / "billing-manager.toml").write_text('bridge = "https://billing.example.com"\n')
    try:
        done = run_built(built, tmp_path / "home", "--self-test")
        assert done.stdout.strip().endswith("billing server: https://billing.example.com"), done.stderr[-2000:]
        done = run_built(built, tmp_path / "home2", "--self-test",
                         "billing-manager://connect?bridge=https://link.example.com")
        assert done.stdout.strip().endswith("billing server: https://link.example.com"), done.stderr[-2000:]
    finally:
        (built / "billing-manager.toml").unlink()


@needs_build
def test_the_built_app_has_a_version_and_no_demo(built: Path, tmp_path: Path) -> None:
    done = run_built(built, tmp_path / "home", "--version")
    assert done.returncode == 0 and done.stdout == f"billing-manager {VERSION}\n"
    demo = run_built(built, tmp_path / "home", "--demo")
    assert demo.returncode == 2 and "unrecognized arguments: --demo" in demo.stderr


@needs_build
def test_the_built_folder_holds_the_desktop_and_none_of_the_bridge(built: Path) -> None:
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(built / "billing-manager"))
    modules = {name.split(".")[0] for name in archive.open_embedded_archive("PYZ.pyz").toc}
    inside = built / "_internal"
    modules |= {p.name.split(".")[0] for p in inside.iterdir() if not p.name.endswith(".dist-info")}
    assert {"desktop_app", "PySide6", "httpx", "keyring", "babel", "msgspec", "pyqtgraph"} <= modules
    assert modules & bridge_only_modules() == set()
    assert list(inside.glob("libpython3*.so*")), "Python itself must ship inside the folder"
    for name in ("app.svg", "style.qss", "billing-manager.desktop", "user-guide.md"):
        assert (inside / "desktop_app" / "resources" / name).is_file(), name
    assert list(inside.glob("pyside6_essentials-*.dist-info")), "About reads the licences from the metadata"
    assert os.access(built / "install-desktop-entry.sh", os.X_OK)


def test_the_windows_and_macos_icons_are_drawn_from_the_app_svg(tmp_path: Path) -> None:
    """packaging/icons.py, which the spec runs on Windows and macOS (in its own process: it makes a QGuiApplication)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "icons.py"), str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "billing-manager.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"   # ICONDIR, type 1: icon
    assert (tmp_path / "billing-manager.icns").read_bytes()[:4] == b"icns"
    from PySide6.QtGui import QImage
    image = QImage(str(tmp_path / "billing-manager.png"))
    assert image.width() == 256 and image.pixelColor(128, 20).name() == "#4f46e5"   # the app's indigo tile
