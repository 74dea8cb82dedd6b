"""Exports (recommendations/exports.py): any list a person can see — its filters, search
and sort — as CSV, XLSX and JSON with every field, in the list's order, narrowed by the
permissions module, formulas neutralised, streamed with a bounded number of queries; a
query string the list would not understand refuses the export with the list's message
and writes nothing. The web download is tested here; the command in test_export_command.py."""

import csv
import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from nmirf.recommendations import exports
from nmirf.recommendations.exports import ExportRefused, prepare_export
from nmirf.recommendations.filters import Sort
from nmirf.tracking import assigning
from nmirf.tracking.models import Cluster, ClusterRecommendation, Entity, RecommendationStatus
from tests.tracking.roles import ROLES, client_for

from .builders import build_registry, make_rec

pytestmark = pytest.mark.django_db

LIST = reverse("recommendations:list")


def export_url(fmt, query=""):
    url = reverse("recommendations:export", args=[fmt])
    return f"{url}?{query}" if query else url


@pytest.fixture
def r():
    return build_registry()


@pytest.fixture
def tracked(r, entity):
    """The torture recommendation led by the Ministry of Justice and in progress; the Roma
    one in a cluster that the Ministry of Labour leads and Justice supports."""
    labour = Entity.objects.create(name="Ministry of Labour", kind="ministry")
    assigning.assign_recommendations(entity, "lead", [r.torture.pk])
    RecommendationStatus.objects.create(recommendation=r.torture, status="in_progress",
                                        reason="A bill is in parliament.")
    cluster = Cluster.objects.create(title="Roma inclusion")
    ClusterRecommendation.objects.create(cluster=cluster, recommendation=r.roma)
    assigning.assign_cluster(labour, "lead", cluster)
    assigning.assign_cluster(entity, "supporting", cluster)
    r.labour, r.cluster = labour, cluster
    return r


