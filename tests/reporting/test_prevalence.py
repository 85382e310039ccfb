"""Prevalence estimator: hand-computed values, and interval coverage in 1,000 simulated audits."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from countermark.reporting.prevalence import (
    StratumCount,
    allocate,
    estimate,
    method_text,
    sample_size,
    wilson_interval,
    z_value,
)


def test_z_value():
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.90) == pytest.approx(1.644854, abs=1e-6)


def test_wilson_interval_matches_hand_computation():
    # 5 of 50: p = 0.1, z^2/n = 0.076829; centre = (0.1 + 0.038415) / 1.076829 = 0.128540;
    # half = 1.959964 / 1.076829 * sqrt(0.0018 + 0.000384) = 0.085058  ->  [0.04348, 0.21360]
    low, high = wilson_interval(5, 50)
    assert low == pytest.approx(0.04348, abs=5e-5)
    assert high == pytest.approx(0.21360, abs=5e-5)


def test_wilson_interval_edges():
    low, high = wilson_interval(0, 20)
    assert low == 0.0
    assert high == pytest.approx(3.841459 / (20 + 3.841459), abs=1e-6)  # z^2 / (n + z^2) when x = 0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_sample_size_with_finite_population_correction():
    # n0 = 1.959964^2 * 0.25 / 0.05^2 = 384.146; n = 384.146 / (1 + 383.146 / 1000) = 277.7 -> 278
    assert sample_size(1000, 0.05) == 278
    assert sample_size(100_000_000, 0.05) == 385
    assert sample_size(10, 0.05) == 10
    with pytest.raises(ValueError):
        sample_size(1000, 0)


def test_proportional_allocation_by_largest_remainder():
    # N = 4000 -> n = 384.146 / (1 + 383.146 / 4000) = 350.6 -> 351; shares 87.75 and 263.25 -> 88 + 263
    assert allocate({"A": 1000, "B": 3000}, 0.05) == {"A": 88, "B": 263}


def test_allocation_minimum_per_stratum_and_empty_strata():
    sizes = allocate({"big": 100_000, "tiny": 3, "one": 1, "empty": 0}, 0.05, min_per_stratum=2)
    assert sizes["tiny"] == 2 and sizes["one"] == 1 and "empty" not in sizes
    assert sizes["big"] == 383  # n for N = 100,004 is 382.7 -> 383; the minimums come on top


def test_per_stratum_allocation_sizes_each_stratum_for_the_margin():
    assert allocate({"A": 1000, "B": 3000}, 0.05, allocation="per_stratum") == {
        "A": sample_size(1000, 0.05), "B": sample_size(3000, 0.05)
    }


def test_stratified_estimate_matches_hand_computation():
    # W = 0.25, 0.75; p_h = 0.1, 0.3 -> p_st = 0.25
    # var = 0.0625 * 0.95 * 0.09 / 49 + 0.5625 * (29/30) * 0.21 / 99 = 0.00010906 + 0.00115341 = 0.00126246
    result = estimate([StratumCount("A", 1000, 50, 5), StratumCount("B", 3000, 100, 30)])
    assert result.share == pytest.approx(0.25)
    assert result.std_error == pytest.approx(math.sqrt(0.00126246), rel=1e-4)
    assert result.effective_n == pytest.approx(0.1875 / 0.00126246, rel=1e-4)  # 148.52
    low, high = wilson_interval(0.25 * 148.52, 148.52)
    assert (result.low, result.high) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))
    a, b = result.strata
    assert a.weight == 0.25 and a.share == 0.1
    assert (a.low, a.high) == (pytest.approx(0.04348, abs=5e-5), pytest.approx(0.21360, abs=5e-5))
    assert b.share == pytest.approx(0.3)
    assert result.labelled == 150 and result.population == 4000 == result.covered_population


def test_unlabelled_stratum_is_reported_not_guessed():
    result = estimate([StratumCount("A", 1000, 10, 1), StratumCount("B", 1000, 0, 0)])
    assert result.covered_population == 1000 and result.population == 2000
    assert result.share == pytest.approx(0.1)
    assert result.strata[1].share is None and result.strata[1].weight == 0.0


def test_zero_variance_falls_back_to_labelled_count():
    result = estimate([StratumCount("A", 500, 40, 0), StratumCount("B", 500, 60, 0)])
    assert result.share == 0 and result.effective_n == 100
    assert result.low == 0 and result.high == pytest.approx(wilson_interval(0, 100)[1])


def test_rejects_impossible_counts():
    with pytest.raises(ValueError, match="stratum 'A'"):
        estimate([StratumCount("A", 10, 5, 6)])


def test_method_is_stated():
    text = method_text("proportional", 0.95)
    assert "Wilson" in text and "stratified" in text.lower() and "95%" in text


@given(st.lists(st.tuples(st.integers(1, 5000), st.integers(0, 200), st.floats(0, 1)), min_size=1, max_size=6))
def test_estimate_is_a_share_inside_its_interval(strata):
    counts = []
    for i, (population, labelled, rate) in enumerate(strata):
        labelled = min(labelled, population)
        counts.append(StratumCount(f"s{i}", population, labelled, round(labelled * rate)))
    result = estimate(counts)
    assert 0 <= result.low <= result.share <= result.high <= 1
    for s in result.strata:
        if s.share is not None:
            assert 0 <= s.low <= s.share <= s.high <= 1


def test_95_percent_interval_covers_true_prevalence_in_simulated_audits():
    """1,000 audits of one fixed marketplace, each a fresh stratified sample without replacement."""
    rng = np.random.default_rng(20261125)
    populations = {"electronics": 5000, "fashion": 2000, "beauty": 1000, "toys": 500}
    counterfeit = {"electronics": 100, "fashion": 200, "beauty": 300, "toys": 250}  # 2%, 10%, 30%, 50%
    truth = sum(counterfeit.values()) / sum(populations.values())
    sizes = allocate(populations, margin=0.03)
    covered = 0
    for _ in range(1000):
        counts = [
            StratumCount(name, size, sizes[name],
                         int(rng.hypergeometric(counterfeit[name], size - counterfeit[name], sizes[name])))
            for name, size in populations.items()
        ]
        result = estimate(counts)
        covered += result.low <= truth <= result.high
    assert 0.93 <= covered / 1000 <= 0.97
