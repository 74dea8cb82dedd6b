"""Messages about files and rows: English where used as text, in the reader's language
where stored and shown."""

from django.utils import translation

from nmirf.core.problems import Message, Number, SourceError, localize, message_data, message_of
from nmirf.ingest.files.archive import megabytes


def test_a_message_reads_as_its_english_text():
    message = Message("%(file)s is empty.", file="a.csv")
    assert message == "a.csv is empty." and isinstance(message, str)
    assert f"{message}" == "a.csv is empty."


def test_it_keeps_what_is_needed_to_say_it_again_in_another_language():
    inner = Message("%(file)s, row %(row)s", file="a.csv", row=3)
    message = Message("%(where)s: has no recommendation text", where=inner)
    assert message_data(message) == {
        "template": "%(where)s: has no recommendation text",
        "params": {"where": {"template": "%(file)s, row %(row)s",
                             "params": {"file": "a.csv", "row": 3}}},
    }
    assert localize(message_data(message)) == "a.csv, row 3: has no recommendation text"


def test_it_is_shown_in_the_active_language():
    data = message_data(Message("%(file)s is empty.", file="a.csv"))
    for language in ("fr", "es", "ar"):
        with translation.override(language):
            shown = localize(data)
        assert "a.csv" in shown and shown != "a.csv is empty.", language


def test_plain_text_and_broken_data_fall_back_to_the_english_text():
    assert message_data("plain") is None
    assert localize(None, "plain") == "plain"
    assert localize({"template": "%(missing)s here", "params": {}}, "as stored") == "as stored"


def test_an_exception_gives_back_its_message():
    error = SourceError(Message("%(file)s is empty.", file="a.csv"))
    assert isinstance(message_of(error), Message)
    assert message_of(ValueError("plain")) == "plain"


def test_quantities_are_grouped_as_the_readers_language_groups_digits():
    message = Message("text is longer than %(limit)s characters", limit=Number(20000))
    assert message == "text is longer than 20,000 characters"
    data = message_data(message)
    with translation.override("fr"):
        assert "20\xa0000" in localize(data)  # not "20,000", a decimal number in French


def test_amounts_with_decimals_are_written_as_the_readers_language_writes_them():
    message = megabytes(int(2.5 * 1024 * 1024))
    assert message == "2.5 MB"
    assert megabytes(250 * 1024 * 1024) == "250 MB"
    data = message_data(Message("%(size)s is too big", size=message))
    with translation.override("fr"):
        assert "2,5" in localize(data)  # "2.5" is not a French number
    with translation.override("en"):
        assert localize(data) == "2.5 MB is too big"
