"""The demo's indicators and progress: every state of the workflow on screen, each with a
real history, small evidence files that pass the content checks; a second run changes
nothing."""

import pytest

from nmirf.audit.models import AuditEvent
from nmirf.tracking import demo, evidence
from nmirf.tracking.models import Evidence, Indicator, ProgressState, ProgressUpdate
from nmirf.tracking.progress_demo import load_progress, tiny_pdf

from .progress_fixtures import state

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_state_with_indicators_and_evidence():
    demo.load_entities()
    demo.load_accounts()
    demo.load_actions()
    load_progress()
    assert set(ProgressUpdate.objects.values_list("state", flat=True)) == set(
        ProgressState.values)
    assert Indicator.objects.count() == 4
    assert {"structural", "process", "outcome"} == set(
        Indicator.objects.values_list("kind", flat=True))
    returned = ProgressUpdate.objects.get(state="returned")
    assert "by municipality" in returned.review_comment
    published = ProgressUpdate.objects.get(state="published")
    assert AuditEvent.objects.for_target(published).count() == 5  # created, file, 3 steps
    assert Evidence.objects.filter(kind="pdf").count() == 2
    for item in Evidence.objects.all():
        assert evidence.path_of(item.stored_name).stat().st_size == item.size
    before = state()
    load_progress()
    assert state() == before


def test_the_demo_pdf_is_a_well_formed_pdf():
    pdf = tiny_pdf("Hello")
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref:xref + 4] == b"xref"
    offsets = [int(line[:10]) for line in pdf[xref:].split(b"\n")[3:8]]
    assert all(pdf[offset:].startswith(b"%d 0 obj" % n) for n, offset in
               enumerate(offsets, start=1))
