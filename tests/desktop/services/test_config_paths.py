from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.services import Config, Paths


def test_paths_under_one_folder(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    for folder in (paths.config_dir, paths.cache_dir, paths.data_dir, paths.downloads_dir):
        assert tmp_path in folder.parents
    assert len({paths.config_dir, paths.cache_dir, paths.data_dir, paths.downloads_dir}) == 4


def test_default_paths_name_the_app() -> None:
    paths = Paths.default()
    assert "billing-manager" in str(paths.config_dir) and "billing-manager" in str(paths.cache_dir)


def test_config_round_trip(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    assert Config.load(paths) == Config()
    config = Config(bridge_url="https://billing.example.com", email="pro@demo.test", device="laptop",
                    theme="dark", download_dir=str(tmp_path / "pdfs"))
    config.save(paths)
    assert Config.load(paths) == config
    assert [p.name for p in paths.config_dir.iterdir()] == ["config.json"]


def test_default_device_is_this_computer() -> None:
    assert Config().device and len(Config().device) <= 100


@pytest.mark.parametrize("content", [b"{broken", b"[1, 2]", b"\xff\xfe", b'{"email": 5, "theme": "dark"}'])
def test_bad_config_gives_defaults(tmp_path: Path, content: bytes) -> None:
    paths = Paths.under(tmp_path)
    paths.config_dir.mkdir(parents=True)
    (paths.config_dir / "config.json").write_bytes(content)
    config = Config.load(paths)
    assert config.email == "" and config.bridge_url == ""
    if b"theme" in content:
        assert config.theme == "dark"


def test_unknown_keys_from_a_newer_version_are_ignored(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path)
    paths.config_dir.mkdir(parents=True)
    (paths.config_dir / "config.json").write_text(json.dumps({"email": "a@b.c", "future": True}))
    assert Config.load(paths).email == "a@b.c"


def test_demo_saves_to_the_owners_downloads_folder_not_a_temporary_one(tmp_path: Path, monkeypatch) -> None:
    """What xdg-user-dirs writes on a Linux desktop in another language is where the owner looks."""
    home, config = tmp_path / "home", tmp_path / "home" / ".config"
    config.mkdir(parents=True)
    (config / "user-dirs.dirs").write_text('XDG_DOWNLOAD_DIR="$HOME/Téléchargements"\n', encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    demo = Paths.demo(tmp_path / "demo-run")
    assert demo.downloads_dir == home / "Téléchargements"
    assert demo.config_dir == tmp_path / "demo-run" / "config"   # the rest is thrown away after the demo
    assert Paths.default().downloads_dir == home / "Téléchargements"
    (config / "user-dirs.dirs").unlink()
    assert Paths.demo(tmp_path / "demo-run").downloads_dir == home / "Downloads"
