"""Which installed distributions (and so top-level modules) the `bridge` extra brings that the desktop does not."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement


def _project() -> dict:
    return tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _closure(requirements: list[str]) -> set[str]:
    """The installed distributions these requirements pull in, transitively (normalised names)."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for text in dist.requires or []:
            sub = Requirement(text)
            extras = requirement.extras or {""}
            if sub.marker is None or any(sub.marker.evaluate({"extra": extra}) for extra in extras):
                todo.append(sub)
    return seen


def _modules_of(distributions: set[str]) -> set[str]:
    by_dist: dict[str, set[str]] = {}
    for module, dists in metadata.packages_distributions().items():
        for dist in dists:
            by_dist.setdefault(re.sub(r"[-_.]+", "-", dist).lower(), set()).add(module)
    return {m for d in distributions for m in by_dist.get(d, ()) if not m.startswith("_")}


def bridge_only_modules() -> set[str]:
    project = _project()
    desktop = _closure(project["dependencies"])
    bridge = _closure(project["optional-dependencies"]["bridge"])
    return (_modules_of(bridge - desktop) - _modules_of(desktop)) | {"server_bridge"}
