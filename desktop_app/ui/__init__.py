"""The desktop app's Qt layer: windows, pages, dialogs, models, the worker helper."""
