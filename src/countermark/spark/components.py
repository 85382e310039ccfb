"""Connected components of a graph held in DataFrames: the alternating large-star / small-star algorithm.

Kiveris, Lattanzi, Mirrokni, Rastogi, Vassilvitskii, "Connected Components in MapReduce and Beyond"
(SoCC 2014); GraphFrames' default algorithm is the same, but GraphFrames needs a JVM package fetched at run
time, so it is written here with DataFrame joins and aggregations. Every edge is kept oriented from its
larger to its smaller end (`hi` > `lo`); ids are any orderable type (strings compare by code point).

- large-star: every node u links each larger neighbour to m(u), the smallest of u and its neighbours;
- small-star: every node u links itself and each smaller neighbour to the smallest of them.

Both keep the components, and after O(log^2 n) rounds (a handful in practice) the graph is a set of stars,
each centred on the smallest id of its component: then each node's parent is its component's label.
Each round's edges are checkpointed, so the plan (lineage) stays short however many rounds run.
"""

from __future__ import annotations

MAX_ROUNDS = 200


class NotConverged(RuntimeError):
    pass


def connected_components(edges, vertices=None, *, src: str = "src", dst: str = "dst", vertex: str = "id"):
    """(`id`, `component`) for every node of `edges` and every row of `vertices` (a DataFrame with column
    `vertex`, for nodes that may have no edge); `component` is the smallest id in the node's component."""
    from pyspark.sql import functions as F

    current = _checkpoint(edges.where(F.col(src) != F.col(dst)).select(
        F.greatest(src, dst).alias("hi"), F.least(src, dst).alias("lo")).distinct())
    for _ in range(MAX_ROUNDS):
        current = _checkpoint(_small_star(_large_star(current)))
        if _is_stars(current):
            break
    else:
        raise NotConverged(f"connected components did not converge in {MAX_ROUNDS} rounds")
    labels = current.select(F.col("hi").alias(vertex), F.col("lo").alias("component")).unionByName(
        current.select(F.col("lo").alias(vertex), F.col("lo").alias("component"))).distinct()
    if vertices is None:
        return labels
    return vertices.select(vertex).distinct().join(labels, vertex, "left").select(
        vertex, F.coalesce("component", vertex).alias("component"))


def _large_star(edges):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    both = edges.select(F.col("hi").alias("node"), F.col("lo").alias("nbr")).unionByName(
        edges.select(F.col("lo").alias("node"), F.col("hi").alias("nbr")))
    smallest = F.least(F.min("nbr").over(Window.partitionBy("node")), F.col("node"))
    # No distinct here: small-star's output is made distinct, and duplicates do not change its minima.
    return both.withColumn("m", smallest).where(F.col("nbr") > F.col("node")).select(
        F.col("nbr").alias("hi"), F.col("m").alias("lo"))


def _small_star(edges):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    with_min = edges.withColumn("m", F.min("lo").over(Window.partitionBy("hi")))
    neighbours = with_min.where(F.col("lo") != F.col("m")).select(F.col("lo").alias("hi"), F.col("m").alias("lo"))
    return neighbours.unionByName(with_min.select("hi", F.col("m").alias("lo"))).distinct()


def _is_stars(edges) -> bool:
    """True when every node has at most one parent and no parent has a parent of its own."""
    from pyspark.sql import functions as F

    roles = edges.select(F.col("hi").alias("node"), F.lit(1).alias("up"), F.lit(0).alias("down")).unionByName(
        edges.select(F.col("lo").alias("node"), F.lit(0).alias("up"), F.lit(1).alias("down")))
    per_node = roles.groupBy("node").agg(F.sum("up").alias("up"), F.sum("down").alias("down"))
    broken = per_node.where((F.col("up") > 1) | ((F.col("up") == 1) & (F.col("down") > 0)))
    return not broken.take(1)


def _checkpoint(frame):
    """Materialise a round's edges and cut their lineage: reliably when a checkpoint directory is set
    (clusters: survives a lost executor), else in executor storage."""
    if frame.sparkSession.sparkContext.getCheckpointDir():
        return frame.checkpoint(eager=True)
    return frame.localCheckpoint(eager=True)
