"""The charts adapter: matplotlib (Agg) draws a ``DailySeries`` as a PNG, in a worker process."""
