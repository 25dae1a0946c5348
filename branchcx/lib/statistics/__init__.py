"""Statistics shared by every report. Domain measures (NPS, CSAT, CES, SERVQUAL in
``surveys.scoring``; complaint service levels in ``complaints.stats``) live in their apps and
use these modules; nothing here reads the database or Django settings.

- :mod:`~branchcx.lib.statistics.intervals`: confidence levels, normal and t critical values,
  Wald and t intervals, Wilson's interval of a proportion (Wilson 1927).
- :mod:`~branchcx.lib.statistics.samples`: the small-sample mark (n < 30).
- :mod:`~branchcx.lib.statistics.histograms`: median and mean of a ``{value: count}`` histogram.
- :mod:`~branchcx.lib.statistics.moments`: variance and covariance from sums, sums of squares
  and cross-products (what a ``GROUP BY`` or a rollup returns).
- :mod:`~branchcx.lib.statistics.reliability`: Cronbach's alpha with Feldt's interval
  (Cronbach 1951, Feldt 1965), from answers or from moments.
- :mod:`~branchcx.lib.statistics.importance`: relative-importance weights of correlated
  predictors, LMG/Shapley (Lindeman, Merenda & Gold 1980) and Johnson's relative weights
  (Johnson 2000), from answers or from a covariance matrix.
- :mod:`~branchcx.lib.statistics.arrays`: the checked float tables they all take.
"""
