"""Implementation tracking end to end, in headless Chromium, in English and in Arabic: two
people at two browsers, as they would work.

1. The coordinator narrows the registry (a search, then a facet), opens "assign these to an
   entity", reads the preview (how many recommendations the assignment touches) and
   confirms: the Ministry of Justice leads them all.
2. The ministry's focal point signs in and lands on "My recommendations", which lists them.
3. From one of them the focal point plans an action, gives it an indicator, and reports
   progress: a draft first (the coordinator's review queue does not show it), then submitted.
4. The coordinator finds it in the review queue and returns it with a comment.
5. The focal point sees the comment on "My recommendations" and on the update, edits the
   update and submits it again.
6. The coordinator validates it, then publishes it; the queue is empty again, and the focal
   point reads "Published" on the update and on the recommendation's page.

At each step the test checks what that person sees (headings, status badges, messages,
queue contents) and, where it matters, what the database holds. Expected words come from
the translation catalogs (`translation.override`), so the Arabic run checks whatever the
catalogs translate; elements are found by id, name, address or role rather than by English
text. The Arabic run also checks that every page it passes is laid out right to left.

Set NMIRF_SCREENSHOT_DIR to a folder to keep a screenshot of each step
(`<language>-<step>.png`); scripts/screenshots.py takes the documentation's screenshots.
"""

import os
import re
from pathlib import Path

import pytest
from django.http import QueryDict
from django.utils import translation
from playwright.sync_api import Page, expect

from nmirf.recommendations.filters import RecommendationFilter
from nmirf.tracking.assignment_views import _outcome
from nmirf.tracking.models import (
    Action,
    Assignment,
    AssignmentRole,
    Entity,
    ImplementationStatus,
    Membership,
)
from nmirf.tracking.progress_models import Indicator, ProgressState, ProgressUpdate

from .conftest import watch_problems
from .helpers import PASSWORD

pytestmark = [pytest.mark.browser]

WORD = "Roma"
QUERY = f"q={WORD}&position=noted"
ACTION = "Roma teaching assistants in primary schools"
INDICATOR = "Schools with a Roma teaching assistant"
COMMENT = "Say how many schools took part, and attach the ministry's circular."


# -- What the people see, in the page's language -------------------------------------------

def words(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def state_label(language: str, state: str) -> str:
    with translation.override(language):
        return str(ProgressState(state).label)


class Person:
    """One person at one browser: their page, its language, and what went wrong on it."""

    def __init__(self, page: Page, server_url: str, language: str, problems: list[str]):
        self.page, self.language, self.problems = page, language, problems
        self.prefix = "" if language == "en" else f"/{language}"
        self.base = server_url + self.prefix

    def sign_in(self, user, lands_on: str) -> None:
        """The login page as a person fills it (by the fields' ids: their labels are
        translated), without a `next` address: the person lands where their role does."""
        self.page.goto(f"{self.base}/accounts/login/")
        self.page.locator("#id_username").fill(user.username)
        self.page.locator("#id_password").fill(PASSWORD)
        self.page.locator("main form button[type=submit]").click()
        expect(self.page).to_have_url(self.base + lands_on)
        self.check_language()

    def open(self, address: str) -> None:
        self.page.goto(self.base + address)
        self.check_language()

    def check_language(self) -> None:
        html = self.page.locator("html")
        expect(html).to_have_attribute("lang", self.language)
        expect(html).to_have_attribute("dir", "rtl" if self.language == "ar" else "ltr")

    def expect_heading(self, text: str) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_have_text(
            words(self.language, text))

    def expect_message(self, text: str) -> None:
        expect(self.page.locator("main .messages .alert-success")).to_have_text(text)

    def expect_state(self, state: str) -> None:
        """The badge next to a progress update's heading."""
        badge = self.page.locator("main h1 + .badge")
        expect(badge).to_have_text(state_label(self.language, state))

    def step_button(self, name: str):
        """A workflow button of the update's page (its address names the step)."""
        return self.page.locator(f'main button[formaction$="/step/{name}/"]')

    def screenshot(self, step: str) -> None:
        folder = os.environ.get("NMIRF_SCREENSHOT_DIR")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(folder) / f"{self.language}-{step}.png"))


def queue_rows(person: Person):
    """The rows of the review queue (the progress list, which opens on submitted updates
    for the secretariat)."""
    person.open("/progress/")
    person.expect_heading("Progress updates")
    return person.page.locator("main table tbody tr")


def expect_queue_empty(person: Person) -> None:
    expect(queue_rows(person)).to_have_count(0)
    expect(person.page.locator("main")).to_contain_text(
        words(person.language, "No progress updates here."))


# -- The people ----------------------------------------------------------------------------

