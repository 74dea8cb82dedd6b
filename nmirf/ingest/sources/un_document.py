"""UN documents as states receive them (PDF; the same documents saved as Word or as a web
page are read too): the UPR Working Group report and its addendum of the state's views.
`nmirf import document PATH...`.

- **The Working Group report** (A/HRC/43/15): every recommendation of its "Conclusions
  and/or recommendations" section, with its paragraph number ("121.1"), its text as the
  report prints it and the recommending states in its brackets. The paragraph that
  introduces each list says the position of its recommendations: "enjoy the support of
  Slovenia" (supported), "will be examined by Slovenia" (none yet), "have been noted"
  (noted). The text is cut as the OHCHR matrix cuts it (ingest/brackets.split_recommendation):
  the trailing "(State)" suffix removed, the inner "(Ukraine);" of a clustered paragraph
  kept, so that the same recommendation from the two sources has the same words and the
  pipeline's matching (commit.py) joins them.
- **The addendum** (A/HRC/43/15/Add.1): the state's positions, read from the sentences that
  list paragraph numbers ("The Government accepts the following recommendations 122.1,
  122.17-18, …", "notes recommendations 122.2-10"). They complete the report's
  recommendations: those of the same import, or, where the report is not part of it,
  those the registry already holds for the review (found by the report's symbol, or by the
  state and session given), by paragraph number. A paragraph that matches nothing is a row
  problem that says so, and nothing is written.

State, session and symbol are read from the document (the masthead, the title, "held its
thirty-fourth session"); --state and --session fill in where it is silent and are refused
where they contradict it (importing under the wrong review is the mistake to prevent, as
for the matrices). Both documents' records are keyed "{ISO3}:{session}:{paragraph}", the
matrix's key, so that the addendum's position lands on the report's own record.

Text extraction, headers, footers, footnotes and hyphenation: ingest/files/pdf.py (and
word_text.py, html_text.py).
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext_noop

from nmirf.core.problems import Message
from nmirf.recommendations import state_names
from nmirf.recommendations.paragraphs import paragraph_key

from ..brackets import split_recommendation
from ..files import html_text, word_text
from ..files.pdf import join_lines, read_lines, vocabulary
from ..records import RowProblem, SourceError, SourceRow

SOURCE = "un_document"
SUPPORTED, NOTED, IN_PART, PENDING = "Supported", "Noted", "Supported in part", ""

_SYMBOL = re.compile(r"\bA/HRC/\d{1,3}/\d{1,3}(?:/Add\.\d{1,2})?")
_TITLE = "report of the working group on the universal periodic review"
_SECTION = re.compile(r"^(?:[IVX]+\.\s*)?Conclusions and/or recommendations\s*$", re.I)
_PARAGRAPH = re.compile(r"^(\d{1,3})\.\s+(\S.*)$")
_ITEM = re.compile(r"^(\d{1,3})\.(\d{1,3})\s+(\S.*)$")
_CLOSING = "all conclusions and/or recommendations contained in the present report"
_SESSION = re.compile(r"held its ([a-z]+(?:[- ][a-z]+)?) session", re.I)
_REF = r"\d{1,3}\.\d{1,3}(?:\s*[-–]\s*(?:\d{1,3}\.)?\d{1,3})?"
_STATEMENT = re.compile(
    r"(?P<lead>[^.:;]{0,160}?)\brecommendations?\b(?P<between>[^.\d]{0,40}?)"
    rf"(?P<refs>{_REF}(?:\s*(?:,|;|and)\s*{_REF})*)"
    # What follows ("… 122.5 in part"), looked at but left for the next statement's lead.
    r"(?=(?P<after>(?:(?!recommendation)[^.]){0,60}))", re.I)
_ONE_REF = re.compile(r"(\d{1,3})\.(\d{1,3})(?:\s*[-–]\s*(?:(\d{1,3})\.)?(\d{1,3}))?")

_UNITS = {word: number for number, word in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth".split(), start=1)}
_TEENS = {word: number for number, word in enumerate(
    "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth "
    "eighteenth nineteenth".split(), start=10)}
_TENS = {word: number * 10 for number, word in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_TENTHS = {word[:-1] + "ieth": number for word, number in _TENS.items()}


@dataclass
class _Item:
    paragraph: str
    lines: list[str]
    position: str
    page: int


@dataclass
class _Document:
    name: str
    symbol: str
    report_symbol: str  # the report an addendum answers; a report's own symbol
    is_addendum: bool
    state: str
    session: int | None
    items: list[_Item] = field(default_factory=list)  # a report's recommendations
    positions: dict[str, str] = field(default_factory=dict)  # an addendum's, by paragraph
    problems: list[RowProblem] = field(default_factory=list)
    vocabulary: set[str] = field(default_factory=set)


def read(path: Path, *, display_name: str | None = None, state: str | None = None,
         session: int | str | None = None, mechanism: str | None = None
         ) -> Iterator[SourceRow | RowProblem]:
    """One document on its own (an addendum is matched onto the registry)."""
    yield from read_all([(Path(path), display_name or Path(path).name)], state=state,
                        session=session, mechanism=mechanism)


def read_all(files: Iterable[tuple[Path, str]], *, state: str | None = None,
             session: int | str | None = None, mechanism: str | None = None
             ) -> Iterator[SourceRow | RowProblem]:
    """The documents of one import together: an addendum completes the report it answers
    where both are given, whatever their order."""
    if mechanism and mechanism.strip().upper() != "UPR":
        raise SourceError(Message(gettext_noop(
            "UPR Working Group reports and their addenda are UPR documents: leave "
            "--mechanism out or give UPR (this version reads no %(mechanism)s documents)."),
            mechanism=mechanism.strip()))
    documents = [_check_options(_parse(Path(path), name), state, session)
                 for path, name in files]
    reports = {d.symbol: d for d in documents if not d.is_addendum}
    for document in documents:
        yield from document.problems
    answered: dict[str, dict[str, tuple[str, str]]] = {}  # report -> paragraph -> position
    for addendum in (d for d in documents if d.is_addendum):
        answers = answered.setdefault(addendum.report_symbol, {})
        for paragraph, position in addendum.positions.items():
            answers[paragraph] = (position, addendum.name)
    for report in reports.values():
        yield from _report_rows(report, answered.pop(report.symbol, {}))
    for addendum in (d for d in documents if d.is_addendum):
        if addendum.report_symbol in answered:
            yield from _held_rows(addendum, answered.pop(addendum.report_symbol))


# --- reading a document ------------------------------------------------------------------


def _lines(path: Path, name: str) -> list:
    """The document's lines, whichever of the forms the UN publishes it in."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise SourceError(Message(gettext_noop("%(file)s cannot be read (%(reason)s)."),
                                  file=name, reason=str(exc.strerror or exc))) from None
    if head.startswith(b"PK"):
        return word_text.read_lines(path, name)
    if html_text.looks_like_html(head):
        return html_text.read_lines(path, name)
    return read_lines(path, name)  # a PDF, or refused as not one


