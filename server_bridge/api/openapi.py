"""The bridge's OpenAPI document: what /openapi.json serves, and docs/openapi.json keeps in the repository.

    ./dev openapi      (python -m server_bridge.api.openapi docs/openapi.json) rewrites the committed copy;
                       tests/bridge/test_openapi.py fails when it differs from the app.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI


def document(app: FastAPI | None = None) -> dict[str, Any]:
    """The app's OpenAPI document; without an app, that of a bridge with default settings."""
    if app is not None:
        return app.openapi()
    from server_bridge.app import create_app
    from server_bridge.settings import Settings

    with tempfile.TemporaryDirectory(prefix="bridge-openapi-") as tmp:
        return create_app(Settings(database_url="sqlite://", data_dir=Path(tmp), stripe_secret_key=None)).openapi()


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0] if args else "docs/openapi.json")
    target.write_text(render(document()), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
