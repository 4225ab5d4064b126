"""The schema's migrations, one per change, applied in order by revision."""
