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


def test_own_staff_profile_is_read_once_per_user_object(org, django_assert_num_queries):
    from django.contrib.auth import get_user_model

    from branchcx.org.access import forget_own_staff_profile, own_staff_profile

    user = get_user_model().objects.get(pk=org.teller_a.pk)  # a fresh object, as per request
    with django_assert_num_queries(1):
        first = own_staff_profile(user)
        again = own_staff_profile(user)
        assert first is again
        assert first.branch.code == "SH0101"  # the unit comes with it, no second query
    # A profile deactivated during the request is seen once the cache is dropped.
    StaffProfile.objects.filter(pk=first.pk).update(is_active=False)
    assert own_staff_profile(user) is first
    forget_own_staff_profile(user)
    assert own_staff_profile(user) is None


def test_own_staff_profile_of_someone_without_one(org):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser

    from branchcx.org.access import own_staff_profile

    outsider = get_user_model().objects.create_user("outsider", password="x-Passw0rd-2026")
    assert own_staff_profile(outsider) is None
    assert own_staff_profile(AnonymousUser()) is None
