"""Alembic migrations of the Assure schema, shipped in the package (see :mod:`assure.models.migrate`)."""
