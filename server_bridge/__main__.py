"""`python -m server_bridge` is `billing-bridge`."""

from server_bridge.cli import main

raise SystemExit(main())
