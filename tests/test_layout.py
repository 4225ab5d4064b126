"""The layering rules of docs/architecture.md, checked on the source so a stray import fails CI.

- desktop_app never imports stripe or server_bridge (the secret stays on the bridge);
- desktop_app/services never imports Qt (services stay testable and reusable);
- only server_bridge/gateway.py imports stripe outside the sandbox (one door to Stripe);
- no import cycle among the modules of server_bridge, stripe_sandbox and desktop_app, counting imports
  inside functions too (a cycle hidden in a function still ties the modules into one knot).
- the desktop's ui/ imports point down: shell -> plan, earnings -> common (My plan and Earnings side by side);
- no test module, conftest or bench imports another test module: shared test code lives in tests/support.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
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


PACKAGES = ("server_bridge", "stripe_sandbox", "desktop_app")


def module_paths(root: Path, packages: Sequence[str]) -> dict[str, Path]:
    """{dotted module name: file} for every module of the packages under `root`."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def runtime_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at module level or in a function or class body, but not
    one under `if TYPE_CHECKING:` (its `else:` runs)."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        else:
            pending.extend(ast.iter_child_nodes(node))


def _ancestors(name: str) -> list[str]:
    """"a.b.c" -> ["a", "a.b"]: the packages Python starts before the module."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the tree that importing `module` runs (itself and its own packages aside: Python has
    started those already, unless it takes a name its package's __init__ defines)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in runtime_imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names, takes_from = [alias.name for alias in node.names], None
        else:
            source = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            submodules = [f"{source}.{alias.name}" for alias in node.names if f"{source}.{alias.name}" in modules]
            names = [source, *submodules]
            takes_from = source if len(submodules) < len(node.names) else None
        for name in names:
            for started in [*_ancestors(name), name]:
                own = module == started or started in _ancestors(module)
                if started in modules and (not own or (started == takes_from and started != module)):
                    found.add(started)
    return found


def import_cycles(root: Path, packages: Sequence[str] = PACKAGES) -> list[list[str]]:
    """The groups of modules that import one another in a circle (Tarjan's strongly connected components)."""
    modules = module_paths(root, packages)
    graph = {module: sorted(imports_of(module, path, modules)) for module, path in modules.items()}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for imported in graph[module]:
            if imported not in order:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], order[imported])
        if low[module] == order[module]:
            group = stack[stack.index(module):]
            del stack[stack.index(module):]
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in graph:
        if module not in order:
            visit(module)
    return cycles


def test_no_import_cycles() -> None:
    assert import_cycles(ROOT) == []


@pytest.mark.parametrize("files, expected", [
    ({"a.py": "from pkg import b\n", "b.py": "from pkg import a\n"}, [["pkg.a", "pkg.b"]]),
    ({"a.py": "import pkg.b\n", "b.py": "def f():\n    from .a import x\n"}, [["pkg.a", "pkg.b"]]),
    ({"a.py": "import pkg.b\n",
      "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import x\n"}, []),
    ({"sub/__init__.py": "from pkg.sub.a import A\n", "sub/a.py": "from pkg.sub import B\n"},
     [["pkg.sub", "pkg.sub.a"]]),
    ({"sub/__init__.py": "from pkg.sub.a import A\n", "sub/a.py": "from pkg.sub import b\n", "sub/b.py": ""}, []),
    ({"a.py": "from pkg.sub.b import x\n", "sub/__init__.py": "from pkg.a import y\n", "sub/b.py": ""},
     [["pkg.a", "pkg.sub"]]),
])
def test_the_checker_sees_import_cycles(tmp_path: Path, files: dict[str, str], expected: list[list[str]]) -> None:
    for name, text in {"__init__.py": "", **files}.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert import_cycles(tmp_path, ["pkg"]) == expected


#: What each part of the desktop's ui/ may import of the others: the shell composes the features, My plan and
#: Earnings stand side by side on the pieces in common/.
UI_MAY_IMPORT = {"shell": {"plan", "earnings", "common"}, "plan": {"common"}, "earnings": {"common"}, "common": set()}


def ui_layer_breaches(root: Path) -> list[str]:
    """`desktop_app.ui.<part>` modules importing a part of ui/ that UI_MAY_IMPORT does not allow them."""
    modules = module_paths(root, ["desktop_app"])
    breaches = set()
    for module, path in modules.items():
        parts = module.split(".")
        if parts[:2] != ["desktop_app", "ui"] or len(parts) < 4:
            continue
        for imported in imports_of(module, path, modules):
            target = imported.split(".")
            if (target[:2] == ["desktop_app", "ui"] and len(target) > 2 and target[2] != parts[2]
                    and target[2] not in UI_MAY_IMPORT.get(parts[2], set())):
                breaches.add(f"{module} imports ui/{target[2]}")
    return sorted(breaches)


def test_ui_imports_point_down() -> None:
    assert ui_layer_breaches(ROOT) == []


@pytest.mark.parametrize("importer, source, expected", [
    ("plan/overview.py", "from ..shell import theme\n", 1),
    ("common/widgets.py", "from desktop_app.ui.plan import overview\n", 1),
    ("earnings/page.py", "from ..plan.overview import X\n", 1),
    ("shell/main_window.py", "from ..plan.overview import X\nfrom ..common import widgets\n", 0),
    ("plan/overview.py", "from ..common import widgets\n", 0),
])
def test_the_checker_sees_ui_layers(tmp_path: Path, importer: str, source: str, expected: int) -> None:
    files = {"plan/overview.py": "", "shell/theme.py": "", "shell/main_window.py": "", "common/widgets.py": "",
             "earnings/page.py": "", importer: source}
    packages = {f"ui/{name.split('/')[0]}/__init__.py": "" for name in files}
    tree = {"__init__.py": "", "ui/__init__.py": "", **packages, **{f"ui/{name}": s for name, s in files.items()}}
    for name, text in tree.items():
        path = tmp_path / "desktop_app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert len(ui_layer_breaches(tmp_path)) == expected


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