def exported(user, query="", fmt="json", **kwargs):
    """The export's bytes, read back: JSON as objects, CSV and XLSX as rows (header
    first)."""
    data = b"".join(prepare_export(user, query, fmt).stream(fmt, **kwargs))
    if fmt == "json":
        return json.loads(data)
    if fmt == "csv":
        text = data.decode("utf-8")
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text[1:], newline="")))
    sheet = load_workbook(io.BytesIO(data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def ids_of(user, query=""):
    return [record["id"] for record in exported(user, query)]


def list_order(client, query=""):
    """The ids of the list page at `query`, every page, in its order."""
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    ordered = response.context["page"].paginator.object_list.ids
    return [int(pk) for pk in ordered[0:len(ordered)]]


# -- every field, in each format ------------------------------------------------------------

def test_json_carries_every_field_with_codes_and_labels(tracked, coordinator):
    record = next(rec for rec in exported(coordinator) if rec["id"] == tracked.torture.pk)
    assert record["mechanism"] == "UPR"
    assert record["state"] == {"iso3": "SVN", "name": "Slovenia"}
    assert record["review"]["cycle"] == 3 and record["review"]["session"] == 34
    assert record["review"]["date"] == "2019-11-06"
    assert record["review"]["label"] == "UPR 34 · Slovenia"
    assert record["paragraph"] == "121.1"
    assert record["text"] == "Ratify the Optional Protocol to the Convention against Torture."
    assert record["language"] == "en"
    assert (record["position"], record["position_label"]) == ("supported", "Supported")
    assert record["action_category"] == 5
    assert record["action_category_label"] == "5 — Specific action"
    assert record["recommending_states"] == [{"iso3": "FRA", "name": "France"}]
    assert record["labels"]["upr_info_issues"] == [
        {"code": "Torture and other CID treatment", "name": "Torture and other CID treatment"}]
    assert [t["code"] for t in record["labels"]["uhri_themes"]] == [
        "Access to justice & remedy"]
    assert [t["code"] for t in record["labels"]["sdg"]] == ["16.3"]
    assert record["sources"] == [{"source": "upr_info", "label": record["sources"][0]["label"],
                                  "key": "row-7", "location": "upr_info_17-20.csv, row 7"}]
    assert record["possible_duplicate_of"] is None
    assert record["implementation_status"] == "in_progress"
    assert record["implementation_status_label"] == "In progress"
    assert record["lead_entities"] == ["Ministry of Justice"]
    assert record["supporting_entities"] == []


def test_a_clusters_lead_and_supporting_entities_and_the_cluster_are_exported(
        tracked, coordinator):
    record = next(rec for rec in exported(coordinator) if rec["id"] == tracked.roma.pk)
    assert record["lead_entities"] == ["Ministry of Labour"]
    assert record["supporting_entities"] == ["Ministry of Justice"]
    assert record["clusters"] == ["Roma inclusion"]
    assert record["implementation_status"] == "not_started"
    assert [s["name"] for s in record["recommending_states"]] == ["France", "Germany"]


def test_csv_has_a_header_and_one_row_per_recommendation_with_every_column(
        tracked, coordinator):
    rows = exported(coordinator, "state=SVN&sort=paragraph", "csv")
    header = rows[0]
    for column in ("ID", "Mechanism", "State under review", "Review", "Document",
                   "Paragraph", "Text", "Position", "Action category", "Recommending states",
                   "Sources", "Implementation status", "Lead entity", "Supporting entities",
                   "Clusters"):
        assert column in header
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert len(by_id) == 6  # Slovenia's active recommendations
    roma = by_id[str(tracked.roma.pk)]
    assert roma["Recommending states"] == "France; Germany"
    assert roma["Position"] == "Noted"
    assert roma["Lead entity"] == "Ministry of Labour"
    assert roma["Clusters"] == "Roma inclusion"
    assert "Children" in roma.values()  # the affected persons' column
    torture = by_id[str(tracked.torture.pk)]
    assert torture["Sources"].endswith(": upr_info_17-20.csv, row 7")
    assert torture["Review date"] == "2019-11-06"


def test_xlsx_has_the_same_columns_typed_numbers_and_dates(tracked, coordinator):
    csv_rows = exported(coordinator, "state=SVN", "csv")
    rows = exported(coordinator, "state=SVN", "xlsx")
    assert rows[0] == csv_rows[0]
    header = rows[0]
    torture = next(dict(zip(header, row, strict=True)) for row in rows[1:]
                   if row[0] == tracked.torture.pk)
    assert torture["UPR session"] == 34
    assert torture["Review date"] == dt.datetime(2019, 11, 6)
    assert torture["Text"] == tracked.torture.text
    assert len(rows) == len(csv_rows)


def test_the_export_speaks_the_readers_language(r, coordinator_client):
    from django.utils import translation

    with translation.override("fr"):
        url = reverse("recommendations:export", args=["json"]) + "?state=EGY"
    assert url.startswith("/fr/")
    response = coordinator_client.get(url)
    assert response.status_code == 200
    records = json.loads(b"".join(response.streaming_content))
    assert records[0]["state"]["name"] == "Égypte"
    assert records[0]["recommending_states"] == [{"iso3": "FRA", "name": "France"}]


def test_an_arabic_workbook_reads_from_the_right(r, coordinator):
    from django.utils import translation

    with translation.override("ar"):
        data = b"".join(prepare_export(coordinator, "", "xlsx").stream("xlsx"))
    assert load_workbook(io.BytesIO(data)).active.sheet_view.rightToLeft


# -- the list's selection and order ---------------------------------------------------------

@pytest.mark.parametrize("sort", [s for s, _label in Sort.CHOICES])
def test_the_export_is_in_the_lists_order_for_every_sort(r, coordinator_client, coordinator,
                                                         sort):
    query = f"sort={sort}" + ("&q=education" if sort == Sort.RELEVANCE else "")
    assert ids_of(coordinator, query) == list_order(coordinator_client, query)


@pytest.mark.parametrize("query", [
    "state=SVN", "state=SVN&position=noted", "mechanism=CRC", "recommending=FRA",
    "q=education", "q=education&sort=oldest", "action_category=4&cycle=3",
    "sdg=4", "position=noted&position=supported", "state=all", "state=all&mechanism=CRC", "",
])
def test_filters_narrow_the_export_as_they_narrow_the_list(r, coordinator_client, coordinator,
                                                           query):
    assert ids_of(coordinator, query) == list_order(coordinator_client, query)


@pytest.mark.parametrize("query", [
    "status=in_progress", "status=not_started", "lead={justice}", "lead={labour}",
    "cluster={cluster}", "status=not_started&cluster={cluster}",
])
def test_trackings_filters_narrow_the_export_as_they_narrow_the_list(
        tracked, coordinator_client, coordinator, query):
    query = query.format(justice=tracked.torture.assignments.get().entity_id,
                         labour=tracked.labour.pk, cluster=tracked.cluster.pk)
    exported_ids = ids_of(coordinator, query)
    assert exported_ids == list_order(coordinator_client, query)
    assert exported_ids  # each of these selects something


def test_assigned_to_me_is_the_exporting_persons(tracked, focal_point_of_entity, coordinator):
    from django.test import Client

    client = Client()
    client.force_login(focal_point_of_entity)
    mine = ids_of(focal_point_of_entity, "assigned=me")
    assert set(mine) == {tracked.torture.pk, tracked.roma.pk}
    assert mine == list_order(client, "assigned=me")
    assert ids_of(coordinator, "assigned=me") == []  # the coordinator belongs to no entity


def test_validated_progress_narrows_the_export(tracked, coordinator, coordinator_client,
                                               entity):
    from tests.tracking.progress_fixtures import make_action, make_update

    make_update(make_action(entity, [tracked.torture]), state="validated")
    assert ids_of(coordinator, "progress=validated") == [tracked.torture.pk]
    assert list_order(coordinator_client, "progress=validated") == [tracked.torture.pk]


def test_archived_recommendations_are_not_exported(r, coordinator):
    assert r.archived.pk not in ids_of(coordinator)


def test_the_page_parameter_is_ignored_everything_is_exported(r, coordinator):
    assert ids_of(coordinator, "page=2") == ids_of(coordinator)


# -- permissions ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_access_to_the_web_export_follows_the_registrys_permission(r, request, role):
    client = client_for(request, role)
    response = client.get(export_url("csv", "state=SVN"))
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))
        return
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(
        b"".join(response.streaming_content).decode("utf-8")[1:])))
    # Observers read only what the coordinator shares with them: nothing here.
    assert len(rows) == 1 + (0 if role == "observer" else 6)


