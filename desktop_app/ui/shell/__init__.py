"""The shell around the pages: the main window, both money flows side by side, sign-in, links, a Stripe page
open in the browser, tray, theme menu, help and about."""