def _parse(path: Path, name: str) -> _Document:
    lines = _lines(path, name)
    first_page = [line.text for line in lines if line.page == 1]
    masthead = " ".join(" ".join(first_page).replace("*", " ").split())
    if _TITLE not in masthead.lower():
        raise SourceError(Message(gettext_noop(
            "%(file)s is not a report of the UPR Working Group or its addendum (its first "
            "page has no “Report of the Working Group on the Universal Periodic Review”): "
            "this version reads those documents, in English, only."), file=name))
    symbol = _symbol_of(first_page, lines)
    if not symbol:
        raise SourceError(Message(gettext_noop(
            "%(file)s does not give its UN symbol (A/HRC/…) on its first page."), file=name))
    is_addendum = "/Add." in symbol or "addendum" in masthead.lower()
    document = _Document(
        name=name, symbol=symbol, report_symbol=symbol.split("/Add.")[0],
        is_addendum=is_addendum, state=_state_of(first_page), session=None)
    texts = [line.text for line in lines]
    document.vocabulary = vocabulary(texts)
    if is_addendum:
        _read_positions(document, lines)
    else:
        body = " ".join(texts[:80])
        match = _SESSION.search(body)
        document.session = _ordinal(match.group(1)) if match else None
        _read_recommendations(document, lines)
    return document


