"""The layering rules of docs/architecture.md, checked on the source so a stray import fails CI.

- desktop_app never imports stripe or server_bridge (the secret stays on the bridge);
- desktop_app/services never imports Qt (services stay testable and reusable);
- only server_bridge/gateway.py imports stripe outside the sandbox (one door to Stripe);
- no test module, conftest or bench imports another test module: shared test code lives in tests/support.
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


def dotted_imports(path: Path, root: Path) -> set[str]:
    """The dotted modules `path` (a file under `root`) imports from, relative imports resolved
    (`from tests import support` counts as tests.support)."""
    package = list(path.relative_to(root).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + (node.module.split(".") if node.module else []))
            if module == "tests":
                names.update(f"tests.{alias.name}" for alias in node.names)
            else:
                names.add(module)
    return names


def other_test_modules(files: list[Path], root: Path) -> list[str]:
    """Imports of anything under `tests` but tests.support: test modules and conftests share nothing else."""
    def shared(name: str) -> bool:
        return name == "tests.support" or name.startswith("tests.support.")
    return [f"{p.relative_to(root)} imports {name}" for p in files
            for name in sorted(dotted_imports(p, root)) if name.split(".")[0] == "tests" and not shared(name)]


def test_tests_share_code_only_through_tests_support() -> None:
    assert other_test_modules(sources("tests") + sources("bench"), ROOT) == []


@pytest.mark.parametrize("source, expected", [
    ("from tests.bridge.conftest import Bridge\n", 1),
    ("from .conftest import Bridge\n", 1),
    ("from . import test_loop\n", 1),
    ("import tests.bridge.test_loop\n", 1),
    ("from tests.support.bridges import Bridge\n", 0),
    ("from ..support import waiting\n", 0),
    ("from tests import support\n", 0),
])
def test_the_checker_sees_test_modules_imported(tmp_path: Path, source: str, expected: int) -> None:
    path = tmp_path / "tests" / "bridge" / "test_m.py"
    path.parent.mkdir(parents=True)
    path.write_text(source)
    assert len(other_test_modules([path], tmp_path)) == expected
