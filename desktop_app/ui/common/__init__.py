"""Pieces every page uses: the worker, the theme, shared widgets, the paged table model, the refresh base of
the owner's data, errors shown to the owner, the saved-file notice."""
