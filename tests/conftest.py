"""Shared fixtures: reference data for flushed databases, and the personas every access
test uses (administrator, coordinator, focal point, observer, and an anonymous visitor)."""

from pathlib import Path

import pytest

from nmirf.accounts.models import Role, User

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
RAW = SHARED_DATA / "raw"


def shared_file(*parts: str) -> Path:
    """A file from ../shared/data/raw, or skip: a user's clone has no shared folder."""
    path = RAW.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared data folder sits beside CI's clone only")
    return path


@pytest.fixture
def reference_data(db):
    """The test database is built by the migrations, which load the reference data (0006);
    a test whose database is flushed between tests (live server, transactional) finds it
    gone, and names this fixture to get it back."""
    from nmirf.recommendations.models import Mechanism
    from nmirf.recommendations.seeding import seed_all

    if not Mechanism.objects.exists():
        seed_all()


@pytest.fixture(autouse=True)
def _reference_data_after_a_flush(request):
    """Every test that reaches the database finds the reference data, wherever it runs:
    pytest orders tests by their fixtures as well as by database use, so a plain database
    test may run after a live-server test has flushed the tables (one query when the
    data is there)."""
    names = request.fixturenames
    if "db" in names or "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("reference_data")


def _make_user(username: str, role: str, **extra) -> User:
    user = User.objects.create_user(username=username, password="a-long-test-password", role=role,
                                    **extra)
    return user


# A test that picks a persona by name (request.getfixturevalue) names `db` itself:
# pytest-django orders tests by the fixtures they name, and one that reaches the database
# unannounced ran after the live-server tests and kept a session open on PostgreSQL's test
# database, whose teardown then failed ("being accessed by other users").
@pytest.fixture
def administrator(db):
    return _make_user("alice-admin", Role.ADMINISTRATOR, is_staff=True, is_superuser=True)


@pytest.fixture
def coordinator(db):
    return _make_user("carla-coordinator", Role.COORDINATOR)


@pytest.fixture
def focal_point(db):
    return _make_user("fatima-focal", Role.FOCAL_POINT)


@pytest.fixture
def observer(db):
    return _make_user("oscar-observer", Role.OBSERVER)


@pytest.fixture
def entity(db):
    """A ministry, for tests of tracking (nmirf.tracking)."""
    from nmirf.tracking.models import Entity

    return Entity.objects.create(name="Ministry of Justice", kind="ministry")


@pytest.fixture
def focal_point_of_entity(focal_point, entity):
    """The focal-point persona, belonging to `entity`."""
    from nmirf.tracking.models import Membership

    Membership.objects.create(entity=entity, user=focal_point)
    return focal_point


def _client_for(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client_(administrator):
    from django.test import Client

    return _client_for(Client, administrator)


@pytest.fixture
def coordinator_client(coordinator):
    from django.test import Client

    return _client_for(Client, coordinator)


@pytest.fixture
def focal_point_client(focal_point):
    from django.test import Client

    return _client_for(Client, focal_point)


@pytest.fixture
def observer_client(observer):
    from django.test import Client

    return _client_for(Client, observer)


REGISTRY_MODELS = (
    "recommendations.Recommendation", "recommendations.RecommendingState",
    "recommendations.RecommendationTerm", "recommendations.SourceRecord",
    "recommendations.Review", "recommendations.Document", "recommendations.Term",
)


def registry_snapshot() -> dict:
    """Everything an import may write, summarised: equal snapshots before and after a
    refused import prove that nothing was written."""
    from django.apps import apps

    snapshot = {}
    for label in REGISTRY_MODELS:
        model = apps.get_model(label)
        snapshot[label] = sorted(model.objects.values_list("pk", flat=True))
    from nmirf.recommendations.models import Recommendation

    snapshot["texts"] = sorted(Recommendation.objects.values_list("pk", "text", "position"))
    # People's saved views (nmirf/saved_views): refused saves and renames write none.
    from nmirf.saved_views.models import SavedView

    snapshot["saved views"] = sorted(SavedView.objects.values_list("pk", "owner_id", "name",
                                                                   "query"))
    return snapshot


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, tmp_path):
    """Files a test uploads go to its own folder, never to the project's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NMIRF_EVIDENCE_DIR = tmp_path / "evidence"
    # Trained suggestion models (nmirf/assist/model_files.py) too.
    settings.NMIRF_MODEL_DIR = tmp_path / "models"


@pytest.fixture(autouse=True)
def _english_unless_a_test_says_otherwise():
    """A request to a /fr/, /es/ or /ar/ page leaves that language active in the thread;
    each test starts in the default language."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
