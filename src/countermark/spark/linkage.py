"""Seller linkage on Spark: the four steps of `network.linkage`, distributed, giving the same clusters.

1. Keys: `network.linkage.seller_keys` (hence `identifiers.normalise`) runs in the executors.
2. Per key: its document frequency (sellers holding it) and spellings (distinct raw texts): a group-by.
3. The kernel's own rules on the driver: `hub_limit` fed the df of shared keys (a histogram is collected;
   4 bytes per shared key are expanded), and `key_weights` applied once per distinct (df, spellings, kind),
   since a key's weight depends on nothing else; the resulting small table is joined back to the keys.
4. Edges: every holder of a strong key is joined to the key's smallest holder (the same components as the
   kernel's seller-key bipartite graph); two holders of weak keys are joined when the weights of the weak
   keys they share add up to the threshold. Distributed connected components label each seller with the
   smallest seller id of its component, which is how the kernel names clusters ("C-<seller_id>").
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from countermark.network.linkage import LinkageRules, hub_limit, key_weights, seller_keys
from countermark.spark.components import connected_components
from countermark.spark.reading import SELLER, seller_from_row

# As in network.linkage: weights are compared with the threshold up to rounding.
EPSILON = 1e-9
_KEY_SCHEMA = pa.schema([("seller_id", pa.string()), ("key", pa.string()), ("raw", pa.string())])


def seller_key_frame(sellers):
    """(seller_id, key, raw): each distinct key of each valid seller, with each spelling (trimmed raw text)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    columns = SELLER.arrow_schema().names
    return sellers.select(*columns).mapInArrow(_keys_of_batches, from_arrow_schema(_KEY_SCHEMA)).distinct()


def _keys_of_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        sellers = [seller_from_row(row) for row in batch.to_pylist()]
        keys = [{"seller_id": k.seller_id, "key": k.key, "raw": k.raw.strip()} for k in seller_keys(sellers)]
        yield pa.RecordBatch.from_pylist(keys, schema=_KEY_SCHEMA)


def weighted_keys(spark, keys, rules: LinkageRules):
    """(key, weight) for keys of weight > 0, and the hub limit used."""
    from pyspark.sql import functions as F

    per_key = keys.groupBy("key").agg(F.count_distinct("seller_id").alias("df"),
                                      F.count_distinct("raw").alias("spellings")).withColumn(
        "kind", F.substring_index("key", ":", 1)).persist()
    histogram = per_key.where(F.col("df") >= 2).groupBy("df").count().collect()
    shared = np.repeat(np.array([r["df"] for r in histogram], dtype=np.int32),
                       np.array([r["count"] for r in histogram], dtype=np.int64))
    limit = hub_limit(shared, rules)
    combos = per_key.select("df", "spellings", "kind").distinct().collect()
    kind_names = tuple(sorted({r["kind"] for r in combos}))
    weights = key_weights(np.array([r["df"] for r in combos], dtype=np.int64),
                          np.array([r["spellings"] for r in combos], dtype=np.int64),
                          np.array([kind_names.index(r["kind"]) for r in combos], dtype=np.int16),
                          kind_names, limit, rules) if combos else []
    table = [(r["df"], r["spellings"], r["kind"], float(w)) for r, w in zip(combos, weights, strict=True) if w > 0]
    weight_frame = spark.createDataFrame(table, "df long, spellings long, kind string, weight double")
    weighted = per_key.join(F.broadcast(weight_frame), ["df", "spellings", "kind"]).select("key", "weight")
    return weighted, limit


def cluster_frame(spark, sellers, rules: LinkageRules = LinkageRules()):
    """(seller_id, cluster_id) for every row of `sellers` (valid seller records), and the hub limit."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys = seller_key_frame(sellers).persist()
    weights, limit = weighted_keys(spark, keys, rules)
    held = keys.select("seller_id", "key").distinct().join(weights, "key")
    strong = held.where(F.col("weight") >= rules.threshold - EPSILON)
    strong_edges = strong.select(
        F.col("seller_id").alias("src"), F.min("seller_id").over(Window.partitionBy("key")).alias("dst"))
    weak = held.where(F.col("weight") < rules.threshold - EPSILON)
    pairs = weak.alias("a").join(weak.alias("b"), "key").where(F.col("a.seller_id") < F.col("b.seller_id"))
    weak_edges = pairs.groupBy(F.col("a.seller_id").alias("src"), F.col("b.seller_id").alias("dst")).agg(
        F.sum("a.weight").alias("weight")).where(F.col("weight") >= rules.threshold - EPSILON).select("src", "dst")
    labels = connected_components(strong_edges.unionByName(weak_edges),
                                  sellers.select(F.col("seller_id").alias("id")))
    clusters = labels.select(F.col("id").alias("seller_id"), F.concat(F.lit("C-"), "component").alias("cluster_id"))
    return clusters, limit
