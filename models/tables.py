"""The SQLModel tables (the schema), as declared in :mod:`assure.models.declarations`.

Kept so that Alembic's environment and older imports find the tables by this name; the
tables are declared there, once, with their fields.
"""

from .declarations import (  # noqa: F401
    NAMING_CONVENTION,
    Acknowledgement,
    Action,
    BoardSnapshot,
    Deliverable,
    Handover,
    History,
    Lesson,
    Meta,
    Outcome,
    Person,
    Programme,
    Progress,
    Raci,
    Risk,
    VerdictOverride,
)