def test_access_is_refused_to_anonymous_and_disabled_accounts(r, observer):
    with pytest.raises(ExportRefused, match="may not read the registry"):
        prepare_export(AnonymousUser(), "")
    observer.is_active = False
    with pytest.raises(ExportRefused, match="may not read the registry"):
        prepare_export(observer, "")


def test_permission_narrowing_reaches_the_export(r, observer, monkeypatch):
    """Whatever the permissions module narrows the registry to is what an export holds
    (the observer here is given Egypt's recommendations only)."""
    from nmirf.accounts import permissions

    def only_egypt(queryset, user):
        return queryset.filter(review__state__iso3="EGY")

    monkeypatch.setattr(permissions, "recommendations_visible_to", only_egypt)
    assert ids_of(observer) == [r.death_penalty.pk]
    assert ids_of(observer, "state=SVN") == []


def test_tracking_columns_need_the_permission_to_see_assignments(tracked, focal_point,
                                                                 monkeypatch):
    rows = exported(focal_point, "", "csv")
    assert "Lead entity" in rows[0]
    monkeypatch.setattr(exports, "can_view_assignments", lambda user: False)
    rows = exported(focal_point, "", "csv")
    assert "Lead entity" not in rows[0] and "Implementation status" not in rows[0]
    record = exported(focal_point)[0]
    assert "lead_entities" not in record and "implementation_status" not in record


def test_the_list_page_offers_downloads_of_what_it_shows(r, focal_point_client):
    response = focal_point_client.get(f"{LIST}?state=SVN&sort=oldest&page=1")
    html = response.content.decode()
    for fmt in ("csv", "xlsx", "json"):
        assert f'href="{export_url(fmt, "state=SVN&amp;sort=oldest")}"' in html


