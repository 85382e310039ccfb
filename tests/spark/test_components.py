"""Distributed connected components agree with scipy's on random graphs of several shapes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import connected_components as scipy_components

from countermark.spark.components import connected_components

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]  # one worker, one SparkSession


def _graphs(rng: np.random.Generator) -> list[tuple[int, list[tuple[int, int]]]]:
    """(nodes, edges) of shapes that stress the algorithm differently."""
    path_order = rng.permutation(80)
    return [
        (300, [tuple(e) for e in rng.integers(0, 300, (180, 2))]),  # sparse: many small components
        (150, [tuple(e) for e in rng.integers(0, 150, (1500, 2))]),  # dense: one giant component
        (80, [(int(path_order[i]), int(path_order[i + 1])) for i in range(79)]),  # a long path, shuffled ids
        (60, [(0, i) for i in range(1, 60)]),  # a star
        (30, []),  # isolated nodes only
        (40, [(i, i) for i in range(40)]),  # self-loops only
    ]


def test_components_equal_scipy_on_random_graphs(spark) -> None:
    rng = np.random.default_rng(20261125)
    edges: list[tuple[int, int]] = []
    offset = 0
    for nodes, graph_edges in _graphs(rng):  # disjoint id ranges: one Spark run checks every graph
        edges.extend((int(a) + offset, int(b) + offset) for a, b in graph_edges)
        offset += nodes
    frame = spark.createDataFrame(edges, "src long, dst long")
    got = dict(connected_components(frame, spark.range(offset)).collect())

    src, dst = np.array(edges).T
    matrix = sparse.coo_matrix((np.ones(len(edges)), (src, dst)), shape=(offset, offset))
    _, labels = scipy_components(matrix, directed=False)
    smallest: dict[int, int] = {}
    for node, label in enumerate(labels):
        smallest.setdefault(int(label), node)
    assert got == {node: smallest[int(label)] for node, label in enumerate(labels)}
