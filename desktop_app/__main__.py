"""`python -m desktop_app` runs the app."""

import sys

from .app import main

sys.exit(main())