def test_the_web_download_is_streamed_as_an_attachment(r, focal_point_client):
    response = focal_point_client.get(export_url("xlsx", "state=SVN"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == exports.FORMATS["xlsx"].content_type
    assert response["Content-Disposition"].startswith(
        'attachment; filename="recommendations-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 1 + 6


# -- formulas ---------------------------------------------------------------------------------

DANGEROUS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A2)", '=HYPERLINK("http://x")']


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formulas_are_neutralised_in_spreadsheet_exports(r, coordinator, fmt):
    for text in DANGEROUS:
        make_rec(r.crc, text, paragraph="=1+1")
    rows = exported(coordinator, "mechanism=CRC", fmt)
    header = rows[0]
    texts = {row[header.index("Text")] for row in rows[1:]}
    assert {"'" + text for text in DANGEROUS} <= texts
    assert {row[header.index("Paragraph")] for row in rows[1:]} >= {"'=1+1"}
    assert not any(isinstance(value, str) and value and value[0] in "=+-@"
                   for row in rows for value in row)


def test_json_keeps_the_text_as_it_was_written(r, coordinator):
    make_rec(r.crc, DANGEROUS[0])
    texts = {record["text"] for record in exported(coordinator, "mechanism=CRC")}
    assert DANGEROUS[0] in texts


# -- refused queries --------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "message"), [
    ("theme=abc", "theme"),
    # A value that names nothing is refused as a malformed one is.
    ("review=999999", "review"),
    ("sdg=xyz", "sdg"),
    ("state=../../etc/passwd", "state"),
    ("position=bogus", "position"),
    ("sort=evil", "sort"),
    ("assigned=someone-else", "assigned"),
    ("action_category=9", "action_category"),
    ("q=" + "word " * 200, "long"),
    ("review=1&review=" + "&review=".join(str(n) for n in range(60)), "review"),
    ("colour=red", "Unknown parameter"),
    ("x" * 9000, "too long"),
])
def test_a_query_the_list_would_not_understand_refuses_the_export(r, coordinator, query,
                                                                  message):
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(ExportRefused, match=message):
            prepare_export(coordinator, query)
    assert not any("recommendations_recommendation" in q["sql"] for q in queries)


def test_an_unknown_format_is_refused(r, coordinator):
    with pytest.raises(ExportRefused, match="Unknown format .* csv, xlsx, json"):
        prepare_export(coordinator, "", "exe")


def test_assigned_to_me_without_a_person_is_refused(r):
    with pytest.raises(ExportRefused, match="assigned=me"):
        prepare_export(None, "assigned=me")


def test_a_refused_web_export_says_why_and_sends_no_file(r, coordinator_client):
    response = coordinator_client.get(export_url("csv", "theme=abc&state=SVN"))
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    html = response.content.decode()
    assert "theme" in html and "not a valid value" in html
    assert f'href="{LIST}?theme=abc&amp;state=SVN"' in html
    assert coordinator_client.get(export_url("exe")).status_code == 400


def test_the_web_export_ignores_parameters_the_list_ignores(r, coordinator_client):
    assert coordinator_client.get(export_url("json", "utm_source=mail")).status_code == 200


# -- queries ----------------------------------------------------------------------------------

def _queries(user, query, monkeypatch, chunk):
    monkeypatch.setattr(exports, "CHUNK_SIZE", chunk)
    with CaptureQueriesContext(connection) as queries:
        data = b"".join(prepare_export(user, query, "csv").stream("csv"))
    assert data
    return len(queries)


def test_the_number_of_queries_grows_with_chunks_not_rows(tracked, coordinator, monkeypatch):
    one_chunk = _queries(coordinator, "", monkeypatch, 1000)
    for n in range(30):
        make_rec(tracked.svn34, f"Recommendation number {n}.", recommending=["FRA", "DEU"],
                 terms=[tracked.children])
    assert _queries(coordinator, "", monkeypatch, 1000) == one_chunk
    # 37 rows in chunks of 10: four chunks, each a few queries (reviews and documents only
    # where the chunk meets new ones).
    four_chunks = _queries(coordinator, "", monkeypatch, 10)
    assert four_chunks - one_chunk <= 3 * 9
    assert one_chunk <= 22


def test_overdue_narrows_the_export(tracked, coordinator, coordinator_client):
    from tests.followup.builders import action, days, entity_with_people

    action(entity_with_people(), days(-3), recs=[tracked.roma])
    assert ids_of(coordinator, "overdue=yes") == [tracked.roma.pk]
    assert list_order(coordinator_client, "overdue=yes") == [tracked.roma.pk]