def _symbol_of(first_page: list[str], lines) -> str:
    for text in first_page:
        if text.startswith("United Nations"):
            found = _SYMBOL.search(text)
            if found:
                return found.group(0)
    for text in first_page:
        found = _SYMBOL.search(text)
        if found:
            return found.group(0)
    return ""


def _state_of(first_page: list[str]) -> str:
    """The line after the title ("… Universal Periodic / Review*" / "Slovenia")."""
    for index, text in enumerate(first_page):
        if text.replace("*", "").strip().lower().endswith("universal periodic review") or (
                text.replace("*", "").strip() == "Review" and index):
            for following in first_page[index + 1:index + 3]:
                candidate = following.replace("*", "").strip()
                if candidate and state_names.known_name(candidate):
                    return candidate
    return ""


def _ordinal(words: str) -> int | None:
    """ "thirty-fourth" → 34 (UPR sessions are written out in words)."""
    parts = re.split(r"[- ]", words.lower())
    if len(parts) == 1:
        word = parts[0]
        return _UNITS.get(word) or _TEENS.get(word) or _TENTHS.get(word)
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS:
        return _TENS[parts[0]] + _UNITS[parts[1]]
    return None


def _missing(document: _Document, paragraph: str, last: int, number: int, page: int) -> None:
    """A row problem: the numbers of a paragraph's recommendations jump past one."""
    document.problems.append(RowProblem(document.name, len(document.items) + 1, Message(
        gettext_noop("recommendation %(paragraph)s.%(missing)s is missing (page %(page)s "
                     "goes from %(paragraph)s.%(last)s to %(paragraph)s.%(number)s)"),
        paragraph=paragraph, missing=str(last + 1), page=str(page), last=str(last),
        number=str(number))))


def _section_start(document: _Document, lines) -> int:
    """Where the conclusions and recommendations begin; SourceError where they do not."""
    start = next((index for index, line in enumerate(lines) if _SECTION.match(line.text)),
                 None)
    if start is None:
        raise SourceError(Message(gettext_noop(
            "%(file)s has no “Conclusions and/or recommendations” section, where a Working "
            "Group report lists its recommendations: is it the whole report?"),
            file=document.name))
    return start


def _read_recommendations(document: _Document, lines) -> None:
    start = _section_start(document, lines)
    paragraph, position, last = None, PENDING, 0
    intro: list[str] = []
    item: _Item | None = None
    for line in lines[start + 1:]:
        text = line.text
        found = _ITEM.match(text)
        if found and paragraph is not None and found.group(1) == paragraph:
            number = int(found.group(2))
            if number > last:
                if number != last + 1:
                    _missing(document, paragraph, last, number, line.page)
                if item is None:
                    position = _position_of(join_lines(intro))
                item = _Item(f"{paragraph}.{number}", [found.group(3)], position, line.page)
                document.items.append(item)
                last = number
                continue
        found = _PARAGRAPH.match(text)
        if found and (paragraph is None or int(found.group(1)) == int(paragraph) + 1):
            if _CLOSING in join_lines([found.group(2)]).lower() or text.startswith("Annex"):
                break
            paragraph, last, item, intro = found.group(1), 0, None, [found.group(2)]
            continue
        if text.strip() == "Annex":
            break
        (item.lines if item is not None else intro).append(text)
    if not document.items:
        raise SourceError(Message(gettext_noop(
            "%(file)s: its “Conclusions and/or recommendations” section lists no numbered "
            "recommendations (such as 121.1)."), file=document.name))


def _position_of(intro: str) -> str:
    """The position the paragraph that introduces a list gives its recommendations."""
    words = intro.lower()
    if "did not enjoy the support" in words or "noted" in words or "not supported" in words:
        return NOTED
    if "will be examined" in words or "in due time" in words:
        return PENDING
    if "enjoy the support" in words or "supported" in words or "accepted" in words or (
            "already implemented" in words or "process of implementation" in words):
        # The first cycle's reports list those the state considers "already implemented
        # or in the process of implementation" apart: supported, as UPR Info counts them.
        return SUPPORTED
    return PENDING


