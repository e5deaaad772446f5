"""Mergeable sufficient statistics of item data: the one place that reads respondents' rows.

:func:`moments` reads a data source once (a DataFrame, an iterator of DataFrames or Arrow
record batches, Parquet files in bounded-memory batches, or a Dask DataFrame on any Dask
cluster) into a :class:`Moments`: per group, the row count, the pairwise counts, means,
centred cross-products and centred sums of squares, the listwise (complete-row) moments,
the items' ranges and response counts, and optionally the statistics of each missing-data
pattern (FIML), fourth-order moments (the ADF Gamma of MLM/MLR), bivariate contingency
tables (polychoric) and Poisson-bootstrap replicates. Parts merge exactly and stably
(Chan, Golub & LeVeque 1979; never E[XY] - E[X]E[Y]): ``m1 + m2``, ``sum(parts)``.

Contract for a statistic that wants to accept a ``Moments`` (see the docs page "Data larger
than memory"): read ``m.n`` / ``m.n_obs()``, ``m.mean()``, ``m.cov(missing=...)``,
``m.cor(...)``, ``m.pairwise_counts()``, ``m.group(label)``; optional parts raise a clear
``ValueError`` naming the option to switch on when they were not collected.
"""



# The package: group.py (one group's statistics and their merge), container.py (the
# Moments object), sources.py (the readers). The private names below are used by
# analysis.py, the structural and CLI modules.
from psychometrics.sufficient_statistics.container import Moments as Moments
from psychometrics.sufficient_statistics.group import BATCH_ROWS as BATCH_ROWS
from psychometrics.sufficient_statistics.group import MISSING_GROUP as MISSING_GROUP
from psychometrics.sufficient_statistics.group import _Options as _Options
from psychometrics.sufficient_statistics.group import _shift_fourth as _shift_fourth
from psychometrics.sufficient_statistics.group import _vech_index as _vech_index
from psychometrics.sufficient_statistics.sources import _batch_moments as _batch_moments
from psychometrics.sufficient_statistics.sources import _group_labels as _group_labels
from psychometrics.sufficient_statistics.sources import _is_arrow as _is_arrow
from psychometrics.sufficient_statistics.sources import _is_dask as _is_dask
from psychometrics.sufficient_statistics.sources import _moments_of_batch as _moments_of_batch
from psychometrics.sufficient_statistics.sources import _parquet_batches as _parquet_batches
from psychometrics.sufficient_statistics.sources import as_moments as as_moments
from psychometrics.sufficient_statistics.sources import moments as moments

__all__ = ["Moments", "as_moments", "moments"]
