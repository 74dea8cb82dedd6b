"""Normalise and validate: turn the plain records that adapters yield into values the
registry understands (state ids, mechanism ids, review keys, positions, term ids), and
collect every problem with its file and row so the user can fix the file in one go."""

import hashlib
from dataclasses import dataclass, field

from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext_noop

from nmirf.core.problems import Message, Number
from nmirf.core.text import has_controls, name_key, search_text, without_controls
from nmirf.recommendations.models import (
    Document,
    Mandate,
    Mechanism,
    MechanismKind,
    Position,
    Recommendation,
    Review,
    Taxonomy,
    Term,
    ThemeCrosswalk,
    UprSession,
)
from nmirf.recommendations.seeding import StateResolver
from nmirf.recommendations.term_names import written_label

from .records import RowProblem, SourceRow

# Every spelling of a position met in real sources, folded by name_key.
POSITIONS = {
    "accepted": Position.SUPPORTED,
    "supported": Position.SUPPORTED,
    "support": Position.SUPPORTED,
    "accepte": Position.SUPPORTED,
    "acceptee": Position.SUPPORTED,
    "aceptada": Position.SUPPORTED,
    "noted": Position.NOTED,
    "not supported": Position.NOTED,
    "rejected": Position.NOTED,
    "prise en note": Position.NOTED,
    "notee": Position.NOTED,
    "supported in part": Position.SUPPORTED_IN_PART,
    "partially supported": Position.SUPPORTED_IN_PART,
    "partially accepted": Position.SUPPORTED_IN_PART,
    "supported noted": Position.SUPPORTED_IN_PART,
    "supported partially": Position.SUPPORTED_IN_PART,
    "voluntary pledge": Position.VOLUNTARY_PLEDGE,
    "pledge": Position.VOLUNTARY_PLEDGE,
    "": Position.NONE,
    "none": Position.NONE,
    "no position": Position.NONE,
    "pending": Position.NONE,
}

MAX_TEXT = 20_000


def max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def integer_range(model, name: str) -> tuple[int, int]:
    """The values an integer column holds, the same on every database: Django's own table
    of ranges by field type (SQLite would store 3,000,000,000 in a SmallIntegerField that
    PostgreSQL refuses, so the narrower rule is the one applied everywhere)."""
    field_type = model._meta.get_field(name).get_internal_type()
    return BaseDatabaseOperations.integer_field_ranges[field_type]


# Every value a row brings is checked against the column it goes to, its limit read from
# the model, so that the database never refuses a row with an error a person cannot read
# (and never truncates one silently into another's key).
MAX_KEY = max_length(Recommendation, "external_key")  # and SourceRecord.key
# SourceRow field: (its name in messages, as the template names it; its column's length),
# read from the models once.
LIMITS = {
    "paragraph": ("paragraph", max_length(Recommendation, "paragraph")),
    "document_symbol": ("document_symbol", max_length(Document, "symbol")),
    "review_label": ("review", max_length(Review, "label")),
    "language": ("language", max_length(Recommendation, "language")),
}
MAX_TERM = max_length(Term, "code")  # a new term of an open taxonomy is coded by its name
MAX_SESSION = integer_range(Review, "session")[1]
MAX_CYCLE = integer_range(Review, "cycle")[1]
MAX_REVIEW_KEY = max_length(Review, "key")
_SHOWN = 60  # characters of an overlong value quoted in a message


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


def fit_key(key: str, limit: int = MAX_KEY) -> str:
    """Keep a key within its column without letting two long keys collide: the tail is
    replaced by a hash of the whole key."""
    if len(key) <= limit:
        return key
    return f"{key[:limit - 21]}~{hashlib.sha1(key.encode()).hexdigest()[:20]}"


@dataclass
class ReviewSpec:
    key: str
    mechanism_id: int
    state_id: int
    cycle: int | None
    session: int | None
    mandate_id: int | None
    label: str
    date: str | None


