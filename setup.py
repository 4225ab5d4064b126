"""Everything else is in pyproject.toml; this adds only what its package discovery cannot say: the assets
at the repository's top (resources/) ship inside the desktop package, as desktop_app.resources."""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["desktop_app*", "server_bridge*", "stripe_sandbox*"]),
              "desktop_app.resources"],
    package_dir={"desktop_app.resources": "resources"},
)
