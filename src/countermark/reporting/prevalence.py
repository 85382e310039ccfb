"""Prevalence audit mathematics: sample sizes, per-stratum Wilson intervals, stratified estimate.

Pure functions over plain numbers (no database). Method, as stated in every audit report:

* Design: stratified simple random sampling without replacement; strata are listing categories.
* Sample size: the total `n` that gives the target margin of error `e` at confidence `1 - alpha` for a
  proportion under the worst case p = 0.5, with the finite-population correction:
  ``n0 = z^2 * 0.25 / e^2``, ``n = n0 / (1 + (n0 - 1) / N)``.
* Allocation: proportional (``n_h ~ n * N_h / N``, largest remainder), which is also Neyman's optimum
  when every stratum is assumed to have p = 0.5; each stratum gets at least `min_per_stratum` (capped at
  its population) so its own variance can be estimated. ``per_stratum`` allocation instead sizes every
  stratum for the target margin on its own (larger, for when per-category figures matter).
* Per stratum: share ``p_h = x_h / n_h`` and a Wilson score interval.
* Overall: stratified estimator ``p_st = sum W_h p_h`` with ``W_h = N_h / N``; variance
  ``sum W_h^2 (1 - n_h / N_h) p_h (1 - p_h) / (n_h - 1)``; interval: Wilson score interval evaluated at
  ``p_st`` with the effective sample size ``n_eff = p_st (1 - p_st) / var`` (Kish; as in Korn & Graubard
  1998), which stays inside [0, 1] and behaves at small shares where the Wald interval fails. When the
  variance is zero (every sampled stratum all-clean or all-counterfeit), ``n_eff`` is the labelled total.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

Allocation = Literal["proportional", "per_stratum"]

METHOD = (
    "Stratified simple random sample without replacement of active listings, strata = categories. "
    "Total size for the target margin of error at p = 0.5 with finite-population correction; {allocation}. "
    "Per stratum: share and Wilson score interval. Overall: stratified estimator sum(W_h p_h), W_h = N_h/N, "
    "variance sum(W_h^2 (1 - n_h/N_h) p_h (1 - p_h)/(n_h - 1)), Wilson score interval at the Kish effective "
    "sample size p(1-p)/variance. Confidence {confidence:.0%}."
)
ALLOCATION_TEXT = {
    "proportional": "proportional allocation (Neyman's optimum under p = 0.5), at least {minimum} per stratum",
    "per_stratum": "every stratum sized for the target margin on its own",
}


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile, e.g. 1.959964 for 0.95."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def wilson_interval(positives: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial share; `n` may be an effective (non-integer) size."""
    if n <= 0:
        return (0.0, 1.0)
    z = z_value(confidence)
    p = positives / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z2n / (4 * n))
    # Clamp so rounding never puts the interval a hair outside [0, 1] or beside the point estimate.
    return (max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)))


def sample_size(population: int, margin: float, confidence: float = 0.95) -> int:
    """Simple-random-sample size for a proportion within +-margin at p = 0.5, with finite-population correction."""
    if not 0 < margin < 1:
        raise ValueError(f"margin of error must be between 0 and 1, got {margin}")
    if population <= 0:
        return 0
    n0 = z_value(confidence) ** 2 * 0.25 / margin**2
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))


def allocate(
    populations: dict[str, int],
    margin: float,
    confidence: float = 0.95,
    allocation: Allocation = "proportional",
    min_per_stratum: int = 2,
) -> dict[str, int]:
    """Sample size per stratum for the target margin of error (see the module docstring)."""
    strata = {name: size for name, size in populations.items() if size > 0}
    if allocation == "per_stratum":
        return {name: sample_size(size, margin, confidence) for name, size in strata.items()}
    if allocation != "proportional":
        raise ValueError(f"unknown allocation {allocation!r}")
    total_population = sum(strata.values())
    total = sample_size(total_population, margin, confidence)
    exact = {name: total * size / total_population for name, size in strata.items()}
    sizes = {name: math.floor(share) for name, share in exact.items()}
    # Largest remainder: hand out what flooring lost, biggest fractional parts first (ties by name).
    leftover = total - sum(sizes.values())
    for name in sorted(exact, key=lambda k: (sizes[k] - exact[k], k))[:leftover]:
        sizes[name] += 1
    return {name: min(strata[name], max(size, min_per_stratum)) for name, size in sizes.items()}


@dataclass(frozen=True, slots=True)
class StratumCount:
    """What the audit observed in one stratum: population size, labelled items, counterfeit among them."""

    name: str
    population: int
    labelled: int
    counterfeit: int


@dataclass(frozen=True, slots=True)
class StratumEstimate:
    name: str
    population: int
    weight: float
    labelled: int
    counterfeit: int
    share: float | None  # None when nothing in the stratum is labelled yet
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class PrevalenceEstimate:
    share: float
    low: float
    high: float
    std_error: float
    effective_n: float
    confidence: float
    labelled: int
    population: int
    covered_population: int  # population of strata with at least one label (the estimate speaks for these)
    strata: tuple[StratumEstimate, ...]

    def as_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def estimate(counts: Sequence[StratumCount], confidence: float = 0.95) -> PrevalenceEstimate:
    """Stratified estimate of the counterfeit share with per-stratum and overall intervals.

    Strata with no labels yet cannot be estimated; the overall figure is then for the covered strata only
    (weights renormalised over them) and `covered_population` says how much of the population that is.
    """
    for c in counts:
        if not 0 <= c.counterfeit <= c.labelled <= c.population:
            raise ValueError(f"stratum {c.name!r}: need 0 <= counterfeit <= labelled <= population, got {c}")
    population = sum(c.population for c in counts)
    covered = [c for c in counts if c.labelled > 0]
    covered_population = sum(c.population for c in covered)
    strata = []
    for c in counts:
        share = c.counterfeit / c.labelled if c.labelled else None
        low, high = wilson_interval(c.counterfeit, c.labelled, confidence) if c.labelled else (None, None)
        weight = c.population / covered_population if c.labelled and covered_population else 0.0
        strata.append(StratumEstimate(c.name, c.population, weight, c.labelled, c.counterfeit, share, low, high))
    labelled = sum(c.labelled for c in covered)
    if not covered:
        return PrevalenceEstimate(0.0, 0.0, 1.0, math.nan, 0.0, confidence, 0, population, 0, tuple(strata))

    share = 0.0
    variance = 0.0
    for c in covered:
        weight = c.population / covered_population
        p = c.counterfeit / c.labelled
        share += weight * p
        if c.labelled > 1:
            finite = 1 - c.labelled / c.population
            variance += weight**2 * finite * p * (1 - p) / (c.labelled - 1)
    share = min(1.0, max(0.0, share))
    effective_n = share * (1 - share) / variance if variance > 0 and 0 < share < 1 else float(labelled)
    low, high = wilson_interval(share * effective_n, effective_n, confidence)
    return PrevalenceEstimate(
        share=share,
        low=low,
        high=high,
        std_error=math.sqrt(variance),
        effective_n=effective_n,
        confidence=confidence,
        labelled=labelled,
        population=population,
        covered_population=covered_population,
        strata=tuple(strata),
    )


def method_text(allocation: Allocation, confidence: float, min_per_stratum: int = 2) -> str:
    """The method statement printed with every audit estimate."""
    allocation_text = ALLOCATION_TEXT[allocation].format(minimum=min_per_stratum)
    return METHOD.format(allocation=allocation_text, confidence=confidence)
