"""Every kind of page, checked by axe-core (the engine behind most accessibility audits,
shipped in the axe-playwright-python package) against WCAG 2.1 A and AA and axe's best
practices, in English and in Arabic (right to left): the login page, the registry with a
search and a facet, a recommendation, the imports page and the page of a refused import
with its problems, the entities (tree, one entity, the form with an error), the log of
changes, clusters, assigning a list, the implementation status (its form, and the answer
to a save based on an older version), actions (list, one, the form with an error) and a
focal point's "My recommendations", the follow-up calendar (upcoming, overdue, settings,
a setting's form, the feed, flagging a list), suggested labels (on a recommendation and
for a list). A violation fails the test with axe's own report: what
is wrong, where, and how to fix it."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db.models import Count
from playwright.sync_api import Page

from nmirf.accounts.models import User
from nmirf.ingest.pipeline import ImportFailed, InputFile, run_import, start_run
from nmirf.recommendations.models import Mechanism, Recommendation
from nmirf.tracking.models import Action, Cluster

from .helpers import PASSWORD, log_in

pytestmark = [pytest.mark.browser]

AXE = Axe()
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                               "best-practice"]},
         "resultTypes": ["violations"]}


def violations(page: Page, address: str) -> list[str]:
    results = AXE.run(page, options=RULES)
    return [f"{address}:\n{results.generate_report()}"] if results.violations_count else []


@pytest.fixture
def refused_run(registry, tmp_path):
    """An import refused for its problems: the page that lists them."""
    bad = tmp_path / "bad.csv"
    bad.write_text("To,Text,From,Response,Action,Issue,Session\n"
                   'Slovenia,"Ratify it.",Atlantis,Accepted,7,Migrants,7\n', encoding="utf-8")
    files = [InputFile(path=bad, name="bad.csv")]
    run = start_run("upr_info", files)
    with pytest.raises(ImportFailed):
        run_import(run, files)
    return run


@pytest.fixture
def entities(focal_point, coordinator):
    """A ministry with a department and a focal point, changed once (for its history)."""
    from nmirf.audit.changes import tracking
    from nmirf.tracking import services
    from nmirf.tracking.models import Entity

    ministry = services.save_entity(Entity(name="Ministry of Justice", kind="ministry"))
    services.save_entity(Entity(name="Directorate for Criminal Law", kind="department",
                                parent=ministry))
    services.add_member(ministry, focal_point, deputy=True)
    with tracking(ministry, actor=coordinator):
        ministry.short_name = "MP"
        ministry.save()
    cluster = services.save_cluster(Cluster(title="Roma inclusion", description="Schools."))
    services.add_to_cluster(cluster, Recommendation.objects.values_list("pk", flat=True)[:30])
    from nmirf.tracking import assigning, statuses

    assigning.assign_cluster(ministry, "lead", cluster)
    assigning.assign_recommendations(ministry, "supporting",
                                     Recommendation.objects.filter(position="noted"))
    first = Recommendation.objects.order_by("pk").first()
    statuses.set_status(first, "in_progress", "A working group meets monthly.",
                        read_version=0, user=coordinator)
    from nmirf.tracking import action_services

    action_services.save_action(
        Action(title="Train the police", responsible_entity=ministry, start_date="2026-02-01",
               target_date="2026-06-30", budget=12000, currency="EUR"),
        recommendations=[first], clusters=[cluster])
    # Consultation: the first recommendation shared with observers, a comment waiting.
    from nmirf.consultation import services as consultation
    from nmirf.consultation.models import Comment

    consultation.set_shared(first, True, user=coordinator)
    observer = User.objects.create_user("oona-observer", password=PASSWORD, role="observer")
    Comment.objects.create(recommendation=first, author=observer,
                           text="The Ombudsman visited four police stations.")
    return ministry


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_kind_of_page_meets_wcag_2_1_aa(
    live_server, registry, refused_run, entities, coordinator, focal_point, page: Page,
    browser_problems, language
):
    prefix = "" if language == "en" else f"/{language}"
    found = []
    page.goto(f"{live_server.url}{prefix}/accounts/login/")
    found += violations(page, "login")

    log_in(page, live_server, coordinator)
    busiest = (Recommendation.objects.exclude(paragraph="").annotate(tags=Count("terms"))
               .order_by("-tags", "pk").first())
    # A possible duplicate, for the page that asks whether two are one.
    copy = Recommendation.objects.filter(review=busiest.review).exclude(pk=busiest.pk).first()
    Recommendation.objects.filter(pk=copy.pk).update(possible_duplicate_of=busiest)
    # Suggested labels waiting for the coordinator (nmirf/assist): on the recommendation's
    # page and on the page that decides one label for a list.
    from nmirf.assist.models import Kind, Suggestion
    from nmirf.recommendations.models import Term

    issue = Term.objects.get(taxonomy__code="upr_info_issues", code="Justice")
    Suggestion.objects.bulk_create(
        Suggestion(recommendation=rec, kind=Kind.TERM, term=issue, score=0.42,
                   reason="police, courts", model_name="upr-info",
                   model_version="0123456789ab")
        for rec in Recommendation.objects.filter(position="noted").exclude(terms=issue)[:5])
    Suggestion.objects.create(recommendation=busiest, kind=Kind.ACTION_CATEGORY,
                              action_category=5, score=0.8, reason="ratify",
                              model_name="upr-info", model_version="0123456789ab")
    for address in ("/recommendations/?q=Roma&position=noted",
                    f"/recommendations/{busiest.pk}/",
                    f"/recommendations/{copy.pk}/duplicate/merge/",
                    "/imports/",
                    refused_run.get_absolute_url().removeprefix(prefix),
                    "/entities/",
                    f"/entities/{entities.pk}/",
                    "/changes/",
                    "/clusters/",
                    f"/clusters/{Cluster.objects.get().pk}/",
                    "/clusters/from-list/?position=noted",
                    "/assign/from-list/?position=noted",
                    f"/status/{busiest.pk}/",
                    "/actions/",
                    f"/actions/{Action.objects.get().pk}/",
                    f"/actions/new/?recommendation={busiest.pk}",
                    "/follow-up/",
                    "/follow-up/overdue/",
                    "/follow-up/settings/",
                    f"/follow-up/settings/{Mechanism.objects.get(code='CEDAW').pk}/",
                    "/follow-up/feed/",
                    "/follow-up/flag-from-list/?position=noted",
                    "/consultation/comments/",
                    "/consultation/share/from-list/?position=noted",
                    f"/recommendations/{Suggestion.objects.first().recommendation_id}/",
                    "/assist/suggestions/from-list/?position=noted"):
        page.goto(f"{live_server.url}{prefix}{address}")
        assert page.locator("html").get_attribute("lang") == language
        found += violations(page, address)
    # The entity form, refused: its error next to the field.
    page.goto(f"{live_server.url}{prefix}/entities/{entities.pk}/edit/")
    page.select_option("#id_parent", label="Directorate for Criminal Law")
    page.locator("main form button[type=submit]").click()
    assert page.locator(".invalid-feedback").count() == 1
    found += violations(page, "entity form with an error")
    # The action form, refused: a target date before the start.
    page.goto(f"{live_server.url}{prefix}/actions/{Action.objects.get().pk}/edit/")
    page.locator("#id_target_date").fill("2025-01-01")
    page.locator("main form button[type=submit]").click()
    assert page.locator(".invalid-feedback").count() == 1
    found += violations(page, "action form with an error")
    # A status saved over someone else's newer one: the conflict, what changed, the form.
    from nmirf.tracking import statuses

    page.goto(f"{live_server.url}{prefix}/status/{busiest.pk}/")
    page.locator("#id_reason").fill("Our reason.")
    statuses.set_status(busiest, "implemented", "Done meanwhile.", read_version=0,
                        user=coordinator)
    page.locator("main form button[type=submit]").click()
    assert page.locator(".alert-warning").count() == 1
    found += violations(page, "status conflict")
    # A focal point's landing page, with the recommendations of their entity.
    page.context.clear_cookies()
    log_in(page, live_server, focal_point, then="/my/")
    page.goto(f"{live_server.url}{prefix}/my/")
    assert page.locator("main li.border-bottom").count() > 0
    found += violations(page, "my recommendations")
    # An observer: a shared recommendation with its comments, the comment form, their own.
    page.context.clear_cookies()
    shared = Recommendation.objects.order_by("pk").first()
    log_in(page, live_server, User.objects.get(username="oona-observer"),
           then=f"/recommendations/{shared.pk}/")
    for address in (f"/recommendations/{shared.pk}/",
                    f"/consultation/recommendations/{shared.pk}/comment/",
                    "/consultation/comments/"):
        page.goto(f"{live_server.url}{prefix}{address}")
        found += violations(page, address)
    assert found == [], "\n".join(found)
    assert browser_problems == []