@pytest.fixture
def ministry(focal_point):
    """The Ministry of Justice, whose focal point is the focal-point persona."""
    entity = Entity.objects.create(name="Ministry of Justice", kind="ministry")
    Membership.objects.create(entity=entity, user=focal_point)
    return entity


@pytest.fixture
def people(live_server, browser, browser_context_args, page, browser_problems, language):
    """The coordinator at the test's page, the focal point at a browser of their own."""
    context = browser.new_context(**browser_context_args)
    other = context.new_page()
    yield (Person(page, live_server.url, language, browser_problems),
           Person(other, live_server.url, language, watch_problems(other)))
    context.close()


# -- The workflow --------------------------------------------------------------------------

def bulk_assign(coordinator: Person, ministry: Entity) -> int:
    """Narrow the registry, preview the assignment of the list, confirm it. Returns how many
    recommendations were assigned."""
    page, language = coordinator.page, coordinator.language
    page.locator("#id_q").fill(WORD)
    page.locator("#filter-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"[?&]q={WORD}(&|$)"))
    page.locator('section[data-facet="position"] a[href*="position=noted"]').click()
    expect(page).to_have_url(re.compile(r"[?&]position=noted(&|$)"))
    count = RecommendationFilter(QueryDict(QUERY)).qs.count()
    assert 0 < count <= 25
    expect(page.locator("#results-heading")).to_have_text(re.compile(rf"^\D*{count}(\D|$)"))

    # The list's own link carries its filters to the preview.
    page.locator('main a[href*="/assign/from-list/"]').click()
    expect(page).to_have_url(re.compile(r"/assign/from-list/\?.*position=noted"))
    coordinator.check_language()
    coordinator.expect_heading("Assign these recommendations")
    expect(page.locator("main p[role=status]")).to_contain_text(str(count))
    confirm = page.locator("main form button[type=submit]")
    expect(confirm).to_contain_text(str(count))
    assert not Assignment.objects.exists(), "the preview writes nothing"
    coordinator.screenshot("1-assign-preview")

    page.locator("#id_entity").select_option(str(ministry.pk))
    page.locator("#id_role").select_option(AssignmentRole.LEAD)
    confirm.click()
    # Back on the filtered list, told what happened.
    expect(page).to_have_url(re.compile(r"/recommendations/\?.*position=noted"))
    with translation.override(language):
        told = _outcome({"assigned": count, "replaced": 0, "unchanged": 0})
    coordinator.expect_message(told)
    assert Assignment.objects.current().filter(
        entity=ministry, role=AssignmentRole.LEAD).count() == count
    return count


def check_my_recommendations(focal: Person, count: int) -> int:
    """"My recommendations" lists the assigned ones, led by the ministry, not started.
    Returns the first one's id."""
    focal.expect_heading("My recommendations")
    page = focal.page
    expect(page.locator("main h2").filter(has_text=re.compile(rf"^\D*{count}(\D|$)"))) \
        .to_have_count(1)
    rows = page.locator("main li.border-bottom")
    expect(rows).to_have_count(count)
    with translation.override(focal.language):
        lead = str(AssignmentRole.LEAD.label)
    expect(rows.first).to_contain_text(f"{lead}: Ministry of Justice")
    with translation.override(focal.language):
        not_started = str(ImplementationStatus.NOT_STARTED.label)
    expect(rows.first).to_contain_text(not_started)
    expect(page.locator("#unfinished-heading")).to_have_count(0)
    focal.screenshot("2-my-recommendations")
    href = rows.first.locator('a[href*="/recommendations/"]').first.get_attribute("href")
    return int(re.search(r"/recommendations/(\d+)/", href).group(1))


def plan_action(focal: Person, ministry: Entity, recommendation_pk: int) -> Action:
    """From the recommendation's page: plan an action, then give it an indicator."""
    page = focal.page
    focal.open(f"/recommendations/{recommendation_pk}/")
    page.locator(f'main a[href$="/actions/new/?recommendation={recommendation_pk}"]').click()
    focal.check_language()
    focal.expect_heading("Plan an action")
    page.locator("#id_title").fill(ACTION)
    page.locator("#id_description").fill("Assistants in the schools Roma children attend.")
    page.locator("#id_responsible_entity").select_option(str(ministry.pk))
    page.locator("#id_start_date").fill("2026-09-01")
    page.locator("#id_target_date").fill("2027-06-30")
    # The recommendation it came from is offered, and ticked.
    expect(page.locator(f'input[name="recommendations"][value="{recommendation_pk}"]')) \
        .to_be_checked()
    page.locator("main form button[type=submit]").click()

    action = Action.objects.get(title=ACTION)
    expect(page).to_have_url(f"{focal.base}/actions/{action.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(ACTION)
    expect(page.locator('main section[aria-labelledby="action-links-heading"] '
                        f'a[href$="/recommendations/{recommendation_pk}/"]')).to_have_count(1)
    assert action.responsible_entity == ministry
    assert list(action.recommendations.values_list("pk", flat=True)) == [recommendation_pk]

    page.locator(f'main a[href$="/actions/{action.pk}/indicators/new/"]').click()
    focal.check_language()
    page.locator("#id_kind").select_option("process")
    page.locator("#id_title").fill(INDICATOR)
    page.locator("#id_unit").fill("schools")
    page.locator("#id_baseline_value").fill("12")
    page.locator("#id_baseline_year").fill("2025")
    page.locator("#id_target_value").fill("40")
    page.locator("#id_frequency").select_option("yearly")
    page.locator("main form button[type=submit]").click()
    indicator = Indicator.objects.get(action=action)
    expect(page).to_have_url(f"{focal.base}/actions/{action.pk}/#indicator-{indicator.pk}")
    row = page.locator(f"#indicator-{indicator.pk}")
    expect(row).to_contain_text(INDICATOR)
    expect(row.locator("td").nth(1)).to_have_text("12 (2025)")
    expect(row.locator("td").nth(2)).to_have_text("40")
    focal.screenshot("3-action")
    return action


def report_progress(focal: Person, coordinator: Person, action: Action) -> ProgressUpdate:
    """A draft (which the coordinator's queue does not show), then submitted."""
    page, language = focal.page, focal.language
    page.locator(f'main a[href$="/actions/{action.pk}/progress/new/"]').click()
    focal.check_language()
    indicator = action.indicators.get()
    page.locator("#id_period_start").fill("2026-09-01")
    page.locator("#id_period_end").fill("2026-12-31")
    page.locator("#id_narrative").fill("Assistants started in 20 schools.")
    page.locator(f'[name="value_{indicator.pk}"]').fill("20")
    focal.screenshot("4-progress-form")
    page.locator("main form button[type=submit]").click()

    update = ProgressUpdate.objects.get(action=action)
    expect(page).to_have_url(f"{focal.base}/progress/{update.pk}/")
    focal.expect_state(ProgressState.DRAFT)
    focal.expect_message(words(language, "Saved your progress update as a draft: submit it "
                                         "when it is ready."))
    values = page.locator('main section[aria-labelledby="values-heading"] tbody tr')
    expect(values).to_have_count(1)
    expect(values.first.locator("td").first).to_have_text("20 schools")

    # A draft is the ministry's own: on the focal point's list of things to finish, and
    # not in the coordinator's queue.
    focal.open("/my/")
    expect(page.locator('section[aria-labelledby="unfinished-heading"]')).to_contain_text(
        state_label(language, ProgressState.DRAFT))
    expect_queue_empty(coordinator)

    focal.open(f"/progress/{update.pk}/")
    focal.step_button("submit").click()
    focal.expect_state(ProgressState.SUBMITTED)
    focal.expect_message(words(language, "Submitted: the secretariat will review it."))
    expect(focal.step_button("submit")).to_have_count(0)
    expect(page.locator(f'main a[href$="/progress/{update.pk}/edit/"]')).to_have_count(0)
    focal.open("/my/")
    expect(page.locator("#unfinished-heading")).to_have_count(0)
    return update


def open_from_queue(coordinator: Person, update: ProgressUpdate) -> None:
    """The queue holds this one update, submitted; the coordinator opens it and is offered
    the review (return, validate) but not publishing yet."""
    rows = queue_rows(coordinator)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(ACTION)
    expect(rows.first).to_contain_text("Ministry of Justice")
    expect(rows.first).to_contain_text(state_label(coordinator.language,
                                                   ProgressState.SUBMITTED))
    rows.first.locator(f'a[href$="/progress/{update.pk}/"]').click()
    coordinator.check_language()
    coordinator.expect_state(ProgressState.SUBMITTED)
    expect(coordinator.step_button("return")).to_have_count(1)
    expect(coordinator.step_button("validate")).to_have_count(1)
    expect(coordinator.step_button("publish")).to_have_count(0)


def return_with_comment(coordinator: Person, update: ProgressUpdate) -> None:
    open_from_queue(coordinator, update)
    coordinator.page.locator("#id_comment").fill(COMMENT)
    coordinator.screenshot("5-review")
    coordinator.step_button("return").click()
    coordinator.expect_state(ProgressState.RETURNED)
    coordinator.expect_message(words(coordinator.language,
                                     "Returned to the focal points with your comment."))
    expect(coordinator.page.locator("main .alert-warning")).to_contain_text(COMMENT)
    expect_queue_empty(coordinator)


def edit_and_resubmit(focal: Person, update: ProgressUpdate) -> None:
    page, language = focal.page, focal.language
    focal.open("/my/")
    unfinished = page.locator('section[aria-labelledby="unfinished-heading"]')
    expect(unfinished).to_contain_text(state_label(language, ProgressState.RETURNED))
    expect(unfinished).to_contain_text(COMMENT)
    unfinished.locator(f'a[href$="/progress/{update.pk}/"]').click()
    focal.expect_state(ProgressState.RETURNED)
    expect(page.locator("main .alert-warning")).to_contain_text(COMMENT)

    page.locator(f'main a[href$="/progress/{update.pk}/edit/"]').click()
    focal.check_language()
    expect(page.locator("main .alert-warning")).to_contain_text(COMMENT)
    indicator = update.action.indicators.get()
    expect(page.locator(f'[name="value_{indicator.pk}"]')).to_have_value("20")
    page.locator("#id_narrative").fill(
        "Assistants started in 22 schools; the ministry's circular is attached.")
    page.locator(f'[name="value_{indicator.pk}"]').fill("22")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{focal.base}/progress/{update.pk}/")
    focal.expect_message(words(language, "Saved."))
    focal.expect_state(ProgressState.RETURNED)  # until it is submitted again
    expect(page.locator('main section[aria-labelledby="narrative-heading"]')).to_contain_text(
        "22 schools")

    focal.step_button("submit").click()
    focal.expect_state(ProgressState.SUBMITTED)
    focal.expect_message(words(language, "Submitted: the secretariat will review it."))


def validate_and_publish(coordinator: Person, update: ProgressUpdate) -> None:
    page, language = coordinator.page, coordinator.language
    open_from_queue(coordinator, update)
    expect(page.locator('main section[aria-labelledby="values-heading"] tbody tr').first
           .locator("td").first).to_have_text("22 schools")
    coordinator.step_button("validate").click()
    coordinator.expect_state(ProgressState.VALIDATED)
    coordinator.expect_message(words(language, "Validated."))
    expect(coordinator.step_button("validate")).to_have_count(0)
    coordinator.screenshot("6-validated")

    coordinator.step_button("publish").click()
    coordinator.expect_state(ProgressState.PUBLISHED)
    coordinator.expect_message(words(language, "Published: observers can read it now."))
    expect(page.locator('main section[aria-labelledby="review-heading"]')).to_have_count(0)
    expect_queue_empty(coordinator)
    published = queue_rows_in_state(coordinator, ProgressState.PUBLISHED)
    expect(published).to_have_count(1)
    expect(published.first).to_contain_text(ACTION)


def queue_rows_in_state(person: Person, state: str):
    person.open(f"/progress/?state={state}")
    return person.page.locator("main table tbody tr")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_recommendation_goes_from_assignment_to_published_progress(
    live_server, registry, coordinator, focal_point, ministry, people, language
):
    coordinator_at, focal_at = people
    if language == "ar":  # the catalogs give Arabic at least for Django's own words
        assert re.search(r"[\u0600-\u06ff]", words("ar", "Search"))

    # 1. The coordinator assigns a filtered list in one step.
    coordinator_at.sign_in(coordinator, lands_on="/recommendations/")
    count = bulk_assign(coordinator_at, ministry)

    # 2. The focal point lands on what their ministry must do.
    focal_at.sign_in(focal_point, lands_on="/my/")
    recommendation_pk = check_my_recommendations(focal_at, count)

    # 3. ... plans an action with an indicator, and reports progress.
    action = plan_action(focal_at, ministry, recommendation_pk)
    update = report_progress(focal_at, coordinator_at, action)

    # 4. The coordinator returns it once, with a comment.
    return_with_comment(coordinator_at, update)

    # 5. The focal point reads the comment, edits the update and submits it again.
    edit_and_resubmit(focal_at, update)

    # 6. The coordinator validates it and publishes it.
    validate_and_publish(coordinator_at, update)

    # The focal point sees it published, on the update and on the recommendation's page.
    focal_at.open(f"/progress/{update.pk}/")
    focal_at.expect_state(ProgressState.PUBLISHED)
    expect(focal_at.page.locator(f'main a[href$="/progress/{update.pk}/edit/"]')) \
        .to_have_count(0)
    expect(focal_at.page.locator('main section[aria-labelledby="review-heading"]')) \
        .to_have_count(0)
    focal_at.open(f"/recommendations/{recommendation_pk}/")
    implementation = focal_at.page.locator('section[aria-labelledby="implementation-heading"]')
    expect(implementation).to_contain_text(ACTION)
    expect(implementation).to_contain_text(state_label(language, ProgressState.PUBLISHED))

    update.refresh_from_db()
    assert update.state == ProgressState.PUBLISHED
    assert update.narrative.startswith("Assistants started in 22 schools")
    assert [str(v.value.normalize()) for v in update.values.all()] == ["22"]
    assert update.created_by == focal_point
    assert coordinator_at.problems == [] and focal_at.problems == []
