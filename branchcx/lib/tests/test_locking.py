from __future__ import annotations

import pytest
from django.db import transaction

from branchcx.lib.errors import ConflictError
from branchcx.lib.locking import lock_for_update
from branchcx.org.models import Branch


def test_the_version_the_user_saw_is_checked(org):
    current = Branch.objects.get(pk=org.sh0101.pk).version
    with transaction.atomic():
        locked = lock_for_update(Branch.objects.select_related("parent"), org.sh0101.pk, current)
        assert locked.code == "SH0101"
    with transaction.atomic(), pytest.raises(ConflictError):
        lock_for_update(Branch.objects.all(), org.sh0101.pk, current + 1)
    with transaction.atomic():  # no version given: only the lock
        assert lock_for_update(Branch.objects.all(), org.sh0101.pk).pk == org.sh0101.pk


def test_a_row_outside_the_queryset_is_not_found(org):
    with transaction.atomic(), pytest.raises(Branch.DoesNotExist):
        lock_for_update(Branch.objects.visible_to(org.teller_b), org.sh0101.pk, 1)
