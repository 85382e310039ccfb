"""`--engine spark` of `countermark scan` and `countermark network`: the same jobs on Apache Spark.

No commands of its own: cli/detection.py and cli/network.py call these when given `--engine spark`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from countermark.cli.app import EXIT_REJECTS, EXIT_UNREADABLE
from countermark.cli.common import console, fail, progress, settings

ENGINES = ("local", "spark")


def _session(engine: str, master: str):
    from countermark.spark.session import SparkUnavailable, spark_session

    if engine not in ENGINES:
        raise fail(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}", EXIT_UNREADABLE)
    try:
        return spark_session(master)
    except SparkUnavailable as e:
        raise fail(str(e), EXIT_UNREADABLE) from None


def _check_bundle(path: Path) -> None:
    """An unreadable bundle fails at once, before Spark spends seconds starting."""
    from countermark.listings.bundle import Bundle, BundleError

    try:
        Bundle.open(path)
    except BundleError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None


def scan_on_spark(source: Path, out: Path, *, engine: str, master: str, threshold: float,
                  model_path: Path | None, bundle: Path | None = None, resume: bool = False,
                  images: bool = True) -> None:
    """Scan a bundle (or Parquet listings with `bundle` for brands and sellers) on Spark; exits like the local
    scan: 2 unreadable input or model, 3 some records rejected."""
    from countermark.images.scan import scan_hook
    from countermark.listings.bundle import BundleError, rejects_path_for
    from countermark.spark import jobs

    if resume and out.suffix == ".jsonl":
        raise fail(f"{out}: --resume with --engine spark needs a Parquet directory as --out (a .jsonl output is "
                   f"collected through the driver in one go)", EXIT_UNREADABLE)
    _check_bundle(bundle or source)
    spark = _session(engine, master)
    try:
        image_matcher = scan_hook(bundle or source, radius=settings().image_match_distance) if images else None
        with progress() as bar:
            task = bar.add_task(f"scanning on Spark ({master}): parts", total=None)
            summary = jobs.scan(spark, source, out, bundle=bundle, threshold=threshold, model_path=model_path,
                                image_matcher=image_matcher, resume=resume,
                                on_progress=lambda done, parts: bar.update(task, completed=done, total=parts))
    except BundleError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    except ValueError as e:  # an unreadable or mismatched model
        raise fail(str(e), EXIT_UNREADABLE) from None
    resumed = f" ({summary.resumed_from:,} of them by the interrupted run)" if summary.resumed_from else ""
    console.print(f"{summary.listings:,} listings scanned on Spark{resumed}, {summary.flagged:,} flagged "
                  f"{'in this run ' if resumed else ''}-> {out} ({summary.engine_version}, threshold {threshold})",
                  highlight=False, markup=False)
    if summary.rejects:
        console.print(f"{summary.rejects:,} records rejected -> {rejects_path_for(out)}", highlight=False,
                      markup=False)
        raise typer.Exit(EXIT_REJECTS)


def network_on_spark(source: Path, out: Path, *, engine: str, master: str) -> None:
    from countermark.listings.bundle import BundleError
    from countermark.spark import jobs

    _check_bundle(source)
    spark = _session(engine, master)
    try:
        with console.status(f"linking sellers on Spark ({master})"):
            report = jobs.network(spark, source, out)
    except BundleError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    console.print(f"{report.sellers} sellers in {report.clusters} clusters "
                  f"({report.linked_clusters} of two or more accounts) on Spark: {out}", highlight=False,
                  markup=False)
    if report.rejects:
        console.print(f"{report.rejects} seller record(s) rejected: see {report.rejects_path}", highlight=False,
                      markup=False)
        raise typer.Exit(EXIT_REJECTS)
