from __future__ import annotations

import pytest

from branchcx.surveys.actions import do_publish, do_save_draft
from branchcx.surveys.models import Survey


@pytest.fixture
def survey(org):
    """A live two-page survey (``test_answering.DEFINITION``), published by head office."""
    from branchcx.surveys.tests.test_answering import DEFINITION

    survey = Survey.objects.create(code="outlet-service", kind="servqual", name="网点服务调查")
    do_save_draft(org.head_office, survey, DEFINITION, expected_version=1)
    do_publish(org.head_office, survey, expected_version=2)
    survey.refresh_from_db()
    return survey
