"""The users admin through its HTTP pages, logged in as each role (API.md, Admin)."""

import pytest
from django.contrib import admin

from accounts.models import Role, User
from accounts.tests.factories import ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/user/"
ADD = "/admin/accounts/user/add/"


def change_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def delete_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/delete/"


def full_form(user: User, **changes) -> dict:
    """Every field of an admin's change form, as the browser posts it (unchecked boxes are absent)."""
    data = {
        "email": user.email,
        "name": user.name,
        "photo": user.photo or "",
        "role": user.role,
        "verified": "on" if user.verified else None,
        "is_active": "on" if user.is_active else None,
        "_save": "Save",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# Who gets in


@pytest.mark.parametrize(
    "url",
    ["/admin/", CHANGELIST, f"{CHANGELIST}?q=example", f"{CHANGELIST}?role__exact=moderator&is_active__exact=1"],
)
@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_staff_open_users_admin_pages(login, url, role):
    UserFactory(email="someone@example.com")

    response = login(UserFactory(role=role)).get(url)

    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/admin/", CHANGELIST])
def test_plain_user_is_sent_to_admin_login(login, user, url):
    response = login(user).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_deactivated_moderator_is_sent_to_admin_login(login):
    response = login(ModeratorFactory(is_active=False)).get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_users_search_finds_by_part_of_email(login, moderator):
    wanted = UserFactory(email="findme@example.com")
    UserFactory(email="other@example.com")

    response = login(moderator).get(CHANGELIST, {"q": "FINDME"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_every_registered_changelist_and_search_answers_200_for_admin(login, admin_account):
    client = login(admin_account)

    for model, model_admin in admin.site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
        if model_admin.search_fields:
            assert client.get(url, {"q": "x"}).status_code == 200, url


# What a moderator may do


def test_moderator_deactivates_plain_user_through_change_form(login, moderator, user):
    response = login(moderator).post(change_url(user), {"_save": "Save"})  # is_active unchecked

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False


def test_moderator_cannot_change_role_or_other_fields(login, moderator, user):
    before = (user.email, user.name, user.role, user.is_active)

    response = login(moderator).post(
        change_url(user), full_form(user, role=Role.ADMIN, email="taken-over@example.com", name="Changed")
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.name, user.role, user.is_active) == before


def test_moderator_sees_only_is_active_as_editable(login, moderator, user):
    response = login(moderator).get(change_url(user))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == ["is_active"]


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_moderator_can_view_but_not_change_staff_account(login, moderator, role):
    staff = UserFactory(role=role)
    client = login(moderator)

    assert client.get(change_url(staff)).status_code == 200  # read-only view
    response = client.post(change_url(staff), {"_save": "Save"})

    assert response.status_code == 403
    staff.refresh_from_db()
    assert staff.is_active is True


def test_moderator_cannot_open_add_user_page(login, moderator):
    response = login(moderator).get(ADD)

    assert response.status_code == 403


def test_moderator_cannot_add_user(login, moderator):
    response = login(moderator).post(ADD, {"email": "new@example.com", "name": "New", "role": Role.ADMIN})

    assert response.status_code == 403
    assert not User.objects.filter(email="new@example.com").exists()


def test_moderator_cannot_delete_user(login, moderator, user):
    response = login(moderator).post(delete_url(user), {"post": "yes"})

    assert response.status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def test_deactivate_action_skips_staff_when_run_by_moderator(login, moderator):
    plain = UserFactory()
    other_moderator = ModeratorFactory()
    admin_user = UserFactory(role=Role.ADMIN)

    response = login(moderator).post(
        CHANGELIST,
        {
            "action": "deactivate_users",
            "_selected_action": [str(u.pk) for u in (plain, other_moderator, admin_user, moderator)],
        },
        follow=True,
    )

    assert response.status_code == 200
    active = dict(User.objects.values_list("pk", "is_active"))
    assert active == {plain.pk: False, other_moderator.pk: True, admin_user.pk: True, moderator.pk: True}
    notes = [str(m) for m in response.context["messages"]]
    assert "Deactivated 1 user(s)." in notes
    assert any(note.startswith("Skipped 3 user(s)") for note in notes)


def test_moderator_has_no_delete_action(login, moderator):
    response = login(moderator).get(CHANGELIST)

    actions = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert "deactivate_users" in actions
    assert "delete_selected" not in actions


# What only an admin may do


def test_admin_changes_a_role(login, admin_account, user):
    response = login(admin_account).post(change_url(user), full_form(user, role=Role.MODERATOR))

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.role == Role.MODERATOR
    assert user.is_staff is True


def test_admin_demotes_a_moderator(login, admin_account, moderator):
    response = login(admin_account).post(change_url(moderator), full_form(moderator, role=Role.USER))

    assert response.status_code == 302
    moderator.refresh_from_db()
    assert moderator.role == Role.USER


def test_admin_cannot_demote_or_deactivate_themselves(login, admin_account):
    response = login(admin_account).post(
        change_url(admin_account), full_form(admin_account, role=Role.USER, is_active=None, name="Renamed")
    )

    assert response.status_code == 302
    admin_account.refresh_from_db()
    assert (admin_account.role, admin_account.is_active, admin_account.name) == (Role.ADMIN, True, "Renamed")


def test_admin_opens_add_user_page(login, admin_account):
    response = login(admin_account).get(ADD)

    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == [
        "email",
        "name",
        "photo",
        "role",
        "verified",
        "is_active",
    ]


def test_admin_adds_user_without_usable_password(login, admin_account):
    response = login(admin_account).post(
        ADD,
        {
            "email": "New.Person@Example.com",
            "name": "New Person",
            "role": Role.MODERATOR,
            "is_active": "on",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    created = User.objects.get(email="new.person@example.com")
    assert (created.name, created.role, created.verified) == ("New Person", Role.MODERATOR, False)
    assert created.has_usable_password() is False


def test_admin_cannot_add_user_with_email_taken_in_another_case(login, admin_account, user):
    response = login(admin_account).post(
        ADD, {"email": user.email.upper(), "name": "Copy", "role": Role.USER, "is_active": "on", "_save": "Save"}
    )

    assert response.status_code == 200  # the form again, with its error
    assert response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact=user.email).count() == 1


def test_admin_deletes_a_user(login, admin_account, user):
    response = login(admin_account).post(delete_url(user), {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


def test_change_form_shows_password_summary_not_hash(login, admin_account, user):
    response = login(admin_account).get(change_url(user))

    assert response.status_code == 200
    page = response.content.decode()
    assert "argon2" in page
    assert user.password not in page
    assert "changepassword" in page


def test_changelist_cannot_filter_on_password_hashes(login, moderator, admin_account):
    client = login(moderator)
    assert admin_account.email in client.get("/admin/accounts/user/", {"role__exact": "admin"}).content.decode()

    response = client.get("/admin/accounts/user/", {"role__exact": "admin", "password__startswith": "argon2"})

    assert response.status_code == 400  # DisallowedModelAdminLookup
    assert admin_account.email not in response.content.decode()


def test_admin_login_is_throttled(client, admin_account):
    statuses = [
        client.post("/admin/login/", {"username": admin_account.email, "password": "wrong"}).status_code
        for _ in range(11)
    ]
    assert statuses == [200] * 10 + [429]


# Polish


def test_there_is_no_groups_page_users_have_roles(login, admin_account):
    client = login(admin_account)

    assert "/admin/auth/group/" not in client.get("/admin/").content.decode()
    assert client.get("/admin/auth/group/").status_code == 404


def test_a_moderator_sees_what_the_read_only_role_means(login, moderator, user):
    page = login(moderator).get(change_url(user)).content.decode()

    assert "Only admins change roles." in page


def test_the_password_help_names_what_the_admin_offers(login, admin_account, user):
    page = login(admin_account).get(change_url(user)).content.decode()

    assert "manage.py changepassword" in page and "Change password" in page
