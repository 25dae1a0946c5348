from __future__ import annotations

from branchcx.org.models import Branch, StaffProfile


def codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


def test_teller_sees_only_own_outlet(org):
    assert codes(Branch.objects.visible_to(org.teller_a)) == {"SH0101"}


def test_branch_manager_sees_branch_and_its_outlets(org):
    assert codes(Branch.objects.visible_to(org.manager_a)) == {"SH01", "SH0101"}


def test_head_office_sees_whole_network(org):
    assert codes(Branch.objects.visible_to(org.head_office)) == {
        "HO",
        "SH01",
        "SH0101",
        "ZJ01",
        "ZJ0101",
    }


def test_staff_scoped_through_their_unit(org):
    visible = set(
        StaffProfile.objects.visible_to(org.manager_a).values_list("user__username", flat=True)
    )
    assert visible == {"manager_a", "teller_a"}
