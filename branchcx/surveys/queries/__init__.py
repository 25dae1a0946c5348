"""What the survey pages, the API and the exports read: scores per group (``scores``: whole
months from the satisfaction rollup, the rest counted from the answers), reliability and
drivers (``analysis``), survey distribution (``distribution``), responses one by one
(``answers``) and comment sentiment (``comments``)."""

from branchcx.surveys.queries.analysis import (
    DRIVER_GROUPINGS,
    DRIVER_OUTCOMES,
    SCALE_ROLES,
    DriverAnalysis,
    DriverGroup,
    ScaleReliability,
    driver_analysis,
    reliability,
)
from branchcx.surveys.queries.answers import (
    AnswerLine,
    AnswerPart,
    answer_lines,
    answer_parts,
    answers_by_response,
    choice_labels,
    dimensions_by_response,
)
from branchcx.surveys.queries.comments import (
    CommentCounts,
    CommentSummary,
    comment_summary,
    comments,
    comments_about,
)
from branchcx.surveys.queries.distribution import (
    SAMPLE_MULTIPLIER,
    invitation_candidates,
    invited_today,
)
from branchcx.surveys.queries.scores import (
    COLUMNS,
    GRAIN,
    GROUPINGS,
    MEASURES,
    Dashboard,
    DimensionSummary,
    ExpectationReport,
    GroupScores,
    KnowledgeGap,
    Reading,
    Selection,
    ToleranceRow,
    _counted,
    _fetch,
    _roll_up,
    dashboard,
    expectation_report,
    group_codes,
    read,
    scores,
    segment_labels,
)

__all__ = [
    "COLUMNS", "DRIVER_GROUPINGS", "DRIVER_OUTCOMES", "GRAIN", "GROUPINGS", "MEASURES",
    "SAMPLE_MULTIPLIER", "SCALE_ROLES", "AnswerLine", "AnswerPart", "CommentCounts",
    "CommentSummary", "Dashboard", "DimensionSummary", "DriverAnalysis", "DriverGroup",
    "ExpectationReport", "GroupScores", "KnowledgeGap", "Reading", "ScaleReliability",
    "Selection", "ToleranceRow", "_counted", "_fetch", "_roll_up", "answer_lines",
    "answer_parts", "answers_by_response", "choice_labels", "comment_summary", "comments",
    "comments_about", "dashboard", "dimensions_by_response", "driver_analysis",
    "expectation_report", "group_codes", "invitation_candidates", "invited_today", "read",
    "reliability", "scores", "segment_labels",
]  # fmt: skip