@dataclass(slots=True)
class Prepared:
    """A validated record, ready to be written."""

    row: SourceRow
    review_key: str
    external_key: str
    search_text: str
    position: str
    action_category: int | None
    recommending_state_ids: list[int]
    term_ids: list[int] = field(default_factory=list)
    # Terms of open taxonomies that do not exist yet: (taxonomy id, name).
    new_terms: list[tuple[int, str]] = field(default_factory=list)
    content_hash: str = ""
    # The labels of the old terms the theme crosswalk replaced, one per line, for the
    # source record (SourceRecord.original_terms).
    original_terms: str = ""

    def compute_hash(self) -> None:
        """Called once term ids are final (new terms of open taxonomies are created first).
        The repr() of a tuple of the small fields is an unambiguous encoding made in C; it
        ends at the first NUL byte (a repr escapes any NUL it holds), and the text follows
        as its own bytes: 40,000 rows hash in a fraction of the time that formatting every
        part, or taking the repr of the text too, costs."""
        row = self.row
        fields = (self.review_key, row.paragraph, row.language, self.position,
                  self.action_category, row.document_symbol,
                  _sorted(self.recommending_state_ids), _sorted(self.term_ids),
                  _sorted(self.new_terms))
        digest = hashlib.sha1(repr(fields).encode())
        digest.update(b"\x00")
        digest.update(row.text.encode("utf-8", "surrogatepass"))
        self.content_hash = digest.hexdigest()


    def legacy_hash(self) -> str:
        """The content hash as imports before November 2026 computed it, so that a record
        they stored is still recognised as unchanged (commit.py) and not rewritten over what
        a person may have edited since."""
        row = self.row
        payload = (self.review_key, row.paragraph, row.text, row.language, self.position,
                   self.action_category, row.document_symbol,
                   sorted(self.recommending_state_ids), sorted(self.term_ids),
                   sorted(self.new_terms))
        return hashlib.sha1(repr(payload).encode()).hexdigest()


def _sorted(values: list) -> list:
    return values if len(values) < 2 else sorted(values)



class _RowTerms:
    """The terms of one row as prepare() collects them."""

    def __init__(self):
        self.ids: list[int] = []
        self.originals: list[str] = []
        self.new: list[tuple[int, str]] = []
        self._seen_new: set[tuple[int, str]] = set()  # a set: a row may bring thousands

    def add_known(self, term_id: int, crosswalk: dict[int, tuple[int, str]]) -> None:
        if term_id in crosswalk:  # an old theme: today's, the old label kept
            term_id, original = crosswalk[term_id]
            if original not in self.originals:
                self.originals.append(original)
        if term_id not in self.ids:
            self.ids.append(term_id)

    def add_new(self, taxonomy, taxonomy_code: str, term_name: str, problems: list) -> None:
        if len(term_name) > MAX_TERM or has_controls(term_name):
            problems.append((Message(
                gettext_noop("%(taxonomy)s term %(term)s is longer than %(limit)s "
                             "characters or holds a control character"),
                taxonomy=taxonomy.name, term=_shown(term_name),
                limit=Number(MAX_TERM)), taxonomy_code))
        elif (taxonomy.id, term_name) not in self._seen_new:
            self._seen_new.add((taxonomy.id, term_name))
            self.new.append((taxonomy.id, term_name))

