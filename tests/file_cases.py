"""What the tests of reading and writing files share: the values a spreadsheet would run
as formulas, and the two ways a test consumes a reader."""

import pytest

from nmirf.ingest.records import SourceError

MB = 1024 * 1024
# Each would run as a formula in a spreadsheet program (CSV/formula injection).
DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1",
             '=HYPERLINK("http://example.com/x","click")', "-2+3+cmd|' /C calc'!A0"]


def read_all(rows) -> list:
    return list(rows)


def error_of(rows) -> str:
    """The message of the SourceError that reading `rows` to the end raises."""
    with pytest.raises(SourceError) as caught:
        list(rows)
    return str(caught.value)
