"""The scoring core shared by ``bench-run`` and ``bench-score``.

:mod:`bench.core.build` turns config nodes into objects (metrics with their key ownership
checked); :mod:`bench.core.scoring` scores a batch of summaries with every metric, checks what
the metrics return against their declared :class:`~bench.metrics.base.MetricInfo`, and adds the
per-reference and leave-one-out views used for significance tests and jackknife intervals.
"""
