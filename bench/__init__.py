"""Speed figures of CoachKit, measured on a temporary SQLite database with the demo data.

Run with ``make bench`` (``python -m bench``). Each figure is a named benchmark: a function
that prepares what it needs and returns the operation to time. The operation runs once
untimed (warm-up), then ``--runs`` times; the table shows the median and the 90th percentile
against the figure's target. These are figures to read, not tests: the exit status is 0
unless ``--strict`` is given and a median is over its target.

Add a figure by writing a ``prepare(env) -> operation`` function and listing it in
``BENCHMARKS``.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

DEFAULT_RUNS = 15


@dataclass(frozen=True)
class Env:
    """What every benchmark can use: the app on a migrated temporary database with the demo data."""

    app: Flask
    demo_manager_email: str
    demo_manager_password: str


Operation = Callable[[], object]


@dataclass(frozen=True)
class Benchmark:
    key: str  # short name for --only
    name: str  # shown in the table
    target: float  # seconds; the median must not exceed it
    prepare: Callable[[Env], Operation]
    unit: str = "ms"  # how the table shows the times: "s" or "ms"


@dataclass(frozen=True)
class Figure:
    benchmark: Benchmark
    times: tuple[float, ...]

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
        return self.median <= self.benchmark.target


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


BENCHMARKS: list[Benchmark] = [
    Benchmark("report-pdf", "development report PDF (demo manager)", 1.5, report_pdf, unit="s"),
    Benchmark("page-save", "questionnaire page save (server)", 0.050, page_save, unit="ms"),
]


# ---------------------------------------------------------------------------- running and reporting


def measure(operation: Operation, runs: int) -> tuple[float, ...]:
    operation()  # warm-up: caches, fonts, compiled templates
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        operation()
        times.append(time.perf_counter() - start)
    return tuple(times)


def _fmt(seconds: float, unit: str) -> str:
    return f"{seconds:.3f} s" if unit == "s" else f"{seconds * 1000:.1f} ms"


def table(figures: list[Figure]) -> str:
    header = ("figure", "median", "p90", "target", "result")
    rows = [
        (
            f.benchmark.name,
            _fmt(f.median, f.benchmark.unit),
            _fmt(f.p90, f.benchmark.unit),
            "≤ " + _fmt(f.benchmark.target, f.benchmark.unit),
            "OK" if f.ok else "OVER",
        )
        for f in figures
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def run(keys: list[str] | None = None, runs: int = DEFAULT_RUNS) -> list[Figure]:
    chosen = [b for b in BENCHMARKS if not keys or b.key in keys]
    figures = []
    with environment() as env:
        for benchmark in chosen:
            print(f"measuring {benchmark.name} ({runs} runs) ...", file=sys.stderr, flush=True)
            figures.append(Figure(benchmark, measure(benchmark.prepare(env), runs)))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="CoachKit speed figures (medians).")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="timed runs per figure (default %(default)s)")
    parser.add_argument(
        "--only", action="append", choices=[b.key for b in BENCHMARKS], help="measure only this figure (repeatable)"
    )
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a median is over its target")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    figures = run(args.only, args.runs)
    print()
    print(table(figures))
    return 1 if args.strict and not all(f.ok for f in figures) else 0
