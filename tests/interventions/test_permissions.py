"""Who may open each intervention page and take each action."""

import pytest
from django.urls import reverse

from interventions.enums import InterventionStatus as S
from tests.factories import InterventionFactory
from tests.helpers import intervention_form_data

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "author",
    "other_stakeholder",
    "staff_outside",
    "secretariat",
    "wg3",
]
LOGIN = "login"  # a redirect to the sign-in page
ADMIN_LOGIN = "admin_login"

# page: expected outcome per role, in ROLES order.
MATRIX = {
    "mine": [LOGIN, 200, 200, 200, 200, 200],
    "create_get": [LOGIN, 200, 200, 403, 403, 403],
    "create_post": [LOGIN, 302, 302, 403, 403, 403],
    "detail": [LOGIN, 200, 404, 404, 404, 404],
    "edit_get": [LOGIN, 200, 404, 404, 404, 404],
    "edit_post": [LOGIN, 302, 404, 404, 404, 404],
    "withdraw_get": [LOGIN, 200, 404, 404, 404, 404],
    "withdraw_post": [LOGIN, 302, 404, 404, 404, 404],
    "approved_list": [LOGIN, 403, 403, 403, 200, 200],
    "approved_detail": [LOGIN, 403, 403, 403, 200, 200],
    "export_csv": [LOGIN, 403, 403, 403, 200, 200],
    "export_json": [LOGIN, 403, 403, 403, 200, 200],
    "admin_changelist": [ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200, ADMIN_LOGIN],
    "admin_change": [ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200, ADMIN_LOGIN],
}
CASES = [
    (page, role, expected[i]) for page, expected in MATRIX.items() for i, role in enumerate(ROLES)
]


@pytest.fixture
def approved(session):
    return InterventionFactory(session=session, status=S.APPROVED)


def _request(client, page, intervention, approved, session, theme, region):
    pk = {"pk": intervention.pk}
    urls = {
        "mine": ("get", reverse("interventions:mine")),
        "create_get": ("get", reverse("interventions:create", args=[session.slug])),
        "create_post": ("post", reverse("interventions:create", args=[session.slug])),
        "detail": ("get", reverse("interventions:detail", kwargs=pk)),
        "edit_get": ("get", reverse("interventions:edit", kwargs=pk)),
        "edit_post": ("post", reverse("interventions:edit", kwargs=pk)),
        "withdraw_get": ("get", reverse("interventions:withdraw", kwargs=pk)),
        "withdraw_post": ("post", reverse("interventions:withdraw", kwargs=pk)),
        "approved_list": ("get", reverse("interventions:approved")),
        "approved_detail": ("get", reverse("interventions:approved_detail", args=[approved.pk])),
        "export_csv": ("get", reverse("interventions:export_csv")),
        "export_json": ("get", reverse("interventions:export_json")),
        "admin_changelist": ("get", reverse("admin:interventions_intervention_changelist")),
        "admin_change": (
            "get",
            reverse("admin:interventions_intervention_change", args=[intervention.pk]),
        ),
    }
    method, url = urls[page]
    if method == "post":
        return client.post(url, intervention_form_data(theme, region, title="Posted", save="1"))
    return client.get(url)


@pytest.mark.parametrize(("page", "role", "expected"), CASES)
def test_permission_matrix(
    client, request, page, role, expected, intervention, approved, session, theme, region
):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = _request(client, page, intervention, approved, session, theme, region)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/en/accounts/login/?next=")
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/en/admin/login/?next=")
    else:
        assert response.status_code == expected
    intervention.refresh_from_db()
    if role != "author":
        # Nobody but the author changes the author's intervention.
        assert intervention.title != "Posted"
        assert intervention.status == S.DRAFT


@pytest.mark.parametrize("role", ROLES)
def test_only_the_secretariat_moderates(client, request, role, session):
    submitted = InterventionFactory(session=session, status=S.SUBMITTED)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    client.post(
        reverse("admin:interventions_intervention_changelist"),
        {"action": "approve_selected", "_selected_action": [submitted.pk]},
    )
    submitted.refresh_from_db()
    assert submitted.status == (S.APPROVED if role == "secretariat" else S.SUBMITTED)


def test_superuser_browses_approved(client, superuser, approved):
    client.force_login(superuser)
    assert client.get(reverse("interventions:approved")).status_code == 200
