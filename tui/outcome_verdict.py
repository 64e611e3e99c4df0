"""The override of one outcome's verdict: the programme's override modal, aimed at an outcome."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList, Static

from assure.models.text import display_text
from assure.tui.screens import VerdictOverrideScreen


class OutcomeVerdictOverrideScreen(VerdictOverrideScreen):
    """As the Overview's ``v`` (a DCA rating and a required reason, or remove the override),
    for the outcome the verdict belongs to."""

    def on_mount(self) -> None:  # runs with the base's on_mount (Textual calls both)
        self.query_one("#override-box").query(Static).first().update(
            Text(f"Override the verdict of outcome {self.verdict.number}", style="bold"))

    def _save(self, *, remove: bool = False) -> None:
        from assure.models.db import StoreError
        from assure.models.inputs import InvalidInput

        ratings = self.query_one(OptionList)
        option = ratings.get_option_at_index(ratings.highlighted or 0)
        outcome_id, number = self.verdict.outcome_id, self.verdict.number
        try:
            if remove or option.id == self.REMOVE:
                self.store.clear_verdict_override(self.programme_id, outcome_id)
                self.app.notify(f"Outcome {number}: override removed, the derived verdict shows again.")
            else:
                reason = self.query_one("#override-reason").value
                self.store.override_verdict(self.programme_id, outcome_id, option.id, reason)
                self.app.notify(f"Outcome {number}: verdict overridden ({option.id}).")
        except InvalidInput as error:
            messages = {"reason": "Give a reason for the override", "rating": "Choose one of the five ratings",
                        "outcome_id": "That outcome is no longer there"}
            self._error("; ".join(messages.get(name, f"{name} {display_text(message)}")
                                  for name, message in error.errors.items()))
            return
        except StoreError as error:
            self._error(str(error))
            return
        self.dismiss(True)
