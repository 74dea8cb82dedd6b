"""One recommendation, several sources: whose values its fields hold.

A recommendation's paragraph, document, text, language, position and action category come
from one of the sources that told of it — its *values source*, the source record whose
external key `Recommendation.values_from` holds (empty: the record that created it). When
another source tells of it too (a record linked to it, or a known record of a source
other than the values source updated), the fields become the union of what both know,
by a stated precedence rather than by the order of the imports:

- a more authoritative source (AUTHORITY: official UN document > OHCHR matrix > UPR Info
  export > template) gives the values wherever it has one, and becomes the values source;
- a less or equally authoritative one only fills what is blank (no paragraph, no
  document, no position, no action category);
- a person's edit (values_from = PERSON, set by the admin) beats every source: imports
  then only fill blanks;
- the values source itself, re-imported, updates the fields as it always did.

Each source record keeps the values its source gave (SourceRecord.given), so nothing a
source said is lost whichever values the recommendation shows.
"""

from dataclasses import dataclass, replace

PERSON = "person"
# The recommendation's fields whose values a source (or a person) gives.
VALUE_FIELDS = frozenset({"paragraph", "document", "text", "language", "position",
                          "action_category"})
AUTHORITY = {"un_document": 4, "ohchr_matrix": 3, "upr_info": 2, "template": 1}
_PERSON_AUTHORITY = 100


def authority(values_key: str) -> int:
    """How much the values of the record with this external key (or PERSON) count."""
    if values_key == PERSON:
        return _PERSON_AUTHORITY
    return AUTHORITY.get(values_key.split(":", 1)[0], 0)


@dataclass(frozen=True)
class Fields:
    """The fields a source gives a recommendation, and whose they are (`key`: the source
    record's external key, or PERSON)."""

    key: str
    paragraph: str
    document_id: int | None
    text: str
    search_text: str
    language: str
    position: str
    action_category: int | None

    def blank(self, name: str) -> bool:
        value = getattr(self, name)
        return value in (None, "") or (name == "position" and value == "none")


# Filled from another source where blank; the text (with its folded form and language) is
# never blank, and goes with the values source.
_FILLED = ("paragraph", "document_id", "position", "action_category")


def merged(held: Fields, incoming: Fields) -> Fields:
    """What the recommendation holding `held` holds once `incoming` tells of it too."""
    if incoming.key == held.key:  # the values source itself, again
        return incoming
    if authority(incoming.key) > authority(held.key):
        first, second = incoming, held
    else:
        first, second = held, incoming
    filled = {name: getattr(second, name) for name in _FILLED
              if first.blank(name) and not second.blank(name)}
    return replace(first, **filled)


def positions_differ(held: Fields, incoming: Fields) -> bool:
    """Whether another source gives the recommendation a position other than the one it
    holds (the values source itself, re-imported, only corrects its own)."""
    return (incoming.key != held.key and not held.blank("position")
            and not incoming.blank("position") and incoming.position != held.position)


def source_values(fields: Fields, document_symbol: str) -> dict:
    """What a source record keeps of the values its source gave (SourceRecord.given)."""
    values = {"paragraph": fields.paragraph, "document": document_symbol,
              "position": fields.position, "action_category": fields.action_category}
    return {name: value for name, value in values.items() if value not in (None, "")}
