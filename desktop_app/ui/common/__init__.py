"""Pieces every page uses: the worker, shared widgets, the paged table model, errors shown to the owner, the waiting banner, hosted-page flows."""