def _read_positions(document: _Document, lines) -> None:
    text = join_lines([line.text for line in lines])
    for statement in _STATEMENT.finditer(text):
        lead = statement.group("lead").lower()
        around = (lead + " " + statement.group("between") + " "
                  + statement.group("after")).lower()
        if re.search(r"\b(supports?|accepts?|supported|accepted)\b", lead) and re.search(
                r"\bin part\b|\bpartially\b|\bpartly\b", around):
            position = IN_PART
        elif re.search(r"\b(notes?|noted|does not support|rejects?)\b", lead):
            position = NOTED
        elif re.search(r"\b(supports?|accepts?|supported|accepted)\b", lead):
            position = SUPPORTED
        else:
            continue  # "See recommendation 122.28": a comment, not a position
        for paragraph in _expand(statement.group("refs")):
            known = document.positions.get(paragraph)
            if known is not None and known != position:
                document.problems.append(RowProblem(document.name, None, Message(
                    gettext_noop("recommendation %(paragraph)s is both %(first)s and "
                                 "%(second)s in this addendum"),
                    paragraph=paragraph, first=known.lower(), second=position.lower())))
            document.positions[paragraph] = position
    if not document.positions:
        raise SourceError(Message(gettext_noop(
            "%(file)s is an addendum that gives no position: no sentence such as “… supports "
            "the following recommendations 122.1, 122.2 …” was found."), file=document.name))


def _expand(refs: str) -> list[str]:
    """ "122.17-18, 122.34- 35, 122.62-66" → every paragraph of the ranges."""
    paragraphs = []
    for match in _ONE_REF.finditer(refs):
        base, first = match.group(1), int(match.group(2))
        end_base, end = match.group(3), match.group(4)
        last = int(end) if end and (end_base in (None, base)) else first
        if last < first or last - first > 500:
            last = first
        paragraphs += [f"{base}.{number}" for number in range(first, last + 1)]
    return paragraphs


# --- the options ---------------------------------------------------------------------


def _check_options(document: _Document, state, session) -> _Document:
    state = str(state).strip() if state else ""
    if state and document.state:
        given, written = state_names.iso3_of(state), state_names.iso3_of(document.state)
        if given and written and given != written:
            raise SourceError(Message(
                gettext_noop("%(file)s is about %(written)s, but the state given is %(state)s: "
                             "leave --state out or import the right file."),
                web_template=gettext_noop(
                    "%(file)s is about %(written)s, but the state given is %(state)s: leave "
                    "“State under review” empty or import the right file."),
                file=document.name, written=document.state, state=state))
    document.state = document.state or state
    if not document.state:
        raise SourceError(Message(
            gettext_noop("%(file)s does not say which state was reviewed: pass --state with "
                         "the state's ISO code or name."),
            web_template=gettext_noop(
                "%(file)s does not say which state was reviewed: fill in “State under "
                "review”."), file=document.name))
    if session not in (None, ""):
        try:
            number = int(str(session).strip())
        except ValueError:
            raise SourceError(Message(gettext_noop("--session %(session)s is not a number."),
                                      session=repr(session))) from None
        if document.session is not None and document.session != number:
            raise SourceError(Message(
                gettext_noop("%(file)s is the report of UPR session %(written)s, but the "
                             "session given is %(session)s: leave --session out or import "
                             "the right file."),
                web_template=gettext_noop(
                    "%(file)s is the report of UPR session %(written)s, but the session "
                    "given is %(session)s: leave “UPR session” empty or import the right "
                    "file."),
                file=document.name, written=str(document.session), session=str(number)))
        document.session = number
    return document


# --- the rows ------------------------------------------------------------------------


def _iso3(document: _Document) -> str:
    return state_names.iso3_of(document.state) or document.state


