"""Speed figures of CoachKit, measured on a temporary SQLite database with the demo data.

Run with ``make bench`` (``python -m bench``). Each figure is a named benchmark: a function
that prepares what it needs and returns the operation to time. The operation runs once
untimed (warm-up), then the figure's own number of runs (``Benchmark.runs``, for slow
figures) or ``--runs`` times; the table shows the median and the 90th percentile against the
figure's target. A figure without a target is shown for information only. A figure with
``relative_to`` is timed in turns with that figure's operation (so a change in the machine's
load hits both alike), and the ratio of the two medians is printed under the table. These
are figures to read, not tests: the exit status is 0 unless ``--strict`` is given and a
median (or a ratio) is over its target.

Add a figure by writing a ``prepare(env) -> operation`` function and listing it in
``BENCHMARKS``. When each run needs untimed work first (a write that empties a cache, a
fresh account), ``prepare`` returns ``Steps(before, operation)`` instead.

The deal figures read the shared CRM sample (``$COACHKIT_SAMPLE_DIR``, by default
``<repo>/../shared/data/crm-sample``), which the project never copies.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from flask import Flask

DEFAULT_RUNS = 15
ROOT = Path(__file__).resolve().parent.parent


class BenchError(RuntimeError):
    """A figure cannot be measured (missing input, failed setup); the message says why."""


@dataclass(frozen=True)
class Env:
    """What every benchmark can use: the app on a migrated temporary database with the demo data."""

    app: Flask
    demo_manager_email: str
    demo_manager_password: str
    # Set-ups that several figures share (e.g. an imported sample), keyed by the figures.
    shared: dict = field(default_factory=dict, compare=False)


Operation = Callable[[], object]


@dataclass(frozen=True)
class Steps:
    """An operation with untimed work before each run (including the warm-up)."""

    before: Callable[[], object]
    operation: Operation


@dataclass(frozen=True)
class Benchmark:
    key: str  # short name for --only
    name: str  # shown in the table
    target: float | None  # seconds; the median must not exceed it (None: for information only)
    prepare: Callable[[Env], Operation | Steps]
    unit: str = "ms"  # how the table shows the times: "s" or "ms"
    runs: int | None = None  # timed runs of this figure; None: --runs (slow figures set fewer)
    relative_to: str | None = None  # key of a figure whose median this one's is divided by
    ratio_target: float | None = None  # the most that ratio may be (None: shown without a target)


@dataclass(frozen=True)
class Figure:
    benchmark: Benchmark
    times: tuple[float, ...]
    # With relative_to: that figure's operation, timed in turns with this one for the ratio.
    base_times: tuple[float, ...] = ()

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p90(self) -> float:
        if len(self.times) < 2:
            return self.times[0]
        return statistics.quantiles(self.times, n=10, method="inclusive")[-1]

    @property
    def ok(self) -> bool:
        return self.benchmark.target is None or self.median <= self.benchmark.target


# ---------------------------------------------------------------------------- environment


@contextmanager
def environment() -> Iterator[Env]:
    """A fresh SQLite file, migrated with Flask-Migrate and loaded with the demo data."""
    from flask_migrate import upgrade

    from coachkit import create_app
    from coachkit.demo import DEMO_LOGINS
    from coachkit.demo import load_demo
    from coachkit.extensions import db
    from config import Config

    with tempfile.TemporaryDirectory(prefix="coachkit-bench-") as tmp:
        config = type(
            "BenchConfig",
            (Config,),
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'bench.sqlite'}",
                "SECRET_KEY": "bench-secret-key",
                "WTF_CSRF_ENABLED": False,
            },
        )
        app = create_app(config)
        with app.app_context():
            upgrade()
            load_demo()
            db.session.remove()
        manager = next(login for login in DEMO_LOGINS if login.role == "manager")
        try:
            yield Env(app=app, demo_manager_email=manager.email, demo_manager_password=manager.password)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _user_by_email(email: str):
    import sqlalchemy as sa

    from coachkit.extensions import db
    from coachkit.models import User

    return db.session.scalar(sa.select(User).where(User.email == email))


# ---------------------------------------------------------------------------- benchmarks


def report_pdf(env: Env) -> Operation:
    """Render the demo manager's latest development report to PDF bytes, as the download route does."""
    from coachkit import services
    from coachkit.extensions import db
    from coachkit.models import Assessment
    from coachkit.reports.rendering import development_report_pdf

    with env.app.app_context():
        user = _user_by_email(env.demo_manager_email)
        assessment_id = services.submitted_assessments(user)[-1].id
        lang = user.language
        db.session.remove()

    def operation() -> bytes:
        with env.app.test_request_context():
            pdf = development_report_pdf(db.session.get(Assessment, assessment_id), lang)
        if not pdf.startswith(b"%PDF-"):
            raise RuntimeError("the report renderer did not return a PDF")
        return pdf

    return operation


