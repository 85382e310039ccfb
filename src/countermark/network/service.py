"""Seller networks over the database: store clusters with their evidence, linked accounts, ban evasion.

`cluster_database` runs the pure linkage kernel over every seller and replaces the stored clusters in
one transaction. Ban evasion: any seller in a cluster with a banned account (`Seller.status ==
"banned"`) is flagged with the linking evidence and, by policy, held for review (an open flag)
until someone confirms or dismisses it. `screen_sellers` does the same between runs for (new or
re-imported) accounts, by looking their keys up among the stored ones; `screen_import` runs it over
the sellers of an imported bundle.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from countermark.detection.context import SellerFacts
from countermark.enforcement import audit
from countermark.listings.bundle import Bundle, batched
from countermark.listings.models import Seller, SellerIdentifier
from countermark.listings.service import seller_records
from countermark.network.identifiers import key_kind, normalise
from countermark.network.linkage import LinkageRules, link_keys, seller_keys
from countermark.network.models import (
    BanEvasionFlag,
    NetworkCluster,
    NetworkHub,
    NetworkKey,
    NetworkLink,
    NetworkMember,
    NetworkRun,
)

FLAG_STATUSES = ("open", "confirmed", "dismissed")
_RAW_CHARS = 2000
_IN_CHUNK = 10_000  # values per IN (...) list: under SQLite's and PostgreSQL's bound-parameter limits


class NetworkError(ValueError):
    """A request the network service cannot carry out; the message says why."""


@dataclass(frozen=True)
class RunReport:
    run_id: int
    sellers: int
    clusters: int
    linked_clusters: int
    hub_keys: int
    hub_limit: int
    flagged: list[str]  # sellers newly held for review as ban evasion


@dataclass(frozen=True)
class BanEvidence:
    seller_id: str
    cluster_id: str
    banned_seller_ids: list[str]
    links: list[dict]  # [{"key", "sellers": [...]}]: the shared identifiers that tie the cluster together

    def summary(self) -> str:
        keys = ", ".join(link["key"] for link in self.links[:5])
        return f"linked to banned {', '.join(self.banned_seller_ids)} in {self.cluster_id} via {keys}"


@dataclass
class ScreenReport:
    screened: int = 0
    linked: dict[str, BanEvidence] = field(default_factory=dict)  # sellers linked to a banned account
    held: list[str] = field(default_factory=list)  # of those, newly held for review (not already flagged)


def _chunks(values: Collection[str]) -> Iterator[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _IN_CHUNK):
        yield ordered[start:start + _IN_CHUNK]


def cluster_database(session: Session, rules: LinkageRules = LinkageRules(), *, actor: str = "cli",
                     now: datetime | None = None) -> RunReport:
    """Cluster every stored seller, replace the stored clusters, flag ban evasion; all in the caller's transaction."""
    now = now or datetime.now(UTC)
    sellers = list(seller_records(session))
    keys = list(seller_keys(sellers))
    linkage = link_keys((s.seller_id for s in sellers), keys, rules)
    assignments = linkage.assignments()

    for table in (NetworkLink, NetworkMember, NetworkCluster, NetworkHub, NetworkKey):
        session.execute(delete(table))
    _bulk_insert(session, NetworkKey, ("seller_id", "key", "field", "raw"),
                 ((k.seller_id, k.key, k.field, k.raw[:_RAW_CHARS]) for k in keys))
    sizes = linkage.cluster_sizes()
    _bulk_insert(session, NetworkCluster, ("cluster_id", "size", "computed_at"),
                 ((c, n, now) for c, n in sizes.items()))
    _bulk_insert(session, NetworkMember, ("seller_id", "cluster_id"), assignments.items())
    _bulk_insert(session, NetworkLink, ("cluster_id", "key", "weight", "seller_ids"), linkage.shared_keys())
    hubs = linkage.hub_keys()
    _bulk_insert(session, NetworkHub, ("key", "sellers"), hubs)
    run = NetworkRun(computed_at=now, sellers=len(assignments), clusters=len(sizes), hub_limit=linkage.hub_limit,
                     rules=rules.as_json())
    session.add(run)
    session.flush()
    audit.record(session, actor=actor, action="network.clustered", subject=f"network_run:{run.id}", at=now,
                 details={"sellers": run.sellers, "clusters": run.clusters, "hub_keys": len(hubs),
                          "hub_limit": run.hub_limit})
    flagged = flag_ban_evasion(session, actor=actor, now=now)
    return RunReport(run.id, run.sellers, run.clusters, sum(1 for n in sizes.values() if n > 1), len(hubs),
                     run.hub_limit, flagged)