class Normaliser:
    """Resolves names against the reference data, once per distinct value (cached)."""

    def __init__(self, *, state_override: str | None = None,
                 session_override: int | None = None):
        self.states = StateResolver()
        self.mechanisms = {m.code.upper(): m for m in Mechanism.objects.all()}
        self.mandates = {name_key(m.code): m for m in Mandate.objects.all()}
        self.mandates.update({name_key(m.title): m for m in Mandate.objects.all()})
        self.cycles = dict(UprSession.objects.values_list("number", "cycle"))
        self.taxonomies = {t.code: t for t in Taxonomy.objects.all()}
        # A term is found by its code first, then by its name: several schemes share names
        # ("Acceptance of international norms" is a new-style UHRI theme, and the name of
        # the old code A12), so every code is registered before any name.
        self.terms: dict[tuple[int, str], int] = {}
        terms = list(Term.objects.values_list("id", "taxonomy_id", "code", "name"))
        for term_id, taxonomy_id, code, _name in terms:
            self.terms.setdefault((taxonomy_id, name_key(code)), term_id)
        for term_id, taxonomy_id, _code, name in terms:
            self.terms.setdefault((taxonomy_id, name_key(name)), term_id)
        # Old terms stand for today's (ThemeCrosswalk): {old id: (today's id, old label)}.
        labels = {term_id: written_label(code, name) for term_id, _t, code, name in terms}
        self.crosswalk: dict[int, tuple[int, str]] = {
            old_id: (new_id, labels.get(old_id, ""))
            for old_id, new_id in ThemeCrosswalk.objects.values_list("old_term_id", "term_id")
        }
        self.state_override = state_override
        self.session_override = session_override
        self.reviews: dict[str, ReviewSpec] = {}
        self._review_keys: dict[tuple, str] = {}
        # Each distinct value a source writes, resolved once.
        self._mechanism_of: dict[str, Mechanism | None] = {}
        self._position_of: dict[str, str | None] = {}
        self._action_of: dict[object, int | None | bool] = {}

    def prepare(self, row: SourceRow) -> Prepared | list[RowProblem]:
        # Runs once per row (40,000 times for the shared UPR Info files): each distinct
        # source value is resolved once and remembered, and problems are only built when
        # there are some.
        problems: list[tuple[str, str]] = []  # (message, field)
        row.key = fit_key(row.key, MAX_KEY - len(row.source) - 1)

        state_name = self.state_override or row.state
        state = self.states.resolve(state_name) if state_name else None
        if state is None:
            problems.append((Message(gettext_noop("unknown state under review %(state)s"),
                                     state=repr(state_name)) if state_name
                             else Message(gettext_noop("no state under review")), "state"))
        mechanism = self._mechanism(row.mechanism)
        if mechanism is None:
            problems.append((Message(gettext_noop("unknown mechanism %(mechanism)s (use a code "
                                                  "such as UPR, CERD, CEDAW, SP or IACHR)"),
                                     mechanism=repr(row.mechanism)), "mechanism"))
        text = self._checked_text(row, problems)
        position = self._position(row.position)
        if position is None:
            problems.append((Message(gettext_noop("unknown position %(position)s (expected "
                                                  "supported, supported in part, noted, "
                                                  "voluntary pledge or none)"),
                                     position=repr(row.position)), "position"))
        action_category = self._action(row.action_category)
        if action_category is False:
            problems.append((Message(gettext_noop("action category %(value)s is not a number "
                                                  "from 1 to 5"),
                                     value=repr(str(row.action_category).strip())), "action"))
            action_category = None
        recommending_ids = self._recommending(row, problems)
        terms = self._terms(row, problems)

        review_key = None
        if state is not None and mechanism is not None:
            review_key = self._review(row, mechanism, state, problems)
        if problems:
            return [RowProblem(row.file, row.row, message, field_name)
                    for message, field_name in problems]
        return Prepared(
            row=row,
            review_key=review_key,
            external_key=f"{row.source}:{row.key}",
            search_text=row.folded if row.folded and text == row.text else search_text(text),
            position=position,
            action_category=action_category,
            recommending_state_ids=recommending_ids,
            term_ids=terms.ids,
            new_terms=terms.new,
            original_terms="\n".join(terms.originals),
        )

    @staticmethod
    def _checked_text(row: SourceRow, problems: list) -> str:
        """The row's text, stripped, with control characters taken out; problems for a
        key a person typed with a control character, a field over its length or holding
        one, and a text missing or too long."""
        if has_controls(row.text):
            row.text = without_controls(row.text)
        if has_controls(row.key):  # a key a person typed (the template's external_id)
            problems.append((Message(gettext_noop("external_id %(value)s holds a control "
                                                  "character"), value=_shown(row.key)),
                             "external_id"))
        for name, (label, limit) in LIMITS.items():
            value = getattr(row, name) or ""
            if len(value) > limit:
                problems.append((Message(gettext_noop("%(field)s %(value)s is longer than the "
                                                      "%(limit)s characters it may have"),
                                         field=label, value=_shown(value),
                                         limit=Number(limit)), label))
            elif has_controls(value):
                problems.append((Message(gettext_noop("%(field)s %(value)s holds a control "
                                                      "character"),
                                         field=label, value=_shown(value)), label))
        text = row.text.strip()
        if not text:
            problems.append((Message(gettext_noop("has no recommendation text")), "text"))
        elif len(text) > MAX_TEXT:
            problems.append((Message(gettext_noop("text is longer than %(limit)s characters"),
                                     limit=Number(MAX_TEXT)), "text"))
        return text

    def _recommending(self, row: SourceRow, problems: list) -> list[int]:
        """The ids of the row's recommending states, each once, in the row's order."""
        recommending_ids: list[int] = []
        for name in row.recommending_states:
            recommending = self.states.resolve(name)
            if recommending is None:
                problems.append((Message(gettext_noop("unknown recommending state %(state)s"),
                                         state=repr(name)), "recommending_states"))
            elif recommending.id not in recommending_ids:
                recommending_ids.append(recommending.id)
        return recommending_ids

    def _terms(self, row: SourceRow, problems: list) -> "_RowTerms":
        """The row's labels: known terms (an old theme as today's, its label kept as the
        original), and new terms of open taxonomies."""
        terms = _RowTerms()
        for taxonomy_code, names in row.terms.items():
            taxonomy = self.taxonomies.get(taxonomy_code)
            if taxonomy is None:
                problems.append((Message(gettext_noop("unknown taxonomy %(taxonomy)s"),
                                         taxonomy=repr(taxonomy_code)), taxonomy_code))
                continue
            for term_name in names:
                term_id = self.terms.get((taxonomy.id, name_key(term_name)))
                if term_id is not None:
                    terms.add_known(term_id, self.crosswalk)
                elif taxonomy.is_open:
                    terms.add_new(taxonomy, taxonomy_code, term_name.strip(), problems)
                else:
                    problems.append((Message(gettext_noop("unknown %(taxonomy)s term %(term)s"),
                                             taxonomy=taxonomy.name, term=repr(term_name)),
                                     taxonomy_code))
        return terms

    def _mechanism(self, code: str):
        if code not in self._mechanism_of:
            self._mechanism_of[code] = self.mechanisms.get((code or "").strip().upper())
        return self._mechanism_of[code]

    def _position(self, value: str) -> str | None:
        if value not in self._position_of:
            self._position_of[value] = POSITIONS.get(name_key(value or ""))
        return self._position_of[value]

    def _action(self, value) -> int | None | bool:
        """The action category 1–5, None where the source gives none, False where what it
        gives is not one."""
        if value not in self._action_of:
            text = str(value or "").strip()
            if not text:
                self._action_of[value] = None
            # isdecimal, not isdigit: "³" is a digit that int() refuses.
            elif text.isdecimal() and len(text) == 1 and 1 <= int(text) <= 5:
                self._action_of[value] = int(text)
            else:
                self._action_of[value] = False
        return self._action_of[value]

    def _review(self, row: SourceRow, mechanism, state, problems) -> str | None:
        """The key of the review a row belongs to (its ReviewSpec noted once per review);
        rows of one review share the answer, so it is worked out once per distinct set of
        review values."""
        memo = (mechanism.id, state.id, row.session, row.cycle, row.mandate,
                row.review_label, row.review_date)
        known = self._review_keys.get(memo)
        if known is not None:
            return known
        key = self._new_review(row, mechanism, state, problems)
        if key is not None:
            self._review_keys[memo] = key
        return key

    def _new_review(self, row: SourceRow, mechanism, state, problems) -> str | None:
        session = self.session_override or row.session
        # One sentence per field: a translation cannot agree with an English word put in.
        for number, what, limit, text in (
                (session, "session", MAX_SESSION,
                 gettext_noop("session %(number)s is not a UPR session number "
                              "(1 to %(limit)s)")),
                (row.cycle, "cycle", MAX_CYCLE,
                 gettext_noop("cycle %(number)s is not a UPR cycle number (1 to %(limit)s)"))):
            if number is not None and not 1 <= number <= limit:
                problems.append((Message(text, number=str(number)[:_SHOWN],
                                         limit=Number(limit)), what))
                return None
        mandate = None
        if row.mandate:
            mandate = self.mandates.get(name_key(row.mandate))
            if mandate is None:
                problems.append((Message(gettext_noop("unknown special-procedure mandate "
                                                      "%(mandate)s"), mandate=repr(row.mandate)),
                                 "mandate"))
                return None
        if mechanism.kind == MechanismKind.UPR:
            if not session:
                problems.append((Message(gettext_noop("a UPR recommendation needs its session "
                                                      "number")), "session"))
                return None
            cycle = row.cycle or self.cycles.get(session) or _cycle_of_session(session)
            key = f"UPR:{state.iso3}:{session}"
            label = ""
        else:
            label = (row.review_label or "").strip()
            parts = [mechanism.code, state.iso3]
            if mandate is not None:
                parts.append(mandate.code)
            parts.append(label or (row.review_date or "")[:4] or "-")
            # A long review label (its own column allows more) keeps a unique key.
            key = fit_key(":".join(parts), MAX_REVIEW_KEY)
            cycle, session = row.cycle, None
        if key not in self.reviews:
            self.reviews[key] = ReviewSpec(
                key=key, mechanism_id=mechanism.id, state_id=state.id, cycle=cycle,
                session=session, mandate_id=mandate.id if mandate else None, label=label,
                date=row.review_date or None,
            )
        return key


def _cycle_of_session(session: int) -> int:
    """UPR cycles by Working Group session (HRC res 16/21): 1–12, 13–26, 27–40, then 14
    sessions a cycle. Used only when the seeded session table does not know the session."""
    if session <= 12:
        return 1
    return 2 + (session - 13) // 14