def page_save(env: Env) -> Operation:
    """Server time of saving page 1 of the questionnaire with every statement answered (logged in)."""
    from coachkit import services
    from coachkit.extensions import db
    from coachkit.models import Assessment

    client = env.app.test_client()
    response = client.post("/auth/login", data={"email": env.demo_manager_email, "password": env.demo_manager_password})
    if response.status_code != 302:
        raise RuntimeError(f"bench login failed with HTTP {response.status_code}")
    response = client.post("/assessments/start")
    match = re.search(r"/assessments/(\d+)", response.headers.get("Location", ""))
    if match is None:
        raise RuntimeError(f"could not start an assessment (HTTP {response.status_code})")
    assessment_id = int(match.group(1))
    with env.app.app_context():
        area = services.instrument_of(db.session.get(Assessment, assessment_id)).areas[0]
        db.session.remove()
    # Two alternating answer sets, so that every save really changes the stored answers.
    forms = [{**{f"q_{s.id}": str(value) for s in area.statements}, "action": "next"} for value in (2, 4)]
    url = f"/assessments/{assessment_id}/page/1"
    counter = iter(range(1 << 30))

    def operation() -> None:
        response = client.post(url, data=forms[next(counter) % 2])
        if response.status_code != 302:
            raise RuntimeError(f"saving the page answered HTTP {response.status_code}")

    return operation


# ---------------------------------------------------------------------------- deal figures

BENCH_PASSWORD = "bench password 42"
SAMPLE_COPIES = 10  # the "ten times as many deals" pipeline
_serial = itertools.count(1)


def sample_pipeline() -> Path:
    """The shared sample's pipeline export; a missing sample stops the bench with a clear message."""
    folder = Path(os.environ.get("COACHKIT_SAMPLE_DIR") or ROOT.parent / "shared" / "data" / "crm-sample")
    path = folder / "sales_pipeline.csv"
    if not path.is_file():
        raise BenchError(
            f"the shared CRM sample is missing: {path} does not exist. "
            "Set COACHKIT_SAMPLE_DIR to the folder holding sales_pipeline.csv."
        )
    return path


