"""The demo's indicators and progress (`nmirf load_demo`, through demo.load_tracking): on
the demo actions, indicators of each kind, and progress updates in every state of the
workflow — published, validated, submitted, returned with a comment, a draft — written by
the focal points and reviewed by the secretariat through the same services as the web UI
(so their histories are real), with small evidence files made here (a one-page PDF, a
CSV). Only on the first run (when no indicator exists)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from nmirf.accounts.models import Role, User
from nmirf.core import pdf_files

from . import indicators, progress, progress_workflow
from .models import Action
from .progress_models import Indicator, ProgressUpdate

D = datetime.date

# action title -> [(kind, title, unit, baseline, baseline year, target, source,
# disaggregation, frequency)]
INDICATORS = {
    "Amend the Criminal Code to define torture in line with the Convention": [
        ("structural", "Amendment adopted by the National Assembly", "1 = adopted", 0, 2024, 1,
         "Official Gazette of the Republic of Slovenia", "", "once"),
        ("process", "Meetings of the drafting working group", "meetings", 0, 2024, 8,
         "Ministry of Justice minutes", "", "quarterly"),
    ],
    "Scholarships and Roma teaching assistants in primary schools": [
        ("outcome", "Roma children completing primary school", "%", 62, 2023, 80,
         "Statistical Office (SURS)", "By sex and by municipality", "yearly"),
        ("process", "Roma teaching assistants employed", "persons", 35, 2024, 60,
         "Ministry records", "By municipality", "half_yearly"),
    ],
}

# (action title, period start, period end, narrative, {indicator title: value}, evidence
# kind or None, final state, review comment)
UPDATES = [
    ("Amend the Criminal Code to define torture in line with the Convention",
     D(2025, 3, 1), D(2025, 5, 31),
     "The working group was set up with the Ombudsman and two NGOs and met twice; the "
     "definition of the Convention was agreed as the basis of the draft.",
     {"Meetings of the drafting working group": 2}, "pdf", "published", ""),
    ("Amend the Criminal Code to define torture in line with the Convention",
     D(2025, 6, 1), D(2025, 8, 31),
     "The draft article was sent to public consultation (30 days); 14 comments received.",
     {"Meetings of the drafting working group": 4}, "pdf", "validated", ""),
    ("Amend the Criminal Code to define torture in line with the Convention",
     D(2025, 9, 1), D(2025, 11, 30),
     "The Government adopted the bill and sent it to the National Assembly.",
     {"Meetings of the drafting working group": 5}, "csv", "submitted", ""),
    ("Amend the Criminal Code to define torture in line with the Convention",
     D(2025, 12, 1), D(2026, 2, 28),
     "First reading in the National Assembly scheduled; committee hearing held.",
     {}, None, "draft", ""),
    ("Scholarships and Roma teaching assistants in primary schools",
     D(2025, 1, 15), D(2025, 7, 14),
     "Twelve new teaching assistants were employed in Prekmurje and Dolenjska.",
     {"Roma teaching assistants employed": 47}, "csv", "returned",
     "Please give the number of assistants by municipality, and attach the employment list."),
]


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF that says `text` (ASCII), with a correct cross-reference table."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return pdf_files.assemble(objects)


def _evidence(kind: str, update: ProgressUpdate) -> SimpleUploadedFile:
    if kind == "pdf":
        return SimpleUploadedFile(f"report-{update.period_end:%Y-%m}.pdf",
                                  tiny_pdf(f"Progress report to {update.period_end:%d.%m.%Y}"))
    rows = "municipality,assistants\nMurska Sobota,9\nNovo mesto,7\nKocevje,4\n"
    return SimpleUploadedFile(f"figures-{update.period_end:%Y-%m}.csv", rows.encode())


def _focal_point(action: Action):
    return User.objects.filter(role=Role.FOCAL_POINT, memberships__entity=action.responsible_entity,
                               memberships__ended=False).order_by("pk").first()


def _transitions_to(final: str) -> list[str]:
    return {"draft": [], "submitted": ["submit"], "returned": ["submit", "return"],
            "validated": ["submit", "validate"],
            "published": ["submit", "validate", "publish"]}[final]


@transaction.atomic
def load_progress() -> None:
    if Indicator.objects.exists():
        return
    reviewer = User.objects.filter(role__in=[Role.COORDINATOR, Role.ADMINISTRATOR],
                                   is_active=True).order_by("role", "pk").first()
    by_title = {}
    for action_title, rows in INDICATORS.items():
        action = Action.objects.filter(title=action_title, archived=False).first()
        if action is None:
            continue
        for kind, title, unit, baseline, year, target, source, split, frequency in rows:
            by_title[title] = indicators.save_indicator(Indicator(
                action=action, kind=kind, title=title, unit=unit, baseline_value=baseline,
                baseline_year=year, target_value=target, data_source=source,
                disaggregation=split, frequency=frequency))
    for action_title, start, end, narrative, values, kind, final, comment in UPDATES:
        action = Action.objects.filter(title=action_title, archived=False).first()
        author = _focal_point(action) if action is not None else None
        if author is None or (final != "draft" and reviewer is None):
            continue
        update = progress.save_update(
            ProgressUpdate(action=action, period_start=start, period_end=end,
                           narrative=narrative),
            {by_title[title]: value for title, value in values.items()}, user=author)
        if kind:
            progress.attach(update, _evidence(kind, update), user=author)
        for name in _transitions_to(final):
            update.refresh_from_db()
            actor = author if name == "submit" else reviewer
            progress_workflow.transition(update, name, user=actor, read_version=update.version,
                                         comment=comment if name == "return" else "")