def _bulk_insert(session: Session, table: type, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Insert rows in the session's transaction: COPY on PostgreSQL (millions of keys), executemany elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        cursor = session.connection().connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:  # JSON columns (lists) travel as JSON text
                copy.write_row([json.dumps(v) if isinstance(v, list) else v for v in row])
        return
    batch = [dict(zip(columns, row, strict=True)) for row in rows]
    if batch:
        session.execute(insert(table), batch)


def cluster_assignments(session: Session) -> dict[str, str]:
    """seller_id -> cluster_id of every clustered seller, as stored by the last run."""
    return dict(session.execute(select(NetworkMember.seller_id, NetworkMember.cluster_id)
                                .order_by(NetworkMember.seller_id)).all())


def cluster_of(session: Session, seller_id: str) -> str | None:
    return session.scalar(select(NetworkMember.cluster_id).where(NetworkMember.seller_id == seller_id))


def cluster_members(session: Session, cluster_id: str) -> list[str]:
    return list(session.scalars(select(NetworkMember.seller_id).where(NetworkMember.cluster_id == cluster_id)
                                .order_by(NetworkMember.seller_id)))


def cluster_links(session: Session, cluster_id: str) -> list[dict]:
    return _links_by_cluster(session, [cluster_id]).get(cluster_id, [])


def _links_by_cluster(session: Session, cluster_ids: Collection[str]) -> dict[str, list[dict]]:
    """cluster_id -> its linking keys [{"key", "weight", "sellers"}] sorted by key."""
    links: dict[str, list[dict]] = {}
    for chunk in _chunks(cluster_ids):
        for r in session.scalars(select(NetworkLink).where(NetworkLink.cluster_id.in_(chunk))
                                 .order_by(NetworkLink.cluster_id, NetworkLink.key)):
            links.setdefault(r.cluster_id, []).append({"key": r.key, "weight": r.weight, "sellers": list(r.seller_ids)})
    return links


def _clusters_of(session: Session, seller_ids: Collection[str]) -> dict[str, str]:
    """seller_id -> cluster_id for those of the sellers that the last run clustered."""
    clusters: dict[str, str] = {}
    for chunk in _chunks(seller_ids):
        clusters.update(session.execute(select(NetworkMember.seller_id, NetworkMember.cluster_id)
                                        .where(NetworkMember.seller_id.in_(chunk))).all())
    return clusters


def linked_sellers(session: Session, seller_id: str) -> list[str]:
    """The other accounts in the seller's cluster (as of the last clustering), sorted."""
    cluster_id = cluster_of(session, seller_id)
    if cluster_id is None:
        return []
    return [s for s in cluster_members(session, cluster_id) if s != seller_id]


def _banned_by_cluster(session: Session, clusters: Collection[str] | None = None) -> dict[str, list[str]]:
    """cluster_id -> its banned members (sorted), for the given clusters or all of them."""
    stmt = (select(NetworkMember.cluster_id, Seller.seller_id).join(Seller, Seller.seller_id == NetworkMember.seller_id)
            .where(Seller.status == "banned").order_by(Seller.seller_id))
    banned: dict[str, list[str]] = {}
    statements = ([stmt] if clusters is None
                  else [stmt.where(NetworkMember.cluster_id.in_(chunk)) for chunk in _chunks(clusters)])
    for statement in statements:
        for cluster_id, seller_id in session.execute(statement):
            banned.setdefault(cluster_id, []).append(seller_id)
    return banned


def banned_links(session: Session, seller_id: str) -> BanEvidence | None:
    """Evidence that the seller is linked to a banned account (itself excluded), or None."""
    return banned_links_many(session, [seller_id]).get(seller_id)


def banned_links_many(session: Session, seller_ids: Collection[str]) -> dict[str, BanEvidence]:
    """`banned_links` of many sellers in a constant number of queries (per 10,000): only those linked appear."""
    clusters = _clusters_of(session, set(seller_ids))
    banned = _banned_by_cluster(session, set(clusters.values()))
    others = {s: [b for b in banned.get(c, []) if b != s] for s, c in clusters.items()}
    others = {s: ids for s, ids in others.items() if ids}
    links = _links_by_cluster(session, {clusters[s] for s in others})
    return {s: BanEvidence(s, clusters[s], ids, links.get(clusters[s], [])) for s, ids in others.items()}


def flag_ban_evasion(session: Session, *, actor: str = "system:network", now: datetime | None = None) -> list[str]:
    """Hold for review every non-banned seller clustered with a banned one; returns those newly flagged.

    Idempotent: an open flag is refreshed with the current evidence; a dismissed or confirmed flag
    is left as decided.
    """
    now = now or datetime.now(UTC)
    newly: list[str] = []
    for cluster_id, banned in sorted(_banned_by_cluster(session).items()):
        links = cluster_links(session, cluster_id)
        for seller_id in cluster_members(session, cluster_id):
            if seller_id not in banned and _hold(session, BanEvidence(seller_id, cluster_id, banned, links),
                                                 actor=actor, now=now):
                newly.append(seller_id)
    return newly


def _hold(session: Session, evidence: BanEvidence, *, actor: str, now: datetime) -> bool:
    flag = session.get(BanEvasionFlag, evidence.seller_id)
    if flag is not None:
        if flag.status == "open":
            flag.cluster_id, flag.banned_seller_ids, flag.evidence = (
                evidence.cluster_id, evidence.banned_seller_ids, evidence.links)
        return False
    session.add(BanEvasionFlag(seller_id=evidence.seller_id, cluster_id=evidence.cluster_id,
                               banned_seller_ids=evidence.banned_seller_ids, evidence=evidence.links,
                               status="open", flagged_at=now))
    audit.record(session, actor=actor, action="network.ban_evasion_flagged", subject=f"seller:{evidence.seller_id}",
                 at=now, details={"cluster_id": evidence.cluster_id, "banned": evidence.banned_seller_ids,
                                  "keys": [link["key"] for link in evidence.links]})
    return True


def screen_seller(session: Session, seller_id: str, rules: LinkageRules = LinkageRules(), *,
                  actor: str = "system:network", now: datetime | None = None) -> BanEvidence | None:
    """Check one (e.g. newly registered) seller against the stored network before the next clustering."""
    if session.get(Seller, seller_id) is None:
        raise NetworkError(f"no seller {seller_id!r}")
    return screen_sellers(session, [seller_id], rules, actor=actor, now=now).linked.get(seller_id)


def screen_sellers(session: Session, seller_ids: Iterable[str], rules: LinkageRules = LinkageRules(), *,
                   actor: str = "system:network", now: datetime | None = None) -> ScreenReport:
    """Check (new or re-imported) sellers against the stored network before the next clustering.

    Each seller's keys are looked up among the stored ones (hub keys ignored); sellers sharing strong
    keys, or weak keys adding up to the threshold, link it. When the clusters of those it links to
    hold a banned account, the seller is flagged and held for review with the shared keys as evidence.
    Banned and unknown sellers are skipped. A constant number of queries however many sellers.
    """
    now = now or datetime.now(UTC)
    ids = set(seller_ids)
    countries: dict[str, str | None] = {}
    for chunk in _chunks(ids):
        countries.update(session.execute(select(Seller.seller_id, Seller.country)
                                         .where(Seller.seller_id.in_(chunk), Seller.status != "banned")).all())
    own: dict[str, set[str]] = {seller_id: set() for seller_id in countries}
    for chunk in _chunks(countries.keys()):
        for seller_id, kind, value in session.execute(
                select(SellerIdentifier.seller_id, SellerIdentifier.kind, SellerIdentifier.value)
                .where(SellerIdentifier.seller_id.in_(chunk))):
            own[seller_id].update(normalise(kind, value, country=countries[seller_id]))
    keys = set().union(*own.values())
    for chunk in _chunks(keys):
        keys.difference_update(session.scalars(select(NetworkHub.key).where(NetworkHub.key.in_(chunk))))
    holders: dict[str, set[str]] = {}
    for chunk in _chunks(keys):
        for other, key in session.execute(select(NetworkKey.seller_id, NetworkKey.key)
                                          .where(NetworkKey.key.in_(chunk))):
            holders.setdefault(key, set()).add(other)

    shared: dict[str, dict[str, dict[str, float]]] = {}  # seller -> other seller -> shared key -> weight
    for seller_id, seller_keys_ in own.items():
        for key in seller_keys_ & holders.keys():
            for other in holders[key] - {seller_id}:
                shared.setdefault(seller_id, {}).setdefault(other, {})[key] = rules.weights.get(key_kind(key), 0.0)
    linked = {seller_id: {o for o, weights in by_other.items() if sum(weights.values()) >= rules.threshold - 1e-9}
              for seller_id, by_other in shared.items()}
    clusters = _clusters_of(session, set(linked).union(*linked.values()))
    banned = _banned_by_cluster(session, set(clusters.values()))

    report = ScreenReport(screened=len(own))
    for seller_id in sorted(linked):
        their_clusters = {clusters[o] for o in linked[seller_id] if o in clusters}
        banned_ids = sorted({b for c in their_clusters for b in banned.get(c, [])} - {seller_id})
        if not banned_ids:
            continue
        by_other = shared[seller_id]
        links = [{"key": key, "sellers": sorted([seller_id, *(o for o in linked[seller_id] if key in by_other[o])])}
                 for key in sorted({k for o in linked[seller_id] for k in by_other[o]})]
        evidence = BanEvidence(seller_id, clusters.get(seller_id) or min(their_clusters), banned_ids, links)
        report.linked[seller_id] = evidence
        if _hold(session, evidence, actor=actor, now=now):
            report.held.append(seller_id)
    return report


def screen_import(engine: Engine, bundle: Bundle, *, batch_size: int = 5_000,
                  actor: str = "system:import") -> ScreenReport | None:
    """Screen an imported bundle's sellers against the stored network, a transaction per batch.

    None (and nothing read) when the database has never been clustered: there is nothing to screen against.
    """
    from countermark.storage.engine import transaction

    with transaction(engine) as session:
        if session.scalar(select(NetworkRun.id).limit(1)) is None:
            return None
    report = ScreenReport()
    for batch in batched(sorted(bundle.seller_ids()), batch_size):
        with transaction(engine) as session:
            part = screen_sellers(session, batch, actor=actor)
        report.screened += part.screened
        report.linked.update(part.linked)
        report.held.extend(part.held)
    return report


def held_for_review(session: Session) -> list[BanEvasionFlag]:
    """Open ban-evasion flags, oldest first (the review queue of linked-account holds)."""
    return ban_evasion_flags(session, "open")


def ban_evasion_flags(session: Session, status: str | None = None) -> list[BanEvasionFlag]:
    """Ban-evasion flags with the given status (all when None), oldest first."""
    if status is not None and status not in FLAG_STATUSES:
        raise NetworkError(f"status must be one of {', '.join(FLAG_STATUSES)}, got {status!r}")
    stmt = select(BanEvasionFlag).order_by(BanEvasionFlag.flagged_at, BanEvasionFlag.seller_id)
    return list(session.scalars(stmt if status is None else stmt.where(BanEvasionFlag.status == status)))


def resolve_flag(session: Session, seller_id: str, status: str, *, actor: str, reason: str = "",
                 now: datetime | None = None) -> BanEvasionFlag:
    """Confirm or dismiss a hold (the sanction itself, e.g. a ban, is enforcement's decision)."""
    if status not in ("confirmed", "dismissed"):
        raise NetworkError(f"status must be 'confirmed' or 'dismissed', got {status!r}")
    flag = session.get(BanEvasionFlag, seller_id)
    if flag is None:
        raise NetworkError(f"no ban-evasion flag for seller {seller_id!r}")
    now = now or datetime.now(UTC)
    flag.status, flag.resolved_at, flag.resolved_by = status, now, actor
    audit.record(session, actor=actor, action=f"network.ban_evasion_{status}", subject=f"seller:{seller_id}",
                 at=now, details={"reason": reason, "cluster_id": flag.cluster_id})
    return flag


def seller_facts(session: Session, seller_ids: Sequence[str], batch: int = 5_000) -> dict[str, SellerFacts]:
    """Seller signals for detection's ScanContext: registration date and links to banned accounts."""
    facts: dict[str, SellerFacts] = {}
    for start in range(0, len(seller_ids), batch):
        ids = list(seller_ids[start:start + batch])
        registered = session.execute(select(Seller.seller_id, Seller.registered_at).where(Seller.seller_id.in_(ids)))
        evidence = banned_links_many(session, ids)
        for seller_id, registered_at in registered:
            link = evidence.get(seller_id)
            facts[seller_id] = SellerFacts(seller_id=seller_id, registered_at=registered_at,
                                           linked_to_banned=link is not None,
                                           link_evidence=link.summary() if link is not None else None)
    return facts
