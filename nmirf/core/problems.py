"""Problems with the files people give us: shared by the spreadsheet readers in core and
the import adapters in ingest.

Every message about a file or a row is a `Message`: it reads as English where it is used as
text (the command line, logs, tests), and keeps its untranslated template and parameters,
so that what is stored with an import run can be shown in each reader's language
(`localize`). Templates are %-style and marked for translation where they are written:

    raise SourceError(Message(gettext_noop("%(file)s is empty."), file=name))
"""

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext


class Number(int):
    """A quantity in a message, its digits grouped as the reader's language groups them:
    "20,000" in English (its text), "20 000" in French (localize)."""

    def __str__(self) -> str:
        return f"{int(self):,}"

    def as_data(self) -> dict:
        return {"number": int(self)}


class Amount(float):
    """A measured quantity with a fixed number of decimal places, written as the reader's
    language writes decimals: "12.5" in English (its text), "12,5" in French (localize)."""

    places: int

    def __new__(cls, value: float, places: int = 1):
        self = super().__new__(cls, value)
        self.places = places
        return self

    def __str__(self) -> str:
        return f"{float(self):,.{self.places}f}"

    def as_data(self) -> dict:
        return {"number": float(self), "places": self.places}


class Message(str):
    """English text that remembers how to say itself in another language. A parameter is
    a string, an int, a Number (a quantity, grouped as the reader's language groups
    digits), an Amount (a quantity with decimals) or another Message (translated in
    turn)."""

    template: str
    params: dict
    web_template: str | None

    def __new__(cls, template: str, *, web_template: str | None = None, **params):
        """`template` is the words of the command line, where the message is read as text
        ("leave --state out"); `web_template`, where a web page must say it otherwise (the
        form's field, not the command's option), is what `localize` shows there, with the
        same parameters."""
        self = super().__new__(cls, template % params)  # so "%%" is a percent sign always
        self.template = template
        self.web_template = web_template
        self.params = params
        return self

    def as_data(self) -> dict:
        """A JSON-ready form, for storing (localize reads it back)."""
        data = {"template": self.template,
                "params": {name: value.as_data() if isinstance(value, Message | Number | Amount)
                           else value for name, value in self.params.items()}}
        if self.web_template:
            data["web_template"] = self.web_template
        return data


def message_data(text) -> dict | None:
    """What to store beside a message's English text: its template and parameters, or
    None for plain text (which then shows as it is)."""
    return text.as_data() if isinstance(text, Message) else None


def localize(data: dict | None, english: str = "") -> str:
    """A stored message in the active language, for a web page (in the web's own words
    where it has them: `web_template`); its English text where there is nothing to
    translate, or where a translation does not fit its parameters."""
    if not data:
        return english
    params = {name: _localize_param(value)
              for name, value in (data.get("params") or {}).items()}
    template = data.get("web_template") or data.get("template", "")
    for text in (gettext(template), template):
        try:
            return text % params
        except (KeyError, ValueError, TypeError):
            continue
    return english


def _localize_param(value):
    if isinstance(value, dict) and "number" in value:
        return number_format(value["number"], decimal_pos=value.get("places"),
                             force_grouping=True)
    return localize(value) if isinstance(value, dict) else value


def message_of(error: Exception):
    """An exception's message, a Message where it was raised with one."""
    return error.args[0] if error.args and isinstance(error.args[0], str) else str(error)


class SourceError(Exception):
    """The file as a whole cannot be read. The message (a Message) names the file and the
    problem."""


@dataclass
class RowProblem:
    """One row that cannot be used; the message (a Message) says why, without the file and
    row (the pipeline adds them)."""

    file: str
    row: int | None
    message: str
    field: str = ""
