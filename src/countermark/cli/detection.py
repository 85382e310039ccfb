"""Commands of countermark.detection: scan, train."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from countermark.cli.app import EXIT_REJECTS, EXIT_UNREADABLE, app
from countermark.cli.common import console, fail, progress, settings
from countermark.detection.context import SellerFacts

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from countermark.detection.batch import ImageMatcherHook
    from countermark.detection.model import TrainingSet
    from countermark.network.service import BanEvidence


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
                      bundle=spark_bundle, resume=resume, images=images)
        return

    from countermark.detection.batch import count_listings, scan_bundle

    try:
        image_matcher = _image_hook(bundle) if images else None
        with progress() as bar:
            # the count reads the whole file (~0.1 s per 500k listings): only for a bar that is shown
            task = bar.add_task("scanning", total=None if bar.disable else count_listings(bundle))
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


def _image_hook(bundle: Path) -> ImageMatcherHook | None:
    # imported only when there are images to match: the images area brings numpy, faiss and Pillow (~0.2-0.5 s
    # of start-up), and a bundle without images/ gets no image signal anyway
    if not (bundle / "images").is_dir():
        return None
    from countermark.images.scan import scan_hook  # images area: matches with the bundle's brand images

    return scan_hook(bundle, radius=settings().image_match_distance)


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


def _seller_facts(session: Session, seller_ids: list[str], alliance_secret: bytes = b"",
                  as_of: datetime | None = None) -> dict[str, SellerFacts]:
    """Registration date, upheld (not lifted) strikes and ban-evasion links of sellers, from the database
    (links to accounts banned here, or to actors banned by alliance peers).

    With `as_of`, strikes and local bans are counted as they stood then (training: a listing's own removal
    must not explain its label); clusters and peers' bans are today's.
    """
    from sqlalchemy import select

    from countermark.alliance.service import banned_actor_links
    from countermark.enforcement.strikes import strike_counts
    from countermark.listings.models import Seller
    from countermark.listings.service import seller_records

    if not seller_ids:
        return {}
    registered = dict(session.execute(select(Seller.seller_id, Seller.registered_at)
                                      .where(Seller.seller_id.in_(seller_ids))).all())
    strikes = strike_counts(session, seller_ids, as_of=as_of)
    peers = banned_actor_links(session, alliance_secret, seller_records(session, seller_ids)) if alliance_secret else {}
    linked = _banned_links(session, seller_ids, as_of)
    facts: dict[str, SellerFacts] = {}
    for seller_id in seller_ids:
        evidence = linked.get(seller_id)
        link = evidence.summary() if evidence is not None else peers.get(seller_id)
        facts[seller_id] = SellerFacts(seller_id, str(registered.get(seller_id) or ""),
                                       prior_infringements=int(strikes.get(seller_id, 0)),
                                       linked_to_banned=link is not None, link_evidence=link)
    return facts


def _banned_links(session: Session, seller_ids: list[str], as_of: datetime | None) -> dict[str, BanEvidence]:
    """Links to accounts banned here: today's, or only to accounts already banned at `as_of`."""
    from countermark.enforcement.strikes import banned_at
    from countermark.network.service import banned_links_many

    linked = banned_links_many(session, seller_ids)
    if as_of is None or not linked:
        return linked
    then = banned_at(session, {b for e in linked.values() for b in e.banned_seller_ids}, as_of)
    kept = {s: replace(e, banned_seller_ids=[b for b in e.banned_seller_ids if b in then]) for s, e in linked.items()}
    return {s: e for s, e in kept.items() if e.banned_seller_ids}


def _scan_database(threshold: float, model_path: Path | None, images: bool = True) -> None:
    from countermark.alliance.config import load_secret
    from countermark.cli.common import database

    config = settings()
    try:
        with database() as engine, progress() as bar:
            task = bar.add_task("scanning database", total=None)
            summary = scan_database(engine, threshold=threshold, model_path=model_path,
                                    on_progress=lambda n: bar.advance(task, n),
                                    media_root=config.media_root if images else None,
                                    alliance_secret=load_secret(config), image_radius=config.image_match_distance)
    except ValueError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    console.print(f"{summary.scanned:,} listings scanned, {summary.flagged:,} flagged, "
                  f"{summary.queued:,} new review items ({summary.engine_version})", highlight=False, markup=False)


EXIT_TOO_FEW = 1  # train: too few examples, or one class only
MIN_PER_CLASS = 10
DECISIONS = "reviewers' decisions"


