"""Benchmark databases: the demo data and synthetic portfolios of 1k, 10k and 100k deliverables.

Every database is built through the store, as a user's would be:

- ``demo``: :func:`assure.seed.loader.load_demo` (the council papers' programmes);
- ``1k``, ``10k``, ``100k``: one generated programme document, deterministic from a seed
  (``random.Random(seed)``), written by :func:`assure.models.bundle.load_programme` in one
  validated transaction; then history (see :func:`add_history`).

Per 1,000 deliverables a portfolio has 10 outcomes (3 progress items each), 100 risks
and issues (likelihood and impact on most), 50 actions, 30 people, 10 RACI roles (exactly
one Accountable) and 5 lessons. About 0.5% of deliverable titles repeat an earlier one and
a few approvers, owners and dates are missing, so the assurance rules have work to do.

History: one edit per five deliverables, risks and actions (a status change, or a new
likelihood for a risk): 23,000 at 100k. Up to :data:`STORE_EDITS` (25,000) of them go
through :meth:`Store.update <assure.models.store.Store.update>` one by one (validation,
conflict check, a transaction and a history row each: about 2 minutes at 100k on a synced
rollback journal); beyond that, the rest would be written in bulk in one
:meth:`Store.transaction <assure.models.store.Store.transaction>` with the same UPDATE and
history INSERT the store issues. So at every size here, all history is real store edits.

On PostgreSQL (:func:`build_postgres`) the same data is written the same way
(:func:`populate`) into an empty database on the benchmark's server; a throwaway server
lives for one run, so those are built per run, not cached.

Databases are cached under ``bench/.cache/`` keyed by size, seed, schema version (and a
hash of the schema's source, see :func:`schema_fingerprint`) and :data:`GENERATOR_VERSION`. Run ``python -m bench.generate --sizes demo,1k`` to build only.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCH_DIR / ".cache"

#: Bump when the generated data changes, so cached databases are rebuilt.
GENERATOR_VERSION = 5  # 5: written by a release that gives the data a revision
#: Deliverables per named size; ``demo`` is the seed data.
SIZES: dict[str, int] = {"demo": 0, "1k": 1_000, "10k": 10_000, "100k": 100_000}
#: History edits made through ``Store.update`` one by one; the rest are bulk (see module doc).
STORE_EDITS = 25_000
#: The word the filter benchmark types: about 1 deliverable title in 15 contains it.
FILTER_WORD = "supplier"

PROGRAMME_START = date(2019, 1, 7)
PROGRAMME_END = date(2026, 12, 18)
AS_OF = date(2025, 6, 30)
#: The day the benchmark's runs judge overdue and stale by (``ASSURE_TODAY``).
BENCH_TODAY = "2025-07-01"

_FIRST = (
    "Aisha", "Alan", "Amara", "Andrew", "Angela", "Ben", "Bethany", "Callum", "Carmen", "Chen", "Chloe", "Daniel",
    "Deepa", "Duncan", "Eilidh", "Elena", "Emeka", "Fatima", "Fiona", "Gareth", "Grace", "Hamza", "Hannah", "Ian",
    "Imogen", "Jack", "Jasmine", "Joanne", "Kai", "Kavita", "Laura", "Liam", "Lucy", "Marek", "Maria", "Mohammed",
    "Nadia", "Niamh", "Oliver", "Olu", "Priya", "Rachel", "Rhys", "Rosa", "Samir", "Sarah", "Sean", "Sinead",
    "Tariq", "Tom", "Ursula", "Victor", "Wei", "Yusuf", "Zara", "Zoe",
)
_LAST = (
    "Abbott", "Adeyemi", "Ahmed", "Bailey", "Banerjee", "Barker", "Bell", "Brennan", "Campbell", "Chowdhury", "Clarke",
    "Collins", "Davies", "Doyle", "Evans", "Fletcher", "Forbes", "Gallagher", "Gill", "Graham", "Hughes", "Hussain",
    "Jackson", "Jones", "Kaur", "Kelly", "Khan", "Kowalski", "Lewis", "Lloyd", "MacDonald", "Malik", "Marsh",
    "Mensah", "Mitchell", "Morgan", "Murphy", "Nowak", "Nwosu", "O'Brien", "Okafor", "Owen", "Patel", "Pearson",
    "Price", "Quinn", "Rahman", "Reid", "Roberts", "Robinson", "Shah", "Singh", "Stewart", "Sutherland", "Taylor",
    "Thomas", "Turner", "Walsh", "Ward", "Watson", "Williams", "Wong", "Wright", "Yilmaz", "Young",
)
_VERBS = (
    "Migrate", "Sign off", "Decommission", "Procure", "Novate", "Test", "Document", "Transfer", "Design", "Deploy",
    "Review", "Agree", "Baseline", "Validate", "Handover", "Retender", "Audit", "Train staff on", "Consolidate",
    "Upgrade",
)
_THINGS = (
    "service desk", "network", "data centre", "email", "telephony", "supplier contract", "backup", "firewall",
    "identity management", "payroll interface", "finance system", "HR system", "records archive", "print service",
    "licence register", "asset register", "disaster recovery plan", "security policy", "change process",
    "support model", "website", "intranet", "case management system", "GIS platform", "schools broadband",
    "social care system", "CCTV links", "mobile devices", "laptop fleet", "server estate", "storage array",
    "supplier exit plan", "knowledge base", "monitoring tools", "wifi", "VPN", "cloud tenancy", "SharePoint",
    "invoice workflow", "contract register",
)
_PLACES = (
    "County Hall", "the north depot", "all libraries", "district offices", "the contact centre", "schools",
    "adult social care", "highways", "the records office", "the registrars", "fire and rescue", "public health",
    "the coroner's service", "the museum service", "waste services", "the pension fund",
)
_RISK_TEXT = (
    "Key staff may leave before knowledge transfer completes",
    "Supplier may not release data in a usable format",
    "Licences may lapse during the transition window",
    "Budget for dual running may be exhausted",
    "Legacy kit may fail before replacement arrives",
    "Contract novation may be delayed by legal review",
    "Users may not be trained before go-live",
    "Security accreditation may not be granted in time",
    "Cut-over weekend may clash with elections",
    "Network circuits may not be ready for migration",
    "Service levels may drop during handover",
    "Data quality may block the finance system migration",
)
_UPDATES = (
    "Discussed at programme board; mitigation on track.",
    "Owner chasing supplier for a date.",
    "No change since last review.",
    "Escalated to the sponsor.",
    "Mitigation agreed; awaiting evidence.",
    None,
)
_ROLES = (
    "Sponsor", "Programme Manager", "Technical Lead", "Legal Counsel", "Procurement", "Programme Assurance",
    "Finance Lead", "HR Lead", "Security Officer", "Service Owner", "Data Protection Officer", "Change Manager",
)


def schema_fingerprint() -> str:
    """A short hash of the schema's source (tables and schema modules).

    The schema version alone is not enough while the schema is young: tables have changed
    (e.g. AUTOINCREMENT ids, new indexes) without a version bump, and a cached database
    must not hide such a change from the benchmark.
    """
    import hashlib
    from importlib.util import find_spec

    digest = hashlib.sha256()
    for module in ("assure.models.declarations", "assure.models.schema"):
        spec = find_spec(module)
        if spec is not None and spec.origin:
            digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:8]


def cache_path(size: str, seed: int, cache_dir: Path = CACHE_DIR) -> Path:
    """Where the database for a size and seed is cached (keyed by schema and generator version)."""
    from assure.models.schema import SCHEMA_VERSION

    return cache_dir / f"{size}-seed{seed}-schema{SCHEMA_VERSION}-{schema_fingerprint()}-gen{GENERATOR_VERSION}.db"


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _people_names(rng: random.Random, count: int) -> list[str]:
    pairs = [(first, last) for first in _FIRST for last in _LAST]
    rng.shuffle(pairs)
    names = [f"{first} {last}" for first, last in pairs[:count]]
    # Beyond the name lists: a middle initial keeps every name unique.
    letter = 0
    while len(names) < count:
        first, last = pairs[len(names) % len(pairs)]
        names.append(f"{first} {chr(65 + letter % 26)}. {last}")
        letter += 1
    return names


def portfolio_document(deliverables: int, seed: int = 0) -> dict[str, Any]:
    """A synthetic programme document of the given size, deterministic from ``seed``.

    Args:
        deliverables: how many deliverables; the other sections scale with it.
        seed: the random seed.

    Returns:
        A document in the seed/export format that :func:`load_programme` reads.
    """
    rng = random.Random(seed)
    per_k = deliverables / 1000
    n_outcomes = max(3, round(10 * per_k))
    n_people = max(10, round(30 * per_k))
    n_risks = max(5, round(100 * per_k))
    n_actions = max(5, round(50 * per_k))
    n_raci = max(5, round(10 * per_k))
    n_lessons = max(3, round(5 * per_k))

    people = _people_names(rng, n_people)
    document: dict[str, Any] = {
        "programme": {
            "code": f"bench-{deliverables}",
            "name": f"Benchmark portfolio ({deliverables:,} deliverables)",
            "organisation": "Benchmark County Council",
            "description": "A synthetic portfolio generated by bench/generate.py for the performance benchmark.",
            "source": f"bench/generate.py seed {seed}",
            "start_date": PROGRAMME_START.isoformat(),
            "end_date": PROGRAMME_END.isoformat(),
            "as_of": AS_OF.isoformat(),
        },
        "people": [
            {"name": name, **({"organisation": rng.choice(("Council", "Supplier", "Advisory"))} if rng.random() < 0.7 else {})}
            for name in people
        ],
    }
    raci_people = rng.sample(people, min(n_raci, len(people)))
    document["raci"] = [
        {"person": name, "letter": "A" if index == 0 else rng.choice("RRRCCI"),
         "role": _ROLES[index % len(_ROLES)] + ("" if index < len(_ROLES) else f" ({index // len(_ROLES) + 1})")}
        for index, name in enumerate(raci_people)
    ]
    horizons = ("Achieved", "Next 6 months", "6 months plus")
    document["outcomes"] = [
        {
            "number": number,
            "title": f"{rng.choice(_THINGS).capitalize()} for {rng.choice(_PLACES)} runs in house (outcome {number})",
            "status": rng.choices(("Complete", "In Progress", "At Risk", "Not Started"), (4, 4, 1, 1))[0],
            **({"vision": f"Vision {number}: a dependable service the council runs itself"} if rng.random() < 0.8 else {}),
            "progress": [
                {"horizon": horizon, "text": f"{rng.choice(_VERBS)} {rng.choice(_THINGS)} ({horizon.lower()})"}
                for horizon in horizons
            ],
        }
        for number in range(1, n_outcomes + 1)
    ]

    statuses = ("Signed Off", "Delivered", "In Progress", "Not Started", "Delayed", "Post Transition")
    weights = (45, 10, 20, 15, 5, 5)
    rows: list[dict[str, Any]] = []
    for index in range(deliverables):
        if rows and rng.random() < 0.005:
            title = rng.choice(rows)["title"]  # a duplicate, as real registers have
        else:
            thing = "supplier contract" if rng.random() < 0.02 else rng.choice(_THINGS)
            title = f"{rng.choice(_VERBS)} {thing} for {rng.choice(_PLACES)} (WP{index + 1:06d})"
        status = rng.choices(statuses, weights)[0]
        done = status in ("Signed Off", "Delivered")
        row: dict[str, Any] = {"title": title, "status": status}
        if rng.random() < 0.97:
            row["outcome"] = rng.randint(1, n_outcomes)
        if rng.random() < (0.98 if done else 0.8):
            approvers = rng.sample(people, 2 if rng.random() < 0.05 else 1)
            row["approved_by"] = " / ".join(approvers)
        if done and rng.random() < 0.97:
            row["date"] = _day(rng, PROGRAMME_START, AS_OF).isoformat()
        elif not done and rng.random() < 0.7:
            row["date"] = _day(rng, AS_OF, PROGRAMME_END).isoformat()
        if rng.random() < 0.1:
            row["note"] = rng.choice(("Evidence filed on the shared drive", "Approved at board", "See change request"))
        rows.append(row)
    document["deliverables"] = rows

    document["risks"] = []
    for index in range(n_risks):
        scored = rng.random() < 0.95
        risk: dict[str, Any] = {
            "ref": f"{'I' if index % 7 == 0 else 'R'}{index + 1:05d}",
            "kind": "Issue" if index % 7 == 0 else "Risk",
            "description": f"{rng.choice(_RISK_TEXT)} ({rng.choice(_PLACES)})",
            "status": rng.choices(("Open", "Monitoring", "Closed"), (5, 2, 3))[0],
            "raised_on": _day(rng, PROGRAMME_START, AS_OF).isoformat(),
        }
        if scored:
            risk["likelihood"] = rng.randint(1, 5)
            risk["impact"] = rng.randint(1, 5)
        if rng.random() < 0.95:
            risk["owner"] = rng.choice(people)
        update = rng.choice(_UPDATES)
        if update:
            risk["latest_update"] = update
        if rng.random() < 0.8:
            risk["review_on"] = _day(rng, AS_OF - timedelta(days=60), AS_OF + timedelta(days=120)).isoformat()
        document["risks"].append(risk)

    document["actions"] = []
    for index in range(n_actions):
        action: dict[str, Any] = {
            "number": index + 1,
            "kind": "Next step" if rng.random() < 0.6 else "Close-out recommendation",
            "description": f"{rng.choice(_VERBS)} {rng.choice(_THINGS)} for {rng.choice(_PLACES)}",
            "status": rng.choices(("Open", "In Progress", "Done", "Cancelled"), (4, 3, 5, 1))[0],
        }
        if rng.random() < 0.93:
            action["owner"] = rng.choice(people)
        if rng.random() < 0.9:
            action["due_on"] = _day(rng, AS_OF - timedelta(days=180), AS_OF + timedelta(days=365)).isoformat()
        document["actions"].append(action)

    document["lessons"] = [
        {
            "number": number,
            "description": f"Start {rng.choice(_THINGS)} work earlier than planned",
            "recommendation": "Plan it into the first phase of the next programme",
            "responsible": rng.choice(people),
        }
        for number in range(1, n_lessons + 1)
    ]
    return document


def _edits(store, programme_id: int, rng: random.Random) -> list[tuple[str, int, str, Any, Any]]:
    """Plan one edit per five deliverables, risks and actions: (kind, id, field, old, new)."""
    plan = []
    choices = {
        "deliverable": ("status", ("Not Started", "In Progress", "Delayed", "Post Transition", "Delivered", "Signed Off")),
        "risk": ("status", ("Open", "Monitoring", "Closed")),
        "action": ("status", ("Open", "In Progress", "Done", "Cancelled")),
    }
    for kind, (field, values) in choices.items():
        rows = store.backend.execute(  # portable SQL: the same on SQLite and PostgreSQL
            f"SELECT id, {field}, likelihood FROM {kind} WHERE programme_id = ? ORDER BY id" if kind == "risk"
            else f"SELECT id, {field}, NULL FROM {kind} WHERE programme_id = ? ORDER BY id",
            (programme_id,),
        ).fetchall()
        for record_id, old, likelihood in rng.sample(rows, len(rows) // 5):
            if kind == "risk" and likelihood is not None and rng.random() < 0.5:
                plan.append((kind, record_id, "likelihood", likelihood, 1 + likelihood % 5))
            else:
                plan.append((kind, record_id, field, old, rng.choice([v for v in values if v != old])))
    rng.shuffle(plan)
    return plan


def add_history(store, programme_id: int, seed: int) -> dict[str, int]:
    """Edit a fifth of the deliverables, risks and actions, each edit with its history row.

    The first :data:`STORE_EDITS` edits go through ``Store.update`` (the real write path);
    the rest in bulk in one ``Store.transaction``. Returns how many went each way.
    """
    from assure.models.kinds import KINDS

    rng = random.Random(seed + 1)
    plan = _edits(store, programme_id, rng)
    one_by_one, bulk = plan[:STORE_EDITS], plan[STORE_EDITS:]
    for kind, record_id, field, old, new in one_by_one:
        store.update(kind, record_id, {field: new}, expected={field: old})
    store.undo_stack.clear()
    if bulk:
        start = datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=timezone.utc) - timedelta(days=365)
        with store.transaction() as conn:
            for number, (kind_name, record_id, field, old, new) in enumerate(bulk):
                kind = KINDS[kind_name]
                at = (start + timedelta(minutes=17 * number)).replace(microsecond=0).isoformat()
                conn.execute(
                    f"UPDATE {kind.table} SET {field} = ?, version = version + 1, updated_at = ? WHERE id = ?",
                    (new, at, record_id),
                )
                label_row = conn.execute(f"SELECT * FROM {kind.table} WHERE id = ?", (record_id,))
                names = [column[0] for column in label_row.description]
                label = kind.describe(dict(zip(names, label_row.fetchone())))
                # Through the store, so each row joins the history's hash chain; synthetic data
                # spreads its edits over a year, so the bench sets the transaction's clock itself.
                store.now = at
                store.write_history(kind_name, programme_id, record_id, label, "update", field=field,
                                    old=None if old is None else str(old), new=str(new))
    return {"store_update": len(one_by_one), "bulk": len(bulk)}


def mark_board(store, programme_id: int) -> int:
    """Record a board snapshot, as ``assure board mark`` does, on the benchmark's day."""
    from assure.models.since import record_board

    return record_board(store, programme_id, "Benchmark board", today=date.fromisoformat(BENCH_TODAY), source="mark")


