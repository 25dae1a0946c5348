"""Statistics shared by every report: intervals, small-sample marks, histogram medians and
means, moments and covariance, relative-importance weights. Domain measures (NPS, CSAT, CES,
SERVQUAL, complaint service levels) live in their apps and use these."""
