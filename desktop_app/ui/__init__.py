"""The desktop app's Qt layer: windows, pages, dialogs, models, the worker helper."""

from . import _pin_none  # noqa: F401 - must run before the first Qt call drains None