def _report_rows(report: _Document, answers: dict[str, tuple[str, str]]):
    if report.session is None:
        raise SourceError(Message(
            gettext_noop("%(file)s does not say which UPR session it reports on (no “held "
                         "its … session”): pass --session."),
            web_template=gettext_noop("%(file)s does not say which UPR session it reports "
                                      "on (no “held its … session”): fill in “UPR "
                                      "session”."),
            file=report.name))
    iso3 = _iso3(report)
    held = _held_positions(iso3, report.session)
    for number, item in enumerate(report.items, start=1):
        text, states = split_recommendation(join_lines(item.lines, report.vocabulary))
        position = item.position
        if item.paragraph in answers:
            position = answers.pop(item.paragraph)[0]
        elif position == PENDING:
            # The state's answer already held (its addendum, imported before): kept, not
            # reset to "none" by the report that predates it.
            position = held.get(item.paragraph, position)
        yield SourceRow(
            source=SOURCE, file=report.name, row=number,
            key=f"{iso3}:{report.session}:{item.paragraph}", state=report.state,
            mechanism="UPR", text=text, session=report.session,
            document_symbol=report.symbol, paragraph=item.paragraph,
            recommending_states=states, position=position, place=f"page {item.page}")
    for paragraph, (_position, name) in sorted(answers.items(),
                                               key=lambda pair: paragraph_key(pair[0])):
        yield RowProblem(name, None, Message(gettext_noop(
            "the addendum gives a position for recommendation %(paragraph)s, which the "
            "report %(report)s does not have"), paragraph=paragraph, report=report.symbol))


def _held_recommendations(iso3: str, session: int | None, symbols: list[str]):
    """The recommendations the registry holds for the review, by paragraph; the review
    found by its state and session, or by the document symbols."""
    from nmirf.recommendations.models import Document, Recommendation

    review_id = None
    if session is not None:
        review_id = (Recommendation.objects.filter(review__key=f"UPR:{iso3}:{session}")
                     .values_list("review_id", flat=True).first())
    if review_id is None:
        review_id = (Document.objects.filter(symbol__in=symbols, review__isnull=False)
                     .values_list("review_id", flat=True).first())
    if review_id is None:
        return None, {}
    by_paragraph: dict[str, object] = {}
    recommendations = (Recommendation.objects.filter(review_id=review_id, archived=False)
                       .exclude(paragraph="").select_related("document", "review")
                       .prefetch_related("recommending_states").order_by("id"))
    for recommendation in recommendations:
        by_paragraph.setdefault(recommendation.paragraph.strip(), recommendation)
    return review_id, by_paragraph


def _held_positions(iso3: str, session: int) -> dict[str, str]:
    _review, held = _held_recommendations(iso3, session, [])
    return {paragraph: recommendation.position for paragraph, recommendation in held.items()
            if recommendation.position not in ("", "none")}


def _held_rows(addendum: _Document, answers: dict[str, tuple[str, str]]):
    iso3 = _iso3(addendum)
    review_id, held = _held_recommendations(
        iso3, addendum.session, [addendum.report_symbol, addendum.symbol])
    if review_id is None:
        raise SourceError(Message(gettext_noop(
            "%(file)s answers the Working Group report %(report)s, which the registry does "
            "not hold: import the report first, or both files together."),
            file=addendum.name, report=addendum.report_symbol))
    for number, (paragraph, (position, name)) in enumerate(
            sorted(answers.items(), key=lambda pair: paragraph_key(pair[0])), start=1):
        recommendation = held.get(paragraph)
        if recommendation is None:
            yield RowProblem(name, number, Message(gettext_noop(
                "recommendation %(paragraph)s: the registry holds no recommendation with "
                "this paragraph number for the review of %(report)s"),
                paragraph=paragraph, report=addendum.report_symbol))
            continue
        review = recommendation.review
        yield SourceRow(
            source=SOURCE, file=name, row=number,
            key=f"{iso3}:{review.session}:{paragraph}", state=iso3, mechanism="UPR",
            text=recommendation.text, session=review.session,
            document_symbol=(recommendation.document.symbol if recommendation.document
                             else addendum.report_symbol),
            paragraph=recommendation.paragraph,
            recommending_states=[s.iso3 for s in recommendation.recommending_states.all()],
            position=position,
            action_category=str(recommendation.action_category or ""),
            language=recommendation.language)
