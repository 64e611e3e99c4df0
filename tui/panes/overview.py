"""The overview a board wants: outcomes, sign-offs, risks, actions, findings, changes."""

from __future__ import annotations

from functools import partial

from assure.models import vocab
from assure.models.summary import programme_summary
from assure.models.text import display_text
from assure.tui import tones
from assure.tui.tones import local_time
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

SEVERITY_SYMBOLS = {"high": "▲", "medium": "◆", "low": "·"}
SEVERITY_TONES = {"high": "bad", "medium": "warn", "low": "muted"}


class OverviewPane(VerticalScroll, can_focus=True):
    """Everything a board member should read in ten seconds."""

    COMPONENT_CLASSES = {"overview--good", "overview--warn", "overview--bad", "overview--muted", "overview--accent"}
    DEFAULT_CSS = """
    OverviewPane .overview--good { color: $text-success; background: $background; }
    OverviewPane .overview--warn { color: $text-warning; background: $background; }
    OverviewPane .overview--bad { color: $text-error; background: $background; text-style: bold; }
    OverviewPane .overview--muted { color: $text-muted; background: $background; }
    OverviewPane .overview--accent { color: $text-accent; background: $background; }
    """
    BINDINGS = [
        Binding("j,down", "scroll_down", "Scroll down", show=False, id="overview.down"),
        Binding("k,up", "scroll_up", "Scroll up", show=False, id="overview.up"),
        Binding("f", "app.findings", "Findings", id="overview.findings"),
    ]

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.store = store
        self.programme_id: int | None = None
        self.summary: dict | None = None
        self.findings: list = []
        self.findings_ready = False
        self.changes: list = []
        #: The history chain's check (a Verdict), once the background worker has run it.
        self.chain_verdict = None

    def compose(self) -> ComposeResult:
        chain = Static("", id="ov-chain", classes="overview-box -full", markup=False)
        chain.display = False  # shown only when the history's hash chain is broken
        yield chain
        with Horizontal(classes="overview-row"):
            yield Static("", id="ov-outcomes", classes="overview-box -wide", markup=False)
            yield Static("", id="ov-deliverables", classes="overview-box", markup=False)
        yield Static("", id="ov-findings", classes="overview-box -full", markup=False)
        with Horizontal(classes="overview-row"):
            yield Static("", id="ov-risks", classes="overview-box", markup=False)
            yield Static("", id="ov-actions", classes="overview-box", markup=False)
        yield Static("", id="ov-changes", classes="overview-box -full", markup=False)

    def _style(self, tone: str | None):
        # Full styles (partial ones cannot blend the themes' translucent text colours);
        # the component backgrounds match the pane's, so light and dark themes both read.
        return self.get_component_rich_style(f"overview--{tone}") if tone else ""

    def load(self, programme_id: int | None) -> None:
        """Read the summary, findings and latest changes of a programme."""
        self.programme_id = programme_id
        if programme_id is None:
            self.summary, self.findings = None, []
            for box in self.query(".overview-box").results(Static):
                box.update("")
            self.query_one("#ov-outcomes", Static).update(Text("No programme to show."))
            return
        # The figures are a few aggregate queries at any size; the rules read every record,
        # so they run in a thread on their own connection and fill in when done.
        self.summary = programme_summary(self.store, programme_id, include_findings=False)
        self.changes = self.store.history(programme_id, limit=5)
        self.findings = []
        self.findings_ready = False
        self.render_sections()
        # Started after the first frame: the thread would otherwise compete with it for the GIL.
        self.call_after_refresh(
            self.run_worker, partial(self._run_rules, programme_id), thread=True, exclusive=True, group="findings"
        )

    def on_mount(self) -> None:
        # Colours are resolved when the text is built: build it again for a new theme.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.render_sections())

    def render_sections(self) -> None:
        """Draw every section from what was last read (no queries)."""
        if self.summary is None:
            return
        self.query_one("#ov-outcomes", Static).update(self._outcomes())
        self.query_one("#ov-deliverables", Static).update(self._deliverables())
        self.query_one("#ov-risks", Static).update(self._risks())
        self.query_one("#ov-actions", Static).update(self._actions())
        self.query_one("#ov-findings", Static).update(
            self._findings() if self.findings_ready else Text("Assurance findings: checking…", style="bold")
        )
        self.query_one("#ov-changes", Static).update(self._changes())

    def _run_rules(self, programme_id: int) -> None:
        from assure.models.rules import RulesCancelled, run_rules
        from textual.worker import get_current_worker

        worker = get_current_worker()
        try:
            with self.store.reader() as reader:
                findings = run_rules(reader, programme_id, cancelled=lambda: worker.is_cancelled)
                verdict = reader.verify_history()  # hashing every row: here, never before the first frame
        except RulesCancelled:
            return
        except Exception as error:  # shown on screen; never a crash
            self.app.call_from_thread(self._show_findings_error, str(error))
            return
        self.app.call_from_thread(self._show_findings, programme_id, findings)
        self.app.call_from_thread(self._show_chain, verdict)

    def _show_chain(self, verdict) -> None:
        self.chain_verdict = verdict
        box = self.query_one("#ov-chain", Static)
        box.display = not verdict.ok
        if not verdict.ok:
            text = Text("⚠ History may have been tampered with: ", style=self._style("bad"))
            text.append(display_text(verdict.describe()))
            text.append("  (assure history --verify)", style=self._style("muted"))
            box.update(text)

    def _show_findings(self, programme_id: int, findings: list) -> None:
        if programme_id != self.programme_id:
            return
        self.findings = findings
        self.findings_ready = True
        self.query_one("#ov-findings", Static).update(self._findings())

    def _show_findings_error(self, message: str) -> None:
        self.query_one("#ov-findings", Static).update(
            Text(f"Assurance findings could not be run: {display_text(message)}"))

    # -- sections -------------------------------------------------------------------

    def _heading(self, text: Text, title: str) -> None:
        text.append(title, style="bold underline")
        text.append("\n")

    def _outcomes(self) -> Text:
        outcomes = self.summary["outcomes"]
        text = Text(no_wrap=True, overflow="ellipsis")
        by_status = " · ".join(f"{tones.status_text(s)} {n}" for s, n in outcomes["by_status"].items())
        self._heading(text, f"Outcomes ({outcomes['total']})  {by_status}")
        if not outcomes["progress"]:
            text.append("No outcomes recorded", style=self._style("muted"))
        for index, item in enumerate(outcomes["progress"]):
            if index:
                text.append("\n")
            text.append(f"{item['number']:>2} ")
            symbol = tones.STATUS_TONES.get(item["status"], (None, "·"))[1]
            text.append(f"{symbol} ", style=self._style(tones.status_tone(item["status"])))
            complete = item["total"] and item["done"] == item["total"]
            text.append(tones.progress_bar(item["done"], item["total"], width=8).ljust(14),
                        style=self._style("good" if complete else "warn"))
            text.append(" " + display_text(item["title"]))
        return text

    def _deliverables(self) -> Text:
        deliverables = self.summary["deliverables"]
        text = Text(no_wrap=True, overflow="ellipsis")
        self._heading(text, f"Sign-offs {deliverables['done']}/{deliverables['total']}")
        if not deliverables["by_status"]:
            text.append("No deliverables", style=self._style("muted"))
        for index, (status, count) in enumerate(deliverables["by_status"].items()):
            if index:
                text.append("\n")
            text.append(f"{tones.status_text(status):<18}", style=self._style(tones.status_tone(status)))
            text.append(f"{count:>5}")
        return text

    def _risks(self) -> Text:
        risks = self.summary["risks"]
        text = Text(no_wrap=True)
        bands = risks["by_band"]
        self._heading(text, f"Open risks & issues: {risks['open']}")
        for band in ("Red", "Amber", "Green", "Unscored"):
            tone, symbol = tones.BAND_TONES[band]
            text.append(f"{symbol} {band} {bands.get(band, 0)}  ", style=self._style(tone))
        text.append("\nLikelihood (L) down × impact across\n", style=self._style("muted"))
        text.append("L\\I  1   2   3   4   5\n", style=self._style("muted"))
        heatmap = risks["heatmap"]
        for likelihood in range(5, 0, -1):
            text.append(f"L{likelihood}  ", style=self._style("muted"))
            for impact in range(1, 6):
                count = heatmap[likelihood - 1][impact - 1]
                score = likelihood * impact
                tone, symbol = tones.BAND_TONES[vocab.risk_band(score)]
                cell = f"{count:>2}{symbol}" if count else f" ·{' '}"
                text.append(f"{cell} ", style=self._style(tone if count else "muted"))
            if likelihood > 1:
                text.append("\n")
        return text

    def _actions(self) -> Text:
        actions = self.summary["actions"]
        text = Text(no_wrap=True)
        self._heading(text, "Actions")
        text.append(f"○ Open     {actions['open']:>4}\n", style=self._style("warn" if actions["open"] else "good"))
        text.append(f"⚠ Overdue  {actions['overdue']:>4}\n", style=self._style("bad" if actions["overdue"] else "good"))
        text.append(f"  Total    {actions['total']:>4}", style=self._style("muted"))
        return text

    def _findings(self) -> Text:
        from assure.models.rules import SEVERITIES, count_by_severity  # imported by the findings' thread

        counts = count_by_severity(self.findings)
        text = Text(no_wrap=True, overflow="ellipsis")
        parts = " · ".join(f"{SEVERITY_SYMBOLS[s]} {counts[s]} {s}" for s in SEVERITIES)
        self._heading(text, f"Assurance findings: {parts}   (f lists them; Enter jumps to the record)")
        if not self.findings:
            text.append("✓ No findings", style=self._style("good"))
        for index, finding in enumerate(self.findings[:5]):
            if index:
                text.append("\n")
            text.append(f"{SEVERITY_SYMBOLS[finding.severity]} {finding.severity:<6} ",
                        style=self._style(SEVERITY_TONES[finding.severity]))
            text.append(display_text(finding.message))
        if len(self.findings) > 5:
            text.append(f"\n… and {len(self.findings) - 5} more", style=self._style("muted"))
        return text

    def _changes(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        self._heading(text, "Latest changes")
        rows = self.changes
        if not rows:
            text.append("None recorded", style=self._style("muted"))
        for index, row in enumerate(rows):
            if index:
                text.append("\n")
            when = local_time(row.at)
            if row.field:
                what = f"{display_text(row.field)}: {display_text(row.old_value)} → {display_text(row.new_value)}"
            else:
                what = display_text(row.new_value if row.action in ("load", "replace") else row.action)
            text.append(f"{when} {display_text(row.user)} ", style=self._style("muted"))
            text.append(f"{display_text(row.kind)} '{display_text(row.record_label)}' {what}")
        return text
