"""One outcome's progress narrative as an editable table (shown from the Outcomes pane)."""

from __future__ import annotations

from typing import Any

from assure.models import vocab
from assure.models.text import display_text
from assure.tui.panes.base import TablePane, field_lines
from rich.text import Text


class ProgressPane(TablePane):
    """Progress items of a single outcome, by horizon."""

    kind = "progress"
    title = "Progress narrative"
    empty_message = "No progress narrative yet: a adds an item"

    def __init__(self, store, outcome, *, id: str | None = None) -> None:
        super().__init__(store, id=id)
        self.outcome = outcome

    def fetch(self, store=None, limit: int | None = None, *, large: bool = False) -> list[Any]:
        items = [item for item in (store or self.store).progress(self.programme_id) if item.outcome_id == self.outcome.id]
        return items[:limit] if limit is not None else items

    def record_count(self) -> int | None:
        return None

    def column_overrides(self) -> dict[str, dict[str, Any]]:
        return {
            "horizon": dict(width=13, sort_key=lambda h: vocab.HORIZONS.index(h) if h in vocab.HORIZONS else 9),
            "text": dict(flex=True),
        }

    def defaults(self) -> dict[str, Any]:
        return {"outcome_id": self.outcome.id, "horizon": vocab.HORIZONS[0]}

    def update_title(self) -> None:
        super().update_title()
        self.query_one(".pane-title").update(Text(
            f"Progress of outcome {self.outcome.number}: {display_text(self.outcome.title)[:50]} · "
            f"{self.table.total_count} items · e edits · a adds · d deletes · Esc closes"
        ))

    def detail(self, record: Any) -> Text:
        return field_lines([("Horizon", record.horizon), ("Progress", record.text)])
