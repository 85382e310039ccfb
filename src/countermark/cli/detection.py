"""Commands of countermark.detection: scan, train."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from countermark.cli.app import EXIT_REJECTS, EXIT_UNREADABLE, app
from countermark.cli.common import console, fail, progress, settings
from countermark.detection.context import SellerFacts

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session


def default_model_path() -> Path:
    from countermark.detection.model import MODEL_FILE

    return settings().data_dir / "models" / MODEL_FILE


def _resolve_model(model: Path | None, transparent: bool) -> Path | None:
    if transparent:
        return None
    if model is not None:
        return model
    default = default_model_path()
    return default if default.is_file() else None


@app.command("scan")
def scan(
    bundle: Path | None = typer.Argument(None, help="Bundle directory to scan (omit with --db)"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output JSONL, one decision per listing"),
    threshold: float | None = typer.Option(None, min=0, max=1, help="Flag at or above this score "
                                           "[default: settings scan_threshold]"),
    model: Path | None = typer.Option(None, help="Trained model [default: <data_dir>/models/detection.joblib "
                                      "when present]"),
    transparent: bool = typer.Option(False, "--transparent", help="Ignore any trained model"),
    resume: bool = typer.Option(False, help="Continue an interrupted scan, appending to --out"),
    workers: int = typer.Option(min(2, os.cpu_count() or 1), min=1, help="Processes scoring in parallel"),
    db: bool = typer.Option(False, "--db", help="Scan the listings in the database and queue flags for review"),
    batch_size: int = typer.Option(2_000, min=1, help="Listings per batch (memory use is about 2 x workers batches)"),
    images: bool = typer.Option(True, "--images/--no-images", help="Match listing images with the bundle's brand "
                                "images (when the bundle has images/)"),
    engine: str = typer.Option("local", help="local, or spark: the same kernel on Apache Spark (docs/spark.md)"),
    master: str = typer.Option("local[2]", help="Spark master URL, with --engine spark"),
    spark_bundle: Path | None = typer.Option(None, "--bundle", help="With --engine spark and a Parquet directory "
                                             "of listings as BUNDLE: the bundle giving brands and sellers"),
) -> None:
    """Score listings for counterfeit risk and explain each decision.

    Exit codes: 0 clean, 2 unreadable bundle or model, 3 some records rejected (see OUT.rejects.jsonl).
    """
    from countermark.listings.bundle import BundleError, rejects_path_for

    limit = settings().scan_threshold if threshold is None else threshold
    model_path = _resolve_model(model, transparent)
    if db:
        if bundle is not None or out is not None:
            raise fail("--db scans the database: give no BUNDLE or --out", EXIT_UNREADABLE)
        _scan_database(limit, model_path, images)
        return
    if bundle is None or out is None:
        raise fail("give a BUNDLE and --out FILE.jsonl (or --db)", EXIT_UNREADABLE)
    if engine != "local":
        from countermark.cli.spark import scan_on_spark  # Spark area: output is Parquet unless OUT is .jsonl

        scan_on_spark(bundle, out, engine=engine, master=master, threshold=limit, model_path=model_path,
                      bundle=spark_bundle)
        return

    from countermark.detection.batch import count_listings, scan_bundle

    try:
        total = count_listings(bundle)
        from countermark.images.scan import scan_hook  # images area: matches with the bundle's brand images

        image_matcher = scan_hook(bundle, radius=settings().image_match_distance) if images else None
        with progress() as bar:
            task = bar.add_task("scanning", total=total)
            summary = scan_bundle(bundle, out, threshold=limit, model_path=model_path, resume=resume,
                                  workers=workers, batch_size=batch_size, image_matcher=image_matcher,
                                  on_progress=lambda n: bar.advance(task, n))
    except BundleError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    except ValueError as e:  # an unreadable or mismatched model
        raise fail(str(e), EXIT_UNREADABLE) from None
    resumed = f" (resumed after {summary.resumed_from:,})" if summary.resumed_from else ""
    console.print(f"{summary.listings:,} listings scanned{resumed}, {summary.flagged:,} flagged in this run "
                  f"-> {out} ({summary.engine_version}, threshold {limit})", highlight=False, markup=False)
    if summary.rejects:
        console.print(f"{summary.rejects:,} records rejected -> {rejects_path_for(out)}", highlight=False,
                      markup=False)
        raise typer.Exit(EXIT_REJECTS)


@dataclass(frozen=True, slots=True)
class DatabaseScan:
    scanned: int
    flagged: int
    queued: int  # review items created (re-scans update open items instead)
    engine_version: str


def scan_database(engine: Engine, *, threshold: float, model_path: Path | None = None,
                  on_progress: Callable[[int], None] | None = None, batch_size: int = 2_000,
                  media_root: Path | None = None, alliance_secret: bytes = b"",
                  image_radius: int = 31) -> DatabaseScan:
    """Scan every active listing in the database and queue the flagged ones for review (idempotent).

    Glue between the database and the pure kernel: brands, sellers' history (upheld strikes, links to
    banned accounts) and listings are read as plain records; each batch's flags are committed with
    `enforcement.queue.record_proactive_flags`, so an interrupted scan keeps what it queued and a re-scan
    never duplicates an item. With `media_root`, listing images are matched against every hash bank
    (local and imported from alliance peers); peers' brand profiles, vocabulary and banned actors are
    used as well.
    """
    from countermark.alliance.service import peer_bank_entries, scan_brands
    from countermark.detection.context import ScanContext
    from countermark.detection.engine import DetectionEngine
    from countermark.detection.model import load_model
    from countermark.enforcement.queue import record_proactive_flags
    from countermark.hashbanks.service import bank_entries
    from countermark.images.matcher import ImageMatcher
    from countermark.listings.service import listing_records
    from countermark.storage.engine import session_factory, transaction

    with transaction(engine) as session:
        brands = scan_brands(session, alliance_secret)
        entries = [*bank_entries(session), *peer_bank_entries(session)] if media_root is not None else []
    matcher = ImageMatcher(entries, radius=image_radius) if entries else None
    detector = DetectionEngine(brands, threshold=threshold,
                               model=load_model(model_path) if model_path is not None else None)
    facts: dict[str, SellerFacts] = {}
    scanned = flagged = queued = 0
    with session_factory(engine)() as reader:
        for batch in listing_records(reader, batch_size, status="active"):
            with transaction(engine) as session:
                missing = sorted({x.seller_id for x in batch} - facts.keys())
                facts.update(_seller_facts(session, missing, alliance_secret))
                images = matcher.match_listings(batch, media_root) if matcher and media_root else {}
                context = ScanContext(sellers={x.seller_id: facts[x.seller_id] for x in batch
                                               if x.seller_id in facts}, image_matches=images)
                decisions = detector.scan(batch, context)
                queued += record_proactive_flags(session, decisions)
            scanned += len(batch)
            flagged += sum(d.flagged for d in decisions)
            if on_progress is not None:
                on_progress(len(batch))
    return DatabaseScan(scanned, flagged, queued, detector.version)


def _seller_facts(session: Session, seller_ids: list[str], alliance_secret: bytes = b"") -> dict[str, SellerFacts]:
    """Registration date, upheld (not lifted) strikes and ban-evasion links of sellers, from the database
    (links to accounts banned here, or to actors banned by alliance peers)."""
    from sqlalchemy import func, select

    from countermark.alliance.service import banned_actor_links
    from countermark.enforcement.models import Strike
    from countermark.listings.models import Seller
    from countermark.listings.service import seller_records
    from countermark.network.service import banned_links_many

    if not seller_ids:
        return {}
    registered = dict(session.execute(select(Seller.seller_id, Seller.registered_at)
                                      .where(Seller.seller_id.in_(seller_ids))).all())
    strikes = dict(session.execute(select(Strike.seller_id, func.count()).where(
        Strike.seller_id.in_(seller_ids), Strike.lifted_at.is_(None)).group_by(Strike.seller_id)).all())
    peers = banned_actor_links(session, alliance_secret, seller_records(session, seller_ids)) if alliance_secret else {}
    linked = banned_links_many(session, seller_ids)
    facts: dict[str, SellerFacts] = {}
    for seller_id in seller_ids:
        evidence = linked.get(seller_id)
        link = evidence.summary() if evidence is not None else peers.get(seller_id)
        facts[seller_id] = SellerFacts(seller_id, str(registered.get(seller_id) or ""),
                                       prior_infringements=int(strikes.get(seller_id, 0)),
                                       linked_to_banned=link is not None, link_evidence=link)
    return facts


def _scan_database(threshold: float, model_path: Path | None, images: bool = True) -> None:
    from countermark.alliance.config import load_secret
    from countermark.cli.common import database

    config = settings()
    try:
        with database() as engine, progress() as bar:
            task = bar.add_task("scanning database", total=None)
            summary = scan_database(engine, threshold=threshold, model_path=model_path,
                                    on_progress=lambda n: bar.advance(task, n),
                                    media_root=config.data_dir / "media" if images else None,
                                    alliance_secret=load_secret(config), image_radius=config.image_match_distance)
    except ValueError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    console.print(f"{summary.scanned:,} listings scanned, {summary.flagged:,} flagged, "
                  f"{summary.queued:,} new review items ({summary.engine_version})", highlight=False, markup=False)


@app.command("train")
def train(
    bundle: Path = typer.Argument(..., help="Labelled bundle (labels/listings.csv)"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Model file [default: "
                                    "<data_dir>/models/detection.joblib, used by scan]"),
    exclude_tactic: list[str] = typer.Option([], "--exclude-tactic", help="Leave listings of this tactic out"),
) -> None:
    """Fit a calibrated model on the signals' features from labelled listings."""
    from countermark.detection.model import fit, save_model
    from countermark.detection.training import training_set_from_bundle
    from countermark.listings.bundle import BundleError

    try:
        training, _ = training_set_from_bundle(bundle, exclude_tactics=set(exclude_tactic))
        model = fit(training)
    except BundleError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    except ValueError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    target = out or default_model_path()
    save_model(model, training.feature_names, target, trained_on=str(bundle), examples=len(training.labels))
    positives = sum(training.labels)
    console.print(f"trained on {len(training.labels):,} listings ({positives:,} counterfeit) -> {target}",
                  highlight=False, markup=False)
