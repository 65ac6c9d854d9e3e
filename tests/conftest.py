"""Canonical actors: a district admin, district and 学区 viewers, the pair and a clerk of school A,
and a clerk of school B (in another 学区). Every scope test uses them."""

import pytest

from core.models import Role
from tests.factories import SchoolDistrictFactory, SchoolFactory, UserFactory


@pytest.fixture(autouse=True)
def empty_cache(settings):
    """Every test starts with an empty cache: no figure cached by another test (core.dataversion). Figures are
    cached in every test (as in production with Redis), so a stale figure after any write would fail a test."""
    from django.core.cache import cache

    settings.DASHBOARD_CACHE_SECONDS = 600
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Password hashing is deliberately slow; tests do not need that."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def district_a(db):
    return SchoolDistrictFactory(code="XQ-A", name="四季青学区")


@pytest.fixture
def district_b(db):
    return SchoolDistrictFactory(code="XQ-B", name="上地学区")


@pytest.fixture
def school_a(district_a):
    return SchoolFactory(code="A001", name="海淀实验小学", district=district_a)


@pytest.fixture
def campus_a(school_a):
    return SchoolFactory(code="A002", name="海淀实验小学四季青校区", district=school_a.district, parent=school_a)


@pytest.fixture
def school_b(district_b):
    return SchoolFactory(code="B001", name="上地实验小学", district=district_b)


@pytest.fixture
def district_admin(db):
    return UserFactory(username="admin_u", role=Role.DISTRICT_ADMIN, is_staff=True)


@pytest.fixture
def district_viewer(db):
    return UserFactory(username="viewer_u", role=Role.DISTRICT_VIEWER)


@pytest.fixture
def xuequ_viewer(district_a):
    return UserFactory(username="xuequ_u", role=Role.XUEQU_VIEWER, school_district=district_a)


@pytest.fixture
def secretary_a(school_a):
    return UserFactory(username="secretary_a", role=Role.SECRETARY, school=school_a)


@pytest.fixture
def principal_a(school_a):
    return UserFactory(username="principal_a", role=Role.PRINCIPAL, school=school_a)


@pytest.fixture
def clerk_a(school_a):
    return UserFactory(username="clerk_a", role=Role.CLERK, school=school_a)


@pytest.fixture
def clerk_b(school_b):
    return UserFactory(username="clerk_b", role=Role.CLERK, school=school_b)


@pytest.fixture
def login(client):
    """Log a user in on the test client and return the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
