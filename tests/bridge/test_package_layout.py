"""The bridge's layout as docs/architecture.md draws it, checked on the source.

- at the top only the app factory, the CLI, settings, the gateway and the sandbox stack; the rest in
  packages whose __init__ says what they hold;
- api is the top layer: the packages below it import only its error envelope and answer schemas;
- db imports nothing of the bridge but settings.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BRIDGE = Path(__file__).resolve().parents[2] / "server_bridge"
TOP_MODULES = {"__init__", "__main__", "app", "cli", "settings", "gateway", "stack"}
BELOW_API = ("auth", "billing", "connect", "mirror", "edge", "db")
SHARED_FROM_API = {"server_bridge.api.errors", "server_bridge.api.schemas"}


def bridge_imports(path: Path) -> set[str]:
    """The server_bridge modules a file imports, at its top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{alias.name}" if node.module in ("server_bridge", "server_bridge.api")
                         else node.module for alias in node.names)
    return {name for name in names if name.split(".")[0] == "server_bridge"}


def test_the_top_holds_only_the_app_factory_cli_settings_gateway_and_stack() -> None:
    assert {p.stem for p in BRIDGE.glob("*.py")} == TOP_MODULES


def test_every_package_says_what_it_holds() -> None:
    packages = [p for p in BRIDGE.rglob("__init__.py") if p.parent != BRIDGE]
    assert len(packages) >= 10
    silent = [str(p.relative_to(BRIDGE)) for p in packages if not ast.get_docstring(ast.parse(p.read_text()))]
    assert silent == []


@pytest.mark.parametrize("package", BELOW_API)
def test_packages_below_the_api_import_only_its_errors_and_schemas(package: str) -> None:
    reaching_up = {str(p.relative_to(BRIDGE)): sorted(found) for p in (BRIDGE / package).rglob("*.py")
                   if (found := {m for m in bridge_imports(p)
                                 if m.startswith("server_bridge.api") and m not in SHARED_FROM_API
                                 or m.split(".")[1:2] in (["app"], ["cli"], ["stack"])})}
    assert reaching_up == {}


def test_the_database_package_imports_only_settings() -> None:
    outside = {str(p.relative_to(BRIDGE)): sorted(found) for p in (BRIDGE / "db").rglob("*.py")
               if (found := {m for m in bridge_imports(p)
                             if not m.startswith(("server_bridge.db", "server_bridge.settings"))})}
    assert outside == {}
