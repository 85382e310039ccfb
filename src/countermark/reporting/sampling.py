"""Prevalence audit service: draw a stratified sample of active listings, record labels, estimate.

The sample is reproducible: strata are listing categories, listings within a stratum are taken in
`listing_id` order and chosen with `random.Random(f"{seed}:{stratum}")`, and the seed is stored.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.enforcement import audit
from countermark.listings.models import Listing
from countermark.reporting import prevalence
from countermark.reporting.models import LABELS, AuditLabel, AuditSample, AuditSampleItem, AuditStratum

UNCATEGORISED = "(uncategorised)"


class AuditError(ValueError):
    """A request the audit cannot honour (unknown sample, listing outside the sample, bad label)."""


@dataclass(frozen=True, slots=True)
class LabelInput:
    listing_id: str
    label: str
    reviewer: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class SampleSummary:
    sample_id: int
    seed: int
    population: int
    sizes: dict[str, int]  # stratum -> sample size

    @property
    def total(self) -> int:
        return sum(self.sizes.values())


@dataclass(frozen=True, slots=True)
class AuditReport:
    """An estimate with everything a reader needs to judge it."""

    sample_id: int
    name: str
    drawn_at: str
    seed: int
    margin: float
    allocation: str
    sampled: int
    unlabelled: int
    disputed: int  # items whose reviewers disagree with no majority: left out of the estimate
    estimate: prevalence.PrevalenceEstimate
    method: str

    def as_dict(self) -> dict:
        return {
            "sample_id": self.sample_id,
            "name": self.name,
            "drawn_at": self.drawn_at,
            "seed": self.seed,
            "margin": self.margin,
            "allocation": self.allocation,
            "sampled": self.sampled,
            "unlabelled": self.unlabelled,
            "disputed": self.disputed,
            "estimate": self.estimate.as_dict(),
            "method": self.method,
        }


def _utcnow() -> datetime:
    return datetime.now(UTC)


def stratum_of(category: str) -> str:
    return category.strip() or UNCATEGORISED


def active_populations(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(Listing.category, func.count()).where(Listing.status == "active").group_by(Listing.category)
    )
    populations: dict[str, int] = defaultdict(int)
    for category, count in rows:
        populations[stratum_of(category or "")] += count
    return dict(populations)


def draw_sample(
    session: Session,
    *,
    margin: float,
    confidence: float = 0.95,
    allocation: prevalence.Allocation = "proportional",
    min_per_stratum: int = 2,
    seed: int | None = None,
    name: str = "",
    actor: str = "cli",
    clock: Callable[[], datetime] = _utcnow,
) -> SampleSummary:
    """Draw and store a stratified random sample of the currently active listings."""
    populations = active_populations(session)
    if not populations:
        raise AuditError("there are no active listings to sample")
    sizes = prevalence.allocate(populations, margin, confidence, allocation, min_per_stratum)
    seed = secrets.randbits(48) if seed is None else seed
    sample = AuditSample(
        name=name,
        created_at=clock(),
        created_by=actor,
        seed=seed,
        margin=margin,
        confidence=confidence,
        allocation=allocation,
        min_per_stratum=min_per_stratum,
        population=sum(populations.values()),
    )
    session.add(sample)
    session.flush()

    # Ranks (positions in listing_id order within the stratum) drawn exactly as random.sample would draw the
    # listings themselves, so only the sample is held in memory while every active listing streams past.
    ranks = {stratum: random.Random(f"{seed}:{stratum}").sample(range(populations[stratum]), sizes[stratum])
             for stratum in sizes}
    wanted = {stratum: set(r) for stratum, r in ranks.items()}
    found: dict[tuple[str, int], str] = {}
    seen: dict[str, int] = defaultdict(int)
    ids = select(Listing.listing_id, Listing.category).where(Listing.status == "active").order_by(Listing.listing_id)
    for listing_id, category in session.execute(ids.execution_options(yield_per=10_000)):
        stratum = stratum_of(category or "")
        if seen[stratum] in wanted.get(stratum, ()):
            found[(stratum, seen[stratum])] = listing_id
        seen[stratum] += 1
    if dict(seen) != populations:
        raise AuditError("active listings changed while the sample was drawn; draw again")

    chosen: list[tuple[str, str]] = []
    for stratum in sorted(sizes):
        session.add(AuditStratum(
            sample_id=sample.id, stratum=stratum, population=populations[stratum], sample_size=sizes[stratum]
        ))
        chosen.extend((stratum, found[(stratum, rank)]) for rank in ranks[stratum])
    # Review order is shuffled across strata so reviewers do not see one category at a time.
    random.Random(f"{seed}:order").shuffle(chosen)
    session.add_all(
        AuditSampleItem(sample_id=sample.id, listing_id=listing_id, stratum=stratum, position=position)
        for position, (stratum, listing_id) in enumerate(chosen, start=1)
    )
    audit.record(
        session,
        actor=actor,
        action="audit_sample.drawn",
        subject=f"audit_sample:{sample.id}",
        details={"seed": seed, "margin": margin, "confidence": confidence, "allocation": allocation, "sizes": sizes},
        at=sample.created_at,
    )
    session.flush()
    return SampleSummary(sample.id, seed, sample.population, sizes)


def _sample(session: Session, sample_id: int) -> AuditSample:
    sample = session.get(AuditSample, sample_id)
    if sample is None:
        raise AuditError(f"no audit sample {sample_id}")
    return sample


def sample_items(session: Session, sample_id: int) -> list[AuditSampleItem]:
    _sample(session, sample_id)
    return list(session.scalars(
        select(AuditSampleItem).where(AuditSampleItem.sample_id == sample_id).order_by(AuditSampleItem.position)
    ))


def check_label(sample_items_ids: set[str], label: LabelInput) -> str | None:
    """Why a label cannot be recorded, or None when it can."""
    if label.listing_id not in sample_items_ids:
        return f"listing {label.listing_id!r} is not in this sample"
    if label.label not in LABELS:
        return f"label must be one of {', '.join(LABELS)}, got {label.label!r}"
    if not label.reviewer.strip():
        return "reviewer is empty"
    return None


def record_labels(
    session: Session,
    sample_id: int,
    labels: Sequence[LabelInput],
    *,
    actor: str = "cli",
    clock: Callable[[], datetime] = _utcnow,
) -> int:
    """Record reviewers' labels (a reviewer re-labelling an item replaces their own earlier label).

    All or nothing: any invalid label raises AuditError and nothing is written.
    """
    in_sample = {item.listing_id for item in sample_items(session, sample_id)}
    for label in labels:
        problem = check_label(in_sample, label)
        if problem:
            raise AuditError(problem)
    now = clock()
    for label in labels:
        session.merge(AuditLabel(
            sample_id=sample_id, listing_id=label.listing_id, reviewer=label.reviewer.strip(),
            label=label.label, note=label.note, labelled_at=now,
        ))
    audit.record_many(
        session,
        [(actor, "audit_sample.labelled", f"listing:{label.listing_id}",
          {"sample_id": sample_id, "reviewer": label.reviewer.strip(), "label": label.label})
         for label in labels],
        at=now,
    )
    session.flush()
    return len(labels)


def consensus(labels: Iterable[str]) -> str | None:
    """The majority label among reviewers; None on a tie."""
    ranked = Counter(labels).most_common()
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def estimate_sample(session: Session, sample_id: int) -> AuditReport:
    """Counterfeit share of the sampled population, per stratum and overall, from the labels so far."""
    sample = _sample(session, sample_id)
    items = dict(session.execute(
        select(AuditSampleItem.listing_id, AuditSampleItem.stratum).where(AuditSampleItem.sample_id == sample_id)
    ).all())
    verdicts: dict[str, list[str]] = defaultdict(list)
    for listing_id, label in session.execute(
        select(AuditLabel.listing_id, AuditLabel.label).where(AuditLabel.sample_id == sample_id)
    ):
        verdicts[listing_id].append(label)

    labelled: Counter[str] = Counter()
    counterfeit: Counter[str] = Counter()
    disputed = 0
    for listing_id, labels in verdicts.items():
        verdict = consensus(labels)
        if verdict is None:
            disputed += 1
            continue
        labelled[items[listing_id]] += 1
        counterfeit[items[listing_id]] += verdict == "counterfeit"
    counts = [
        prevalence.StratumCount(s.stratum, s.population, labelled[s.stratum], counterfeit[s.stratum])
        for s in sample.strata
    ]
    result = prevalence.estimate(counts, sample.confidence)
    return AuditReport(
        sample_id=sample.id,
        name=sample.name,
        drawn_at=audit.iso(sample.created_at),
        seed=sample.seed,
        margin=sample.margin,
        allocation=sample.allocation,
        sampled=len(items),
        unlabelled=len(items) - len(verdicts),
        disputed=disputed,
        estimate=result,
        method=prevalence.method_text(sample.allocation, sample.confidence, sample.min_per_stratum),  # type: ignore[arg-type]
    )


def list_samples(session: Session) -> list[AuditSample]:
    return list(session.scalars(select(AuditSample).order_by(AuditSample.id)))
