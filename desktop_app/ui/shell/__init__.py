"""The shell around the pages: the main window, sign-in, links, tray, theme, help and about."""