def _new_manager(label: str, *, password: str | None = None) -> int:
    """A manager of their own (no team, no deals); returns the id. Needs an app context."""
    from coachkit.extensions import db
    from coachkit.models import User
    from coachkit.passwords import hash_password

    n = next(_serial)
    user = User(
        email=f"bench-{label}-{n}@example.com",
        name=f"Bench {label} {n}",
        role="manager",
        language="en",
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(user)
    db.session.commit()
    return user.id


def _import_sample(manager_id: int, data: bytes, filename: str) -> dict[str, int]:
    """Read the sample and apply it, creating the reps, as the import page does; needs an app context."""
    from coachkit import deal_services as ds
    from coachkit.extensions import db
    from coachkit.models import User

    manager = db.session.get(User, manager_id)
    _table, analysis = ds.read_deal_file(data, filename, currency=manager.currency, lang="en")
    done = ds.apply_import(manager, analysis, create_reps=True, lang="en")
    if not done.importable:
        raise BenchError(f"the sample could not be imported: {done.summary()}")
    return done.summary()


def sample_import(env: Env) -> Steps:
    """Read and apply the whole sample (with new reps) into a manager who has nothing yet."""
    from coachkit.extensions import db

    path = sample_pipeline()
    data = path.read_bytes()
    rows = len(data.decode("utf-8-sig").splitlines()) - 1
    managers: list[int] = []

    def fresh_manager() -> None:
        with env.app.app_context():
            managers.append(_new_manager("import"))
            db.session.remove()

    def operation() -> None:
        with env.app.app_context():
            summary = _import_sample(managers[-1], data, path.name)
            db.session.remove()
        if summary["create"] != rows:
            raise BenchError(f"importing the sample created {summary['create']} deals, not {rows}")

    return Steps(fresh_manager, operation)


def _copy_deals(manager_id: int, copies: int) -> None:
    """Copy the manager's deals ``copies`` times with new external ids, in one INSERT … SELECT each."""
    import sqlalchemy as sa

    from coachkit import deal_services as ds
    from coachkit.extensions import db
    from coachkit.models import Deal

    table = Deal.__table__
    columns = [c for c in table.columns if c.name != "id"]
    last_original = db.session.scalar(sa.select(sa.func.max(table.c.id)).where(table.c.manager_id == manager_id))
    for n in range(1, copies + 1):
        select = sa.select(*[(c + f"~{n}").label(c.name) if c.name == "external_id" else c for c in columns]).where(
            table.c.manager_id == manager_id, table.c.id <= last_original
        )
        db.session.execute(sa.insert(table).from_select([c.name for c in columns], select))
    ds.commit_pipeline(manager_id)


@dataclass(frozen=True)
class SamplePipeline:
    client: object  # a logged-in test client
    manager_id: int
    deal_id: int  # an open deal, changed before each cold request
    open_deals: int


def sample_pipeline_manager(env: Env, copies: int) -> SamplePipeline:
    """A logged-in manager owning the whole sample ``copies`` times (shared by the warm and cold figures)."""
    import sqlalchemy as sa

    from coachkit.extensions import db
    from coachkit.models import Deal
    from coachkit.models import User

    key = ("sample-pipeline", copies)
    if key in env.shared:
        return env.shared[key]
    path = sample_pipeline()
    with env.app.app_context():
        manager_id = _new_manager(f"pipeline-{copies}x", password=BENCH_PASSWORD)
        email = db.session.get(User, manager_id).email
        _import_sample(manager_id, path.read_bytes(), path.name)
        if copies > 1:
            _copy_deals(manager_id, copies - 1)
        is_open = sa.and_(Deal.manager_id == manager_id, Deal.status == "open", Deal.archived.is_(False))
        open_deals = db.session.scalar(sa.select(sa.func.count(Deal.id)).where(is_open))
        deal_id = db.session.scalar(sa.select(sa.func.min(Deal.id)).where(is_open))
        db.session.remove()
    client = env.app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": BENCH_PASSWORD})
    if response.status_code != 302:
        raise BenchError(f"bench login failed with HTTP {response.status_code}")
    response = client.get("/deals/")
    if response.status_code != 200 or f"{open_deals} open deals".encode() not in response.data:
        raise BenchError(f"the pipeline page does not show {open_deals} open deals (HTTP {response.status_code})")
    env.shared[key] = SamplePipeline(client, manager_id, deal_id, open_deals)
    return env.shared[key]


def _pipeline_get(client) -> Operation:
    def operation() -> None:
        response = client.get("/deals/")
        if response.status_code != 200:
            raise BenchError(f"the pipeline page answered HTTP {response.status_code}")

    return operation


def _pipeline_warm(copies: int) -> Callable[[Env], Operation]:
    def prepare(env: Env) -> Operation:
        return _pipeline_get(sample_pipeline_manager(env, copies).client)

    prepare.__doc__ = f"Server time of the pipeline page (logged in) with the sample's deals × {copies}."
    return prepare


def _pipeline_cold(copies: int) -> Callable[[Env], Steps]:
    def prepare(env: Env) -> Steps:
        from coachkit import deal_services as ds
        from coachkit.extensions import db
        from coachkit.models import Deal

        sample = sample_pipeline_manager(env, copies)
        edits = itertools.count(1)

        def change_a_deal() -> None:
            """A real deal write: it raises pipeline_version, so the next request recomputes the summary."""
            with env.app.app_context():
                ds.update_deal(db.session.get(Deal, sample.deal_id), notes=f"bench edit {next(edits)}")
                db.session.remove()

        return Steps(change_a_deal, _pipeline_get(sample.client))

    prepare.__doc__ = f"The first pipeline request after a deal change (cached summary recomputed), × {copies}."
    return prepare


from bench.agenda import agenda_pdf  # noqa: E402
from bench.cohorts import cohort_progress  # noqa: E402
from bench.cohorts import cohort_view  # noqa: E402

BENCHMARKS: list[Benchmark] = [
    Benchmark("report-pdf", "development report PDF (demo manager)", 1.5, report_pdf, unit="s"),
    Benchmark("page-save", "questionnaire page save (server)", 0.050, page_save, unit="ms"),
    Benchmark("sample-import", "import the CRM sample (8,800 deals, new reps)", 10.0, sample_import, unit="s", runs=3),
    Benchmark("pipeline", "pipeline page (server), sample deals", 0.200, _pipeline_warm(1)),
    Benchmark(
        "pipeline-10x",
        "pipeline page (server), 10× sample deals",
        0.300,
        _pipeline_warm(SAMPLE_COPIES),
        relative_to="pipeline",
        ratio_target=1.5,
    ),
    Benchmark(
        "pipeline-cold",
        "pipeline page, 1st request after a deal change (summary recomputed), sample deals",
        None,
        _pipeline_cold(1),
    ),
    Benchmark(
        "pipeline-10x-cold",
        "pipeline page, 1st request after a deal change (summary recomputed), 10×",
        None,
        _pipeline_cold(SAMPLE_COPIES),
        relative_to="pipeline-cold",
    ),
    Benchmark("cohort-view", "cohort view (server), session of 200 participants", 0.300, cohort_view),
    Benchmark("cohort-progress", "progress board poll (server), 200 participants", None, cohort_progress),
    Benchmark("agenda-pdf", "one-on-one agenda PDF (demo one-on-one)", 1.0, agenda_pdf, unit="s"),
]


# ---------------------------------------------------------------------------- running and reporting


def measure(operation: Operation | Steps, runs: int) -> tuple[float, ...]:
    return measure_in_turns([operation], runs)[0]


def measure_in_turns(operations: list[Operation | Steps], runs: int) -> list[tuple[float, ...]]:
    """Time the operations in turns (one run of each per round), after one warm-up each.

    Taking turns keeps a ratio between two operations fair when the machine's load
    changes during the measurement; every other round runs them in reverse order, so
    that neither always runs right after the other.
    """
    steps = [op if isinstance(op, Steps) else Steps(lambda: None, op) for op in operations]
    for step in steps:
        step.before()
        step.operation()  # warm-up: caches, fonts, compiled templates
    times: list[list[float]] = [[] for _ in steps]
    for round_number in range(runs):
        turns = list(zip(steps, times, strict=True))
        for step, out in reversed(turns) if round_number % 2 else turns:
            step.before()
            start = time.perf_counter()
            step.operation()
            out.append(time.perf_counter() - start)
    return [tuple(t) for t in times]


def _fmt(seconds: float, unit: str) -> str:
    return f"{seconds:.3f} s" if unit == "s" else f"{seconds * 1000:.1f} ms"


def table(figures: list[Figure]) -> str:
    header = ("figure", "median", "p90", "target", "result")
    rows = [
        (
            f.benchmark.name,
            _fmt(f.median, f.benchmark.unit),
            _fmt(f.p90, f.benchmark.unit),
            "–" if f.benchmark.target is None else "≤ " + _fmt(f.benchmark.target, f.benchmark.unit),
            "info" if f.benchmark.target is None else "OK" if f.ok else "OVER",
        )
        for f in figures
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


@dataclass(frozen=True)
class Ratio:
    """A figure's median over the median of its ``relative_to`` figure, both timed in the same turns."""

    figure: Figure

    @property
    def value(self) -> float:
        return self.figure.median / statistics.median(self.figure.base_times)

    @property
    def ok(self) -> bool:
        target = self.figure.benchmark.ratio_target
        return target is None or self.value <= target


def ratios(figures: list[Figure]) -> list[Ratio]:
    return [Ratio(f) for f in figures if f.benchmark.relative_to and f.base_times]


def ratio_lines(found: list[Ratio]) -> list[str]:
    lines = []
    for r in found:
        b = r.figure.benchmark
        verdict = (
            "for information"
            if b.ratio_target is None
            else (f"target ≤ {b.ratio_target:g}×: " + ("OK" if r.ok else "OVER"))
        )
        medians = f"{_fmt(r.figure.median, b.unit)} ÷ {_fmt(statistics.median(r.figure.base_times), b.unit)}"
        lines.append(f"{b.key} ÷ {b.relative_to}, timed in turns: {medians} = {r.value:.2f}× ({verdict})")
    return lines


def run(keys: list[str] | None = None, runs: int | None = None) -> list[Figure]:
    """Measure the chosen figures; ``runs`` (when given) overrides every figure's own count."""
    chosen = [b for b in BENCHMARKS if not keys or b.key in keys]
    by_key = {b.key: b for b in BENCHMARKS}
    figures = []
    prepared: dict[str, Operation | Steps] = {}
    with environment() as env:
        for benchmark in chosen:
            count = runs or benchmark.runs or DEFAULT_RUNS
            print(f"measuring {benchmark.name} ({count} runs) ...", file=sys.stderr, flush=True)
            operation = prepared[benchmark.key] = benchmark.prepare(env)
            base = benchmark.relative_to
            if base and base not in prepared:
                prepared[base] = by_key[base].prepare(env)
            gc.collect()  # leave no garbage of an earlier figure (or of the set-up) to this one
            if base:
                times, base_times = measure_in_turns([operation, prepared[base]], count)
                figures.append(Figure(benchmark, times, base_times))
            else:
                figures.append(Figure(benchmark, measure(operation, count)))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="CoachKit speed figures (medians).")
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        help=f"timed runs of every figure (default: the figure's own count, else {DEFAULT_RUNS})",
    )
    parser.add_argument(
        "--only", action="append", choices=[b.key for b in BENCHMARKS], help="measure only this figure (repeatable)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a median or a ratio is over its target"
    )
    args = parser.parse_args(argv)
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    try:
        figures = run(args.only, args.runs)
    except BenchError as exc:
        print(f"python -m bench: {exc}", file=sys.stderr)
        return 2
    found = ratios(figures)
    print()
    print(table(figures))
    lines = ratio_lines(found)
    if lines:
        print()
        print("\n".join(lines))
    ok = all(f.ok for f in figures) and all(r.ok for r in found)
    return 1 if args.strict and not ok else 0
