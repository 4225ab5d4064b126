"""The layering rules of docs/architecture.md, checked on the source so a stray import fails CI.

- desktop_app never imports stripe or server_bridge (the secret stays on the bridge);
- desktop_app/services never imports Qt (services stay testable and reusable);
- only server_bridge/gateway.py imports stripe outside the sandbox (one door to Stripe).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def offenders(files: list[Path], forbidden: set[str]) -> list[str]:
    return [f"{p} imports {sorted(imported_modules(p) & forbidden)}"
            for p in files if imported_modules(p) & forbidden]


def test_desktop_never_imports_stripe_or_the_bridge() -> None:
    assert offenders(sources("desktop_app"), {"stripe", "server_bridge"}) == []


def test_desktop_services_never_import_qt() -> None:
    assert offenders(sources("desktop_app/services"), {"PySide6", "shiboken6"}) == []


def test_only_the_gateway_talks_to_stripe() -> None:
    bridge = [p for p in sources("server_bridge")
              if "sandbox" not in p.relative_to(ROOT).parts and p.name != "gateway.py"]
    assert offenders(bridge, {"stripe"}) == []


@pytest.mark.parametrize("source, forbidden, expected", [
    ("import stripe\n", {"stripe"}, 1),
    ("from PySide6.QtCore import QObject\n", {"PySide6"}, 1),
    ("from . import stripe\n", {"stripe"}, 0),
])
def test_the_checker_sees_imports(tmp_path: Path, source: str, forbidden: set[str], expected: int) -> None:
    path = tmp_path / "m.py"
    path.write_text(source)
    assert len(offenders([path], forbidden)) == expected
