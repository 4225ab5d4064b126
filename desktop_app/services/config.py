"""The owner's settings: which bridge, which email, this device's name, theme, download folder."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ._atomic import write_atomic
from .paths import Paths

log = logging.getLogger(__name__)
FILE_NAME = "config.json"


def _hostname() -> str:
    """uname where there is one: every start builds a Config, and importing socket would slow it."""
    if hasattr(os, "uname"):
        name = os.uname().nodename
    else:
        import socket
        name = socket.gethostname()
    return (name or "desktop")[:100]


@dataclass
class Config:
    bridge_url: str = ""
    email: str = ""
    device: str = field(default_factory=_hostname)
    theme: str = "system"
    download_dir: str = ""
    # "browser": sign in on the bridge's page in the system browser (the default); "password": the
    # app's own email and password form as well (the demo; an operator may ship it in the config file).
    sign_in: str = "browser"

    @property
    def password_sign_in(self) -> bool:
        return self.sign_in == "password"

    @classmethod
    def load(cls, paths: Paths) -> Config:
        """A missing, unreadable or malformed file gives the defaults: settings are never worth a crash."""
        path = Path(paths.config_dir) / FILE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable settings %s: %s", path, exc)
            return cls()
        if not isinstance(data, dict):
            return cls()
        config = cls()
        for f in fields(cls):
            value = data.get(f.name)
            if isinstance(value, str):
                setattr(config, f.name, value)
        return config

    def save(self, paths: Paths) -> None:
        path = Path(paths.config_dir) / FILE_NAME
        write_atomic(path, json.dumps(asdict(self), indent=2).encode("utf-8"))
