"""Evidence files on a progress update: the type is told from the content (an executable
renamed .pdf, a zip that is no document, text that is not UTF-8 are refused), the size is
limited by NMIRF_EVIDENCE_MAX_BYTES; files are kept under generated names in the evidence
folder and served only to those who may read the update, as attachments that a browser
must not sniff; removing one archives it (the file stays)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from nmirf.tracking import evidence
from nmirf.tracking.models import Evidence

from .progress_fixtures import (
    PDF,
    make_action,
    make_update,
    messages_of,
    share_with_observers,
    signed_in,
    state,
    stored_files,
)

pytestmark = pytest.mark.django_db


def zipped(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
ODT = zipped({"mimetype": "application/vnd.oasis.opendocument.text",
              "content.xml": "<office:document-content/>"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 16

ACCEPTED = [("report.pdf", PDF, "pdf"), ("photo.png", PNG, "png"),
            ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpeg"),
            ("chart.gif", b"GIF89a" + b"\x00" * 20, "gif"), ("chart.webp", WEBP, "webp"),
            ("figures.csv", "région;nombre\nNord;12\n".encode(), "text"),
            ("minutes.docx", DOCX, "ooxml"), ("minutes.odt", ODT, "odf")]
EXECUTABLE = "is a program or a script"
NOT_ACCEPTED = "not one of the accepted types"
REFUSED = [("report.pdf", b"MZ\x90\x00" + b"\x00" * 60, EXECUTABLE),
           ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 20, EXECUTABLE),
           ("data.csv", b"\xcf\xfa\xed\xfe" + b"\x00" * 20, EXECUTABLE),
           ("notes.txt", b"#!/bin/sh\nrm -rf /\n", EXECUTABLE),
           ("minutes.docx", zipped({"payload.exe": "MZ"}), NOT_ACCEPTED),
           ("minutes.odt", zipped({"mimetype": "application/zip", "content.xml": "x"}),
            NOT_ACCEPTED),
           ("broken.docx", b"PK\x03\x04not really a zip", NOT_ACCEPTED),
           ("latin1.txt", "café".encode("latin-1"), NOT_ACCEPTED),
           ("blob.txt", b"text\x00with a NUL", NOT_ACCEPTED)]


@pytest.fixture
def action(entity):
    return make_action(entity)


@pytest.fixture
def draft(action):
    return make_update(action, "draft")


def upload(client, update, name, content):
    return client.post(reverse("tracking:evidence_upload", args=[update.pk]),
                       {"file": SimpleUploadedFile(name, content,
                                                   content_type="application/pdf")},
                       follow=True)


@pytest.mark.parametrize("name, content, kind", ACCEPTED)
def test_accepted_types_are_told_by_content(draft, focal_point_of_entity, name, content, kind):
    response = upload(signed_in(focal_point_of_entity), draft, name, content)
    item = Evidence.objects.get()
    assert (item.kind, item.original_name, item.size) == (kind, name, len(content))
    assert "Attached" in messages_of(response)
    # Stored under a generated name, not the one the person gave.
    assert stored_files() == [item.stored_name] and name not in item.stored_name
    assert evidence.path_of(item.stored_name).read_bytes() == content


@pytest.mark.parametrize("name, content, message", REFUSED)
def test_executables_in_disguise_and_other_types_are_refused(
        draft, focal_point_of_entity, name, content, message):
    before = state()
    response = upload(signed_in(focal_point_of_entity), draft, name, content)
    assert message in messages_of(response)
    assert state() == before and stored_files() == []


def test_a_file_too_large_is_refused_before_it_is_read(draft, focal_point_of_entity,
                                                       settings):
    settings.NMIRF_EVIDENCE_MAX_BYTES = 1000
    before = state()
    response = upload(signed_in(focal_point_of_entity), draft, "big.pdf", PDF + b" " * 1000)
    assert "evidence files may be at most 1000" in messages_of(response)
    assert state() == before and stored_files() == []


def test_an_empty_upload_is_refused(draft, focal_point_of_entity):
    before = state()
    response = upload(signed_in(focal_point_of_entity), draft, "empty.pdf", b"")
    assert "This file is empty." in messages_of(response)
    assert state() == before


def test_no_file_is_added_once_the_update_is_submitted(action, focal_point_of_entity):
    submitted = make_update(action, "submitted")
    before = state()
    response = upload(signed_in(focal_point_of_entity), submitted, "report.pdf", PDF)
    assert response.status_code == 403
    assert state() == before


def test_the_download_is_an_attachment_that_is_not_sniffed(draft, focal_point_of_entity):
    client = signed_in(focal_point_of_entity)
    upload(client, draft, "rapport final.pdf", PDF)
    item = Evidence.objects.get()
    response = client.get(reverse("tracking:evidence_download", args=[item.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "rapport final.pdf" in response["Content-Disposition"]


def test_removing_a_file_archives_it_and_keeps_the_file(draft, focal_point_of_entity):
    client = signed_in(focal_point_of_entity)
    upload(client, draft, "report.pdf", PDF)
    item = Evidence.objects.get()
    client.post(reverse("tracking:evidence_archive", args=[item.pk]), {"archived": "1"})
    item.refresh_from_db()
    assert item.archived and stored_files() == [item.stored_name]
    assert client.get(reverse("tracking:evidence_download", args=[item.pk])).status_code == 404
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "report.pdf" not in page.split("evidence-heading")[1].split("</section>")[0]


def test_the_file_type_is_never_taken_from_the_name_or_the_browser():
    upload_ = SimpleUploadedFile("x.png", b"MZ" + b"\x00" * 10, content_type="image/png")
    with pytest.raises(Exception, match="program or a script"):
        evidence.check(upload_)


# -- who may (selected by -k "permission or access") ----------------------------------------

@pytest.mark.parametrize("update_state, role, allowed", [
    ("draft", "coordinator", False), ("submitted", "coordinator", True),
    ("validated", "observer", False), ("published", "observer", True)])
def test_evidence_download_access_follows_the_update(request, action, focal_point_of_entity,
                                                      update_state, role, allowed):
    share_with_observers(action)
    update = make_update(action, "draft")
    upload(signed_in(focal_point_of_entity), update, "report.pdf", PDF)
    item = Evidence.objects.get()
    update.__class__.objects.filter(pk=update.pk).update(state=update_state)
    response = signed_in(request.getfixturevalue(role)).get(
        reverse("tracking:evidence_download", args=[item.pk]))
    assert response.status_code == (200 if allowed else 404)


def test_evidence_upload_access_refused_to_the_secretariat_and_others(
        draft, coordinator, observer):
    before = state()
    for user in (coordinator, observer):
        response = upload(signed_in(user), draft, "report.pdf", PDF)
        assert response.status_code == 404  # a draft is not theirs to see
    assert state() == before


def test_evidence_upload_without_csrf_token_is_refused_access(draft, focal_point_of_entity):
    before = state()
    response = signed_in(focal_point_of_entity, csrf=True).post(
        reverse("tracking:evidence_upload", args=[draft.pk]),
        {"file": SimpleUploadedFile("report.pdf", PDF)})
    assert response.status_code == 403
    assert state() == before and stored_files() == []
