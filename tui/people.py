"""The People screen: each person, where their name is used; rename one, merge two spellings.

Thin: the store renames or merges in one transaction (:meth:`Store.rename_person`,
:meth:`Store.merge_people`); this screen asks which, confirms, and reports.
"""

from __future__ import annotations

from assure.models.db import StoreError
from assure.models.kinds import FieldSpec
from assure.models.people import describe_uses, merge_candidates, people_with_uses
from assure.models.text import display_text
from assure.tui.editing import ConfirmScreen, RecordForm
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

HINT = "r rename · m merge into another spelling · u undo · Esc closes"


class PeopleScreen(ModalScreen[None]):
    """The programme's people and where each is named; ``r`` renames, ``m`` merges."""

    BINDINGS = [
        Binding("r", "rename", "Rename", id="people.rename"),
        Binding("m", "merge", "Merge into…", id="people.merge"),
        Binding("u", "undo", "Undo", id="people.undo"),
        Binding("escape,q", "close", "Close", id="people.close"),
    ]

    DEFAULT_CSS = """
    PeopleScreen { align: center middle; }
    PeopleScreen #people-box { width: 100; max-width: 100%; height: auto; max-height: 100%;
                               border: round $primary; background: $surface; padding: 0 1; }
    PeopleScreen #people-list { height: auto; max-height: 1fr; border: none; }
    PeopleScreen #people-hint { color: $text-muted; }
    """

    def __init__(self, store, programme_id: int) -> None:
        super().__init__()
        self.store = store
        self.programme_id = programme_id
        self.rows: list = []

    def compose(self) -> ComposeResult:
        with Vertical(id="people-box"):
            yield Static("", id="people-title", markup=False)
            yield OptionList(id="people-list")
            yield Static(Text(HINT), id="people-hint", markup=False)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(OptionList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("rename", "merge", "undo"):
            return not self.store.read_only
        return True

    def reload(self, keep: int | None = None) -> None:
        """Read the people again (after a change here, an undo, or a colleague's)."""
        option_list = self.query_one(OptionList)
        current = keep if keep is not None else (self.current.id if self.current is not None else None)
        try:
            self.rows = people_with_uses(self.store, self.programme_id)
        except StoreError as error:
            self.notify(str(error), title="Could not read the database", severity="error")
            return
        option_list.clear_options()
        option_list.add_options([self._option(person, uses) for person, uses in self.rows])
        for index, (person, _) in enumerate(self.rows):
            if person.id == current:
                option_list.highlighted = index
        if option_list.highlighted is None and self.rows:
            option_list.highlighted = 0
        self.query_one("#people-title", Static).update(
            Text(f"People · {len(self.rows)} in this programme", style="bold"))

    def _option(self, person, uses) -> Option:
        text = Text(display_text(person.name), style="bold")
        if person.organisation:
            text.append(f"  {display_text(person.organisation)}")
        text.append(f"  · {describe_uses(uses)}", style="italic")
        return Option(text, id=str(person.id))

    @property
    def current(self):
        option_list = self.query_one(OptionList)
        index = option_list.highlighted
        return self.rows[index][0] if index is not None and 0 <= index < len(self.rows) else None

    def _after(self, change, keep: int | None) -> None:
        self.app.notify(f"{change.describe()[:1].upper()}{change.describe()[1:]}. u undoes it.", timeout=6)
        self.app.refresh_data()
        self.reload(keep)

    def action_rename(self) -> None:
        """Rename the highlighted person: RACI roles follow, every whole mention is rewritten."""
        from assure.models.inputs import InvalidInput
        from assure.models.store import Conflict

        person = self.current
        if person is None:
            return
        problem: list[str] = []

        def save(typed: dict) -> dict | None:
            try:
                change = self.store.rename_person(person.id, typed["name"], expected_name=person.name)
            except InvalidInput as error:
                return error.errors
            except Conflict as conflict:  # a colleague renamed them meanwhile: show it, ask again
                problem.append(str(conflict))
                return None
            except StoreError as error:
                return {"name": str(error)}
            if change.parts:
                self._after(change, person.id)
            return None

        def closed(_values) -> None:
            if problem:
                self.notify(f"Not renamed: {problem[0]}", severity="error", timeout=8)
                self.reload()

        field = FieldSpec("name", "New name", required=True)
        self.app.push_screen(RecordForm(
            f"Rename '{display_text(person.name)}': every mention moves with the name", [field],
            {"name": person.name}, save=save,
        ), closed)

    def action_merge(self) -> None:
        """Merge the highlighted person into another spelling, after a confirmation."""
        person = self.current
        if person is None:
            return
        candidates = merge_candidates(person, [row[0] for row in self.rows])
        if not candidates:
            self.notify("There is no other person to merge with.")
            return

        def chosen(into_id: int | None) -> None:
            if into_id is None:
                return
            into = next(other for other in candidates if other.id == into_id)
            uses = next((used for other, used in self.rows if other.id == person.id), None)
            what = f" ({describe_uses(uses)})" if uses else ""
            question = (f"Merge '{display_text(person.name)}' into '{display_text(into.name)}'?\n"
                        f"Everything naming it{what} moves to '{display_text(into.name)}', and "
                        f"'{display_text(person.name)}' is deleted. u undoes it.")
            self.app.push_screen(ConfirmScreen(question, yes="Merge", no="Keep both"),
                                 lambda yes: self._merge(person, into) if yes else None)

        self.app.push_screen(MergeTargetPicker(person, candidates), chosen)

    def _merge(self, person, into) -> None:
        from assure.models.store import Conflict

        try:
            change = self.store.merge_people(person.id, into.id,
                                             expected_names={person.id: person.name, into.id: into.name})
        except Conflict as conflict:
            self.notify(f"Not merged: {conflict}", severity="error", timeout=8)
            self.reload()
            return
        except StoreError as error:  # InvalidInput too: one clear line, nothing changed
            self.notify(f"Not merged: {error}", severity="error", timeout=8)
            return
        self._after(change, into.id)

    def action_undo(self) -> None:
        """Undo as everywhere (a whole rename or merge is one step), then show the list again."""
        self.app.action_undo()
        self.reload()

    def action_close(self) -> None:
        self.dismiss(None)


class MergeTargetPicker(ModalScreen[int | None]):
    """Which spelling stays: names that nearly match come first."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="merge.cancel")]

    DEFAULT_CSS = """
    MergeTargetPicker { align: center middle; }
    MergeTargetPicker #merge-box { width: 70; max-width: 100%; height: auto; max-height: 100%;
                                   border: round $warning; background: $surface; padding: 0 1; }
    MergeTargetPicker #merge-list { height: auto; max-height: 1fr; border: none; }
    """

    def __init__(self, person, candidates: list) -> None:
        super().__init__()
        self.person = person
        self.candidates = candidates

    def compose(self) -> ComposeResult:
        with Vertical(id="merge-box"):
            yield Static(Text(f"Merge '{display_text(self.person.name)}' into which spelling? (it stays; Enter "
                              "chooses, Esc cancels)", style="bold"), markup=False)
            yield OptionList(*[Option(Text(display_text(other.name)), id=str(other.id)) for other in self.candidates],
                             id="merge-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
