"""The import pages: who may import, the upload that runs in the background, the run page
with its progress and its errors."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nmirf.ingest.models import ImportRun
from nmirf.ingest.uploads import upload_dir
from nmirf.recommendations.models import Recommendation
from tests.conftest import registry_snapshot

HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
GOOD = 'Slovenia,EEG,EU,"Ratify the Convention.",France,WEOG,EU,Accepted,5,"Migrants",7'
URL = reverse("ingest:run_list")


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Post a file and open the run's page. The upload enqueues its job when the request's
    transaction commits; tests run inside a transaction, so run those callbacks here."""

    def post(client, content: bytes, name="export.csv", **data):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(URL, {"source": "upr_info",
                              "files": SimpleUploadedFile(name, content), **data})
        run = ImportRun.objects.order_by("-pk").first()
        return client.get(run.get_absolute_url() if run else URL, follow=True)

    return post


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    assert reverse("accounts:login") in client.get(URL).url


@pytest.mark.parametrize("persona", ["focal_point_client", "observer_client"])
def test_it_refuses_people_who_may_not_import(request, db, persona):
    client = request.getfixturevalue(persona)
    assert client.get(URL).status_code == 403
    before = registry_snapshot()
    response = client.post(URL, {"source": "upr_info", "files": SimpleUploadedFile(
        "export.csv", (HEADER + "\n" + GOOD).encode())})
    assert response.status_code == 403
    assert registry_snapshot() == before and not ImportRun.objects.exists()


def test_a_coordinator_imports_a_file_and_sees_the_result(coordinator_client, coordinator, upload):
    response = upload(coordinator_client, (HEADER + "\n" + GOOD).encode())
    run = ImportRun.objects.get()
    assert response.request["PATH_INFO"] == run.get_absolute_url()
    assert run.status == "succeeded" and run.created == 1 and run.created_by == coordinator
    assert Recommendation.objects.count() == 1
    page = response.content.decode()
    # Labels, not sentences: "1 records read" would need a plural in every language.
    assert "Records read: 1; created: 1, updated: 0, unchanged: 0." in page
    assert 'aria-valuenow="100"' in page
    assert not upload_dir(run.pk).exists()  # the uploaded file is not kept


def test_a_bad_file_shows_every_problem_and_writes_nothing(coordinator_client, upload):
    before = registry_snapshot()
    bad = "\n".join([HEADER, GOOD.replace("France", "Atlantis"),
                     GOOD.replace("Slovenia", "Narnia")])
    page = upload(coordinator_client, bad.encode(), name="bad.csv").content.decode()
    assert registry_snapshot() == before
    assert "Rows rejected: 2; nothing was imported" in page
    assert "unknown recommending state &#x27;Atlantis&#x27;" in page
    assert "unknown state under review &#x27;Narnia&#x27;" in page
    assert not upload_dir(ImportRun.objects.get().pk).exists()
    # Each problem names the format and the column as the file has them.
    assert "UPR Info database export (CSV)" in page
    assert "<td>From</td><td>unknown recommending state" in page
    assert "<td>To</td><td>unknown state under review" in page


def test_the_problems_are_shown_in_the_readers_language(coordinator_client, upload):
    bad = "\n".join([HEADER, GOOD.replace("France", "Atlantis")])
    english = upload(coordinator_client, bad.encode(), name="bad.csv").content.decode()
    assert "unknown recommending state &#x27;Atlantis&#x27;" in english
    path = ImportRun.objects.get().get_absolute_url()  # in English: no language prefix
    for language in ("fr", "es", "ar"):
        page = coordinator_client.get(f"/{language}{path}").content.decode()
        assert "&#x27;Atlantis&#x27;" in page, language  # the value, as the file gives it
        assert "unknown recommending state" not in page, language
        assert "nothing was imported" not in page, language


def test_an_upload_of_the_wrong_kind_is_refused_before_reading(coordinator_client):
    response = coordinator_client.post(URL, {"source": "upr_info", "files": SimpleUploadedFile(
        "report.pdf", b"%PDF-1.4")})
    assert "report.pdf: a UPR Info database export (CSV) file must end in .csv" in \
        response.content.decode()
    assert not ImportRun.objects.exists()


def test_the_progress_fragment_reloads_the_page_when_the_run_ends(coordinator_client, upload):
    upload(coordinator_client, (HEADER + "\n" + GOOD).encode())
    run = ImportRun.objects.get()
    response = coordinator_client.get(run.get_absolute_url() + "?fragment=progress",
                                      HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert 'id="import-progress"' in response.content.decode()


def test_a_running_import_polls_for_progress(coordinator_client):
    run = ImportRun.objects.create(source="upr_info", files=["big.csv"], status="running",
                                   progress_done=5000, progress_total=40000)
    page = coordinator_client.get(run.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in page


def test_the_blank_template_can_be_downloaded(observer_client):
    response = observer_client.get(reverse("ingest:template"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('nmirf-import-template.xlsx"')
    assert response.content[:2] == b"PK"


def test_a_problem_in_a_document_names_the_field_in_the_readers_language():
    from django.utils import translation

    from nmirf.ingest.sources import get_adapter

    matrix, template = get_adapter("ohchr-matrix"), get_adapter("template")
    assert matrix.column_of("recommending_states") == "Recommending states"
    assert template.column_of("action") == "action_category"  # the template's own column
    assert matrix.column_of("Session") == "Session"  # already a column: kept
    with translation.override("fr"):
        assert matrix.column_of("state") == "État examiné"


def test_a_run_that_flagged_possible_duplicates_links_to_them(coordinator_client, upload):
    page = upload(coordinator_client, "\n".join([HEADER, GOOD, GOOD]).encode()).content.decode()
    assert "1 flagged as a possible duplicate, for a person to resolve." in page
    assert f'href="{reverse("recommendations:list")}?flagged=duplicate&amp;state=all"' in page
    run = ImportRun.objects.get()
    french = coordinator_client.get(f"/fr{run.get_absolute_url()}").content.decode()
    assert "1 signalé comme doublon possible" in french  # one, not "1 signalés"


def test_a_dry_run_says_what_it_would_do_not_what_it_did(coordinator_client, upload):
    before = registry_snapshot()
    response = upload(coordinator_client, (HEADER + "\n" + GOOD).encode(), dry_run="on")
    page = response.content.decode()
    assert "would be created: 1, would be updated: 0" in page
    assert '<th scope="row">Would be created</th>' in page
    assert '<th scope="row">Created</th>' not in page
    assert registry_snapshot() == before


def test_the_list_of_runs_shows_a_dry_run_as_what_it_would_do(coordinator_client, upload):
    upload(coordinator_client, (HEADER + "\n" + GOOD).encode(), dry_run="on")
    rows = coordinator_client.get(reverse("ingest:run_list")).content.decode().split("<tbody>")[1]
    assert "would create 1, update 0" in rows
    # Nothing was created: no "Created" count of 1 for it.
    assert '<td class="text-end">1</td>' not in rows
