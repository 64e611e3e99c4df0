"""Modal screens: help, programme picker."""

from __future__ import annotations

from assure.models.text import clean_text, display_text
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class HelpScreen(ModalScreen[None]):
    """Every binding of the pane in view, and the global ones."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, title: str, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.help_title = title
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(Text(f"Keys · {display_text(self.help_title)}", style="bold"), markup=False)
            with VerticalScroll(id="help-scroll"):
                for heading, rows in self.sections:
                    table = Table.grid(padding=(0, 2))
                    table.add_column(style="bold", no_wrap=True)
                    table.add_column()
                    for key, description in rows:
                        table.add_row(Text(display_text(key)), Text(display_text(description)))
                    yield Static(Text(display_text(heading), style="underline"), markup=False, classes="help-heading")
                    yield Static(table, markup=False)
            yield Static(Text("Esc closes · ctrl+p finds any command"), markup=False, classes="help-foot")

    def action_dismiss(self) -> None:
        self.dismiss(None)


class ProgrammePicker(ModalScreen[int | None]):
    """Choose the programme to show."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel")]

    def __init__(self, programmes: list, current: int | None) -> None:
        super().__init__()
        self.programmes = programmes
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Static(Text("Switch programme (Enter chooses, Esc cancels)", style="bold"), markup=False)
            options = [
                Option(Text(f"{'● ' if p.id == self.current else '  '}{display_text(p.name)}  ({display_text(p.code)})"),
                       id=str(p.id))
                for p in self.programmes
            ]
            yield OptionList(*options, id="picker-list")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        for index, programme in enumerate(self.programmes):
            if programme.id == self.current:
                option_list.highlighted = index
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


class FindingsScreen(ModalScreen[object]):
    """Every assurance finding; Enter jumps to the record it names."""

    BINDINGS = [Binding("escape,q,f", "cancel", "Close", id="findings.close")]

    def __init__(self, findings: list) -> None:
        super().__init__()
        self.findings = findings

    def compose(self) -> ComposeResult:
        from assure.tui.widgets.virtual_table import Column, VirtualTable

        from assure.tui.tones import SEVERITY_TONES

        tones = {severity: tone for severity, (tone, _) in SEVERITY_TONES.items()}
        symbols = {severity: symbol for severity, (_, symbol) in SEVERITY_TONES.items()}
        with Vertical(id="findings-box"):
            yield Static(Text(f"Assurance findings ({len(self.findings)}) · Enter jumps to the record · Esc closes",
                              style="bold"), markup=False)
            table = VirtualTable(
                [
                    Column("severity", "Severity", width=9, format=lambda s: f"{symbols.get(s, '')} {s}",
                           tone=lambda row: tones.get(row[0]),
                           sort_key=lambda s: ("high", "medium", "low").index(s) if s in tones else 9),
                    Column("message", "Finding", flex=True),
                    Column("rule", "Rule", max_width=22),
                ],
                empty_message="✓ No findings",
                id="findings-table",
            )
            yield table

    def on_mount(self) -> None:
        from assure.tui.widgets.virtual_table import VirtualTable

        table = self.query_one(VirtualTable)
        table.set_rows([(f.severity, f.message, f.rule) for f in self.findings], list(range(len(self.findings))))
        table.focus()

    def on_virtual_table_row_selected(self, event) -> None:
        self.dismiss(self.findings[event.key])

    def action_cancel(self) -> None:
        self.dismiss(None)


class ProgressScreen(ModalScreen[None]):
    """An outcome's progress narrative: achieved, next 6 months, 6 months plus."""

    BINDINGS = [Binding("escape", "close", "Close", id="progress.close")]

    DEFAULT_CSS = """
    ProgressScreen { align: center middle; }
    ProgressScreen #progress-box { width: 95%; height: 85%; border: round $primary; background: $surface; }
    """

    def __init__(self, store, outcome) -> None:
        super().__init__()
        self.store = store
        self.outcome = outcome

    def compose(self) -> ComposeResult:
        from assure.tui.panes.progress import ProgressPane

        with Vertical(id="progress-box"):
            yield ProgressPane(self.store, self.outcome, id="progress")

    def on_mount(self) -> None:
        from assure.tui.panes.progress import ProgressPane

        pane = self.query_one(ProgressPane)
        pane.load(self.outcome.programme_id)
        pane.focus_table()

    def action_close(self) -> None:
        self.dismiss(None)


class ExportScreen(ModalScreen[None]):
    """Write a board pack from the dashboard: the path is offered, the user may change it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen #export-box { width: 80; max-width: 100%; height: auto; border: round $primary;
                               background: $surface; padding: 0 1; }
    ExportScreen #export-error { color: $error; text-style: bold; height: auto; }
    """

    FORMAT_NAMES = {"md": "Markdown", "html": "HTML", "csv": "CSV (a folder of files)", "json": "JSON (whole programme)"}

    def __init__(self, store, programme, fmt: str, default_path: str) -> None:
        super().__init__()
        self.store = store
        self.programme = programme
        self.fmt = fmt
        self.default_path = default_path

    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        with Vertical(id="export-box"):
            yield Static(Text(f"Export the board pack as {self.FORMAT_NAMES[self.fmt]}", style="bold"), markup=False)
            yield Static(Text("Write to (the whole path; Enter writes, Esc cancels):"), markup=False)
            # The default name holds the programme's code: no control character goes in.
            yield Input(clean_text(self.default_path), id="export-path")
            yield Static("", id="export-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#export-error").display = False
        self.query_one("#export-path").focus()

    def on_input_submitted(self, event) -> None:
        from pathlib import Path

        from assure.models.board_pack import ExportError, export
        from assure.models.db import StoreError

        event.stop()
        # Made absolute here, so a bare name is reported with the folder it went into.
        target = Path(event.value.strip()).expanduser().absolute()
        try:
            written = export(self.store, self.programme.id, self.fmt, target)
        except (ExportError, StoreError) as error:
            box = self.query_one("#export-error", Static)
            box.update(Text(f"✗ {display_text(error, multiline=True)}"))
            box.display = True
            return
        where = target if self.fmt != "csv" else f"{len(written)} files in {target}"
        self.app.notify(f"Board pack written: {where}", timeout=8)  # the app's notify cleans it
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
