"""What the About box and --version say: the app's version and the licences of what it ships with.

Read from the installed distributions' metadata (importlib.metadata), which the built app carries
too (packaging/billing-manager.spec copies it), so the list is what is really inside.
"""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass
from importlib import metadata

APP_DISTRIBUTION = "billing-manager"
UNKNOWN = "unknown"
_LICENSE_CLASSIFIER = re.compile(r"^License :: (?:OSI Approved :: )?(.+)$")


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str
    main: bool = True   # the app, Python, Qt and what the app asks for itself; False: what those bring


def app_version() -> str:
    try:
        return metadata.version(APP_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN


def licence_of(dist: metadata.Distribution) -> str:
    """SPDX expression when declared, else a short License field, else the classifier, else "not stated"."""
    meta = dist.metadata
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 80:
        return text
    for classifier in meta.get_all("Classifier") or []:
        found = _LICENSE_CLASSIFIER.match(classifier)
        if found:
            return found.group(1)
    return "not stated"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(dist: metadata.Distribution) -> list[str]:
    """The names a distribution needs on this machine, leaving out extras and other platforms' needs."""
    from packaging.requirements import InvalidRequirement, Requirement  # noqa: PLC0415

    names = []
    for text in dist.requires or []:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.append(requirement.name)
    return names


def components() -> list[Component]:
    """The app, Python, Qt and every distribution the app depends on (not the bridge's extra), by name."""
    found: dict[str, Component] = {}
    app = _distribution(APP_DISTRIBUTION)
    direct = {_normal(n) for n in _requirement_names(app)} if app is not None else set()
    todo = sorted(direct)
    while todo:
        name = _normal(todo.pop())
        if name in found:
            continue
        dist = _distribution(name)
        if dist is None:
            continue
        found[name] = Component(dist.metadata["Name"] or name, dist.version, licence_of(dist), name in direct)
        todo.extend(_requirement_names(dist))
    head = [Component("Billing Manager", app_version(), licence_of(app) if app is not None else "not stated"),
            Component("Python", platform.python_version(), "PSF-2.0")]
    qt = qt_version()
    if qt:
        head.append(Component("Qt", qt, "LGPL-3.0-only"))
    return head + sorted(found.values(), key=lambda c: (not c.main, c.name.lower()))


def qt_version() -> str:
    """Qt's own version, from the PySide6 wheel's metadata (PySide6 versions follow Qt's)."""
    for name in ("pyside6-essentials", "pyside6"):
        dist = _distribution(name)
        if dist is not None:
            return dist.version
    return ""


def _distribution(name: str) -> metadata.Distribution | None:
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
