"""core.links.pk_url: the same address as reverse() for a one-integer route, script prefix included."""

import pytest
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from core.links import pk_url


@pytest.mark.parametrize("name", ["person_detail", "school_detail", "meeting_detail", "decision_detail"])
@pytest.mark.parametrize("pk", [0, 1, 7, 918273645, 10**12])
def test_pk_url_is_reverse(name, pk):
    assert pk_url(name, pk) == reverse(name, args=[pk])


def test_pk_url_follows_the_script_prefix():
    set_script_prefix("/portal/")
    try:
        assert pk_url("person_detail", 12) == reverse("person_detail", args=[12])
        assert pk_url("person_detail", 12).startswith("/portal/")
    finally:
        clear_script_prefix()
    assert not pk_url("person_detail", 12).startswith("/portal/")


@pytest.mark.parametrize("pk", [-1, "abc", None, True, 1.5])
def test_pk_url_refuses_what_reverse_refuses(pk):
    with pytest.raises(NoReverseMatch):
        pk_url("person_detail", pk)


def test_pk_url_of_a_route_without_arguments_is_refused():
    with pytest.raises(NoReverseMatch):
        pk_url("school_list", 1)


@pytest.mark.parametrize("name", ["home", "school_list", "meeting_list", "admin:index", "logout", "profile"])
def test_route_tag_is_the_url_tag(name):
    from django.template import engines

    render = engines["django"].from_string
    assert render("{% load links %}{% route '" + name + "' %}").render({}) == render("{% url '" + name + "' %}").render(
        {}
    )


def test_route_follows_the_script_prefix():
    from core.links import route_url

    set_script_prefix("/portal/")
    try:
        assert route_url("school_list") == reverse("school_list") == "/portal/schools/"
    finally:
        clear_script_prefix()
    assert route_url("school_list") == "/schools/"


def test_route_refuses_unknown_names_and_routes_with_arguments():
    from core.links import route_url

    for name in ("no_such_page", "person_detail"):
        with pytest.raises(NoReverseMatch):
            route_url(name)


def test_every_page_links_the_navigation(client, clerk_a):
    client.force_login(clerk_a)
    html = client.get(reverse("school_list")).content.decode()
    for name in ("home", "school_list", "communication_list", "meeting_list", "decision_list", "finding_list"):
        assert f'href="{reverse(name)}"' in html
    assert f'action="{reverse("logout")}"' in html