def training_set_from_database(engine: Engine, *, alliance_secret: bytes = b"") -> TrainingSet:
    """Reviewers' verdicts (`enforcement.reviewed`) as a training set, read the way `scan --db` reads listings.

    Brands come from rights (and alliance peers); each seller's facts are those of the moment the listing
    entered the review queue, so the strike (or ban) its own removal caused never explains its label.
    """
    from countermark.alliance.service import scan_brands
    from countermark.detection.context import ScanContext
    from countermark.detection.engine import DetectionEngine
    from countermark.detection.training import combine, training_set_from_decisions
    from countermark.enforcement.service import ReviewedListing, reviewed_listings
    from countermark.storage.engine import transaction

    groups: dict[datetime, list[ReviewedListing]] = {}
    with transaction(engine) as session:
        brands = scan_brands(session, alliance_secret)
        for reviewed in reviewed_listings(session):
            groups.setdefault(reviewed.queued_at, []).append(reviewed)
        contexts = {at: ScanContext(sellers=_seller_facts(session, sorted({r.listing.seller_id for r in group}),
                                                          alliance_secret, as_of=at))
                    for at, group in groups.items()}
    detector = DetectionEngine(brands)
    return combine((training_set_from_decisions(detector, [(r.listing, r.counterfeit) for r in group], contexts[at])
                    for at, group in groups.items()), detector.feature_names)


def _decisions_source() -> tuple[str, TrainingSet]:
    from countermark.alliance.config import load_secret
    from countermark.cli.common import database

    with database() as engine:
        training = training_set_from_database(engine, alliance_secret=load_secret(settings()))
        return f"{DECISIONS} in {engine.url.render_as_string(hide_password=True)}", training


def _training_sources(bundle: Path | None, exclude_tactics: set[str], from_decisions: bool
                      ) -> list[tuple[str, TrainingSet]]:
    """(description, training set) of each source asked for."""
    from countermark.detection.training import training_set_from_bundle
    from countermark.listings.bundle import BundleError

    sources = []
    if bundle is not None:
        try:
            sources.append((f"bundle {bundle}", training_set_from_bundle(bundle, exclude_tactics=exclude_tactics)[0]))
        except BundleError as e:
            raise fail(str(e), EXIT_UNREADABLE) from None
    if from_decisions:
        sources.append(_decisions_source())
    return sources


def _require_examples(sources: list[tuple[str, TrainingSet]], minimum: int) -> None:
    """Fail naming what is missing unless there are `minimum` counterfeit and legitimate examples."""
    counterfeit = sum(sum(t.labels) for _, t in sources)
    legitimate = sum(len(t.labels) for _, t in sources) - counterfeit
    if min(counterfeit, legitimate) >= minimum:
        return
    found = "; ".join(f"{name}: {_class_counts(name, t)}" for name, t in sources)
    missing = " and ".join(f"{minimum - n} more {kind}" for n, kind in ((counterfeit, "counterfeit"),
                                                                       (legitimate, "legitimate")) if n < minimum)
    raise fail(f"too few examples to train: need at least {minimum} counterfeit and {minimum} legitimate listings, "
               f"found {found}; {missing} needed", EXIT_TOO_FEW)


def _class_counts(name: str, training: TrainingSet) -> str:
    counterfeit = sum(training.labels)
    legitimate = len(training.labels) - counterfeit
    if name.startswith(DECISIONS):
        return (f"{counterfeit} counterfeit (removals, upheld flags and complaints), {legitimate} legitimate "
                "(rejected flags and notices, reversed takedowns)")
    return f"{counterfeit} counterfeit, {legitimate} legitimate"


@app.command("train")
def train(
    bundle: Path | None = typer.Argument(None, help="Labelled bundle (labels/listings.csv); optional with "
                                         "--from-decisions"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Model file [default: "
                                    "<data_dir>/models/detection.joblib, used by scan]"),
    exclude_tactic: list[str] = typer.Option([], "--exclude-tactic", help="Leave the bundle's listings of this "
                                             "tactic out"),
    from_decisions: bool = typer.Option(False, "--from-decisions", "--db", help="Learn from reviewers' decisions "
                                        "in the database (with BUNDLE: from both)"),
    min_per_class: int = typer.Option(MIN_PER_CLASS, min=2, help="Refuse to train on fewer counterfeit or fewer "
                                      "legitimate listings"),
) -> None:
    """Fit a calibrated model on the signals' features from labelled listings and/or reviewers' decisions.

    Exit codes: 0 trained, 1 too few examples of a class, 2 unreadable bundle or nothing to train on.
    """
    from countermark.detection.model import fit, save_model
    from countermark.detection.training import combine

    if bundle is None and not from_decisions:
        raise fail("give a labelled BUNDLE, --from-decisions, or both", EXIT_UNREADABLE)
    sources = _training_sources(bundle, set(exclude_tactic), from_decisions)
    _require_examples(sources, min_per_class)
    try:
        training = combine((t for _, t in sources), sources[0][1].feature_names)
        model = fit(training)
    except ValueError as e:
        raise fail(str(e), EXIT_UNREADABLE) from None
    target = out or default_model_path()
    trained_on = " + ".join(name for name, _ in sources)
    save_model(model, training.feature_names, target, trained_on=trained_on, examples=len(training.labels))
    positives = sum(training.labels)
    console.print(f"trained on {len(training.labels):,} listings ({positives:,} counterfeit) from {trained_on} "
                  f"-> {target}", highlight=False, markup=False)
