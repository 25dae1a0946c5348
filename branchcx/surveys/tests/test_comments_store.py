"""Comments are read when they are submitted (the text is sealed afterwards), again by the
command, and counted per SERVQUAL dimension in the database."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.management import call_command

from branchcx.org.scoping import scope_path
from branchcx.surveys import comments as analysis
from branchcx.surveys.actions import do_analyse_comments, do_issue_feedback_code, start_from_lobby
from branchcx.surveys.models import Answer
from branchcx.surveys.queries import Selection, comment_summary, comments, comments_about
from branchcx.surveys.tests.test_answering import QUALITY, answer_all

QUEUE = "柜台只开了一个窗口，等了五十分钟。"
PRAISE = "柜员很专业，态度也好。"
MIXED = "柜员很专业，但是排队太久了。"
PLAIN = "办理了一张借记卡。"


@pytest.fixture
def say(org, survey):
    """Submit a lobby answer at an outlet with a comment; returns the comment's answer."""
    stands = {}

    def say(text, outlet=None):
        outlet = outlet or org.sh0101
        if outlet.pk not in stands:
            stands[outlet.pk] = do_issue_feedback_code(
                org.head_office, survey=survey, outlet=outlet
            )
        response, _secret = start_from_lobby(stands[outlet.pk])
        answer_all(response, QUALITY, {"csat": 2, "nps": 3, "why": text})
        return Answer.objects.get(response=response, role="text")

    return say


def test_a_submitted_comment_gets_its_sentiment_and_themes(say):
    answer = say(QUEUE)
    assert (answer.sentiment, answer.themes) == (-1, ["responsiveness"])
    assert answer.text == QUEUE  # the comment itself is kept as written
    others = Answer.objects.filter(response=answer.response).exclude(role="text")
    assert others.exists() and not others.filter(sentiment__isnull=False).exists()


def test_a_failing_analysis_keeps_the_answer_and_logs_no_text(say, monkeypatch, caplog):
    def broken(text):
        raise RuntimeError(text)  # an error that would carry the text, if let through

    monkeypatch.setattr(analysis, "analyse", broken)
    with caplog.at_level(logging.ERROR):
        answer = say(QUEUE)
    assert answer.response.status == "submitted" and answer.text == QUEUE
    assert (answer.sentiment, answer.themes) == (None, [])
    assert "Comment analysis failed" in caplog.text and "RuntimeError" in caplog.text
    assert "窗口" not in caplog.text
    # the command picks it up once the analysis works again
    monkeypatch.undo()
    assert do_analyse_comments() == {"read": 1, "changed": 1, "failed": 0}
    answer.refresh_from_db()
    assert (answer.sentiment, answer.themes) == (-1, ["responsiveness"])


def test_the_command_reads_the_unanalysed_in_batches_and_all_when_asked(say):
    for text in (QUEUE, PRAISE, MIXED):
        say(text)
    Answer.objects.filter(role="text").update(sentiment=None, themes=[])  # comments from before

    def run(*args):
        out = StringIO()
        call_command("surveys", "analyse-comments", *args, stdout=out)
        return out.getvalue().strip()

    assert run("--batch", "2") == "read=3 changed=3 failed=0"
    assert {a.text: (a.sentiment, a.themes) for a in Answer.objects.filter(role="text")} == {
        QUEUE: (-1, ["responsiveness"]),
        PRAISE: (1, ["assurance"]),
        MIXED: (-1, ["responsiveness", "assurance"]),
    }
    assert run() == "read=0 changed=0 failed=0"  # nothing left to do
    assert run("--all") == "read=3 changed=0 failed=0"  # the same reading again


def test_the_summary_counts_each_dimension_by_sentiment_in_one_query(
    org, say, django_assert_max_num_queries
):
    for text in (QUEUE, QUEUE, PRAISE, MIXED, PLAIN):
        say(text)
    say(QUEUE, outlet=org.zj0101)  # another branch
    scope_path(org.manager_a)  # the user's scope is read once per request
    with django_assert_max_num_queries(1):
        mine = comment_summary(Selection(org.manager_a))
    assert (mine.everything.positive, mine.everything.neutral, mine.everything.negative) == (
        1,
        1,
        3,
    )
    responsiveness = mine.themes["responsiveness"]
    assert (responsiveness.positive, responsiveness.negative) == (0, 3)  # QUEUE x2, MIXED
    assurance = mine.themes["assurance"]
    assert (assurance.positive, assurance.negative) == (1, 1)  # PRAISE, MIXED
    assert mine.themes["tangibles"].total == 0
    assert mine.unthemed.neutral == 1 and mine.unanalysed == 0
    network = comment_summary(Selection(org.head_office))
    assert network.themes["responsiveness"].negative == 4
    assert comment_summary(Selection(org.manager_b)).everything.total == 1


def test_comments_about_a_dimension_are_found_among_several(org, say):
    for text in (QUEUE, PRAISE, MIXED, PLAIN):
        say(text)
    rows = comments(Selection(org.head_office))
    about = {d: {a.text for a in comments_about(rows, d)} for d in ("responsiveness", "assurance")}
    assert about["responsiveness"] == {QUEUE, MIXED}
    assert about["assurance"] == {PRAISE, MIXED}
    assert not comments_about(rows, "tangibles").exists()


def test_the_demo_comments_are_read_like_submitted_ones(org):
    from branchcx.customers.demo import build_customers
    from branchcx.org.demo import build_organisation
    from branchcx.surveys.demo import build_surveys

    build_organisation(branches=1, seed=3)
    build_customers(customers=60, months=1, seed=3)
    build_surveys(months=3, seed=3, per_month=12)
    texts = Answer.objects.filter(role="text")
    assert texts.count() >= 5
    assert not texts.filter(sentiment__isnull=True).exists()
    for answer in texts[:20]:
        found = analysis.analyse(answer.text)
        assert (answer.sentiment, answer.themes) == (found.sentiment, list(found.themes))
    summary = comment_summary(Selection(org.head_office))
    assert summary.themes["responsiveness"].negative > 0 and summary.everything.positive > 0