def populate(store, size: str, seed: int = 0) -> str:
    """Fill an empty store (either backend) with a size's data, through the store; say how long each step took.

    Args:
        store: an open, empty :class:`~assure.models.store.Store`.
        size: one of :data:`SIZES`.
        seed: the random seed of the synthetic data.

    Returns:
        A line describing the steps and their times.
    """
    from assure.models.bundle import load_programme

    started = time.perf_counter()
    if size == "demo":
        from assure.seed.loader import load_demo

        load_demo(store)
        for programme in store.programmes():
            mark_board(store, programme.id)
        return "demo programmes via seed.loader.load_demo"
    document = portfolio_document(SIZES[size], seed)
    loaded = time.perf_counter()
    programme_id = load_programme(store, document, note="benchmark data generated")
    # A board before the edits: "since the last board" then reads every one of them.
    mark_board(store, programme_id)
    written = time.perf_counter()
    counts = add_history(store, programme_id, seed)
    return (
        f"document {loaded - started:.1f}s, load_programme {written - loaded:.1f}s,"
        f" history {time.perf_counter() - written:.1f}s"
        f" ({counts['store_update']} via Store.update, {counts['bulk']} bulk)"
    )


def build_postgres(size: str, url: str, seed: int = 0, *, quiet: bool = False) -> str:
    """Fill the empty PostgreSQL database at ``url`` with a size's data, through the store.

    A throwaway server lives for one run, so nothing is cached: each run builds again.

    Returns:
        A line describing the steps and their times.
    """
    if size not in SIZES:
        raise KeyError(f"unknown size {size!r}; expected one of {', '.join(SIZES)}")
    from assure.models.store import Store

    started = time.perf_counter()
    fix_clock()
    with Store.open(url) as store:
        detail = populate(store, size, seed)
    detail = f"{time.perf_counter() - started:.1f}s: {detail}"
    if not quiet:
        print(f"built {size} on PostgreSQL in {detail}", file=sys.stderr)
    return detail


