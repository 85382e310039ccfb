"""countermark on Apache Spark: the same pure kernels (detection, linkage) run inside Spark jobs.

Optional (`pip install countermark[spark]`); nothing here imports SQLAlchemy or web code. See docs/spark.md.
"""