def build(size: str, seed: int = 0, *, cache_dir: Path = CACHE_DIR, force: bool = False, quiet: bool = False) -> Path:
    """Return the cached database for a size, building it first if need be.

    Args:
        size: one of :data:`SIZES`.
        seed: the random seed of the synthetic data.
        force: rebuild even when cached.

    Raises:
        KeyError: an unknown size.
    """
    if size not in SIZES:
        raise KeyError(f"unknown size {size!r}; expected one of {', '.join(SIZES)}")
    path = cache_path(size, seed, cache_dir)
    if path.exists() and not force:
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    for leftover in (temporary, temporary.with_name(temporary.name + "-journal"), temporary.with_name(temporary.name + "-wal")):
        leftover.unlink(missing_ok=True)

    from assure.models.store import Store

    started = time.perf_counter()
    fix_clock()
    store = Store.open(temporary)
    try:
        detail = populate(store, size, seed)
    finally:
        store.close()
    os.replace(temporary, path)
    if not quiet:
        print(f"built {path.name} in {time.perf_counter() - started:.1f}s: {detail}", file=sys.stderr)
    return path


#: The test harness whose hook fixes the clock and login in the benchmark's children.
HARNESS = Path(__file__).resolve().parent.parent / "tests" / "hooks"


def fix_clock() -> None:
    """Judge by the benchmark's day and record changes as "bench", in this process."""
    from assure.models import dates

    os.environ.setdefault("ASSURE_TODAY", BENCH_TODAY)
    os.environ.setdefault("ASSURE_USER", "bench")
    dates.install_test_override(lambda name: os.environ.get(f"ASSURE_{name.upper()}") or None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="demo,1k,10k,100k", help="comma-separated: demo,1k,10k,100k")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true", help="rebuild even when cached")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR)
    args = parser.parse_args(argv)
    fix_clock()
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        print(build(size, args.seed, cache_dir=args.cache_dir, force=args.force))


if __name__ == "__main__":
    main()
