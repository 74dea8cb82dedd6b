"""Text of a UN document saved as a web page (HTML), as the lines files/pdf.py gives for a
PDF: one line per block (paragraph, heading, list item, table cell), footnote marks
(<sup>) and scripts left out. A web page has no pages: every line is page 1."""

from pathlib import Path

from django.utils.translation import gettext_noop

from nmirf.core.problems import Message, Number, SourceError

from .pdf import Line

MAX_BYTES = 20 * 1024 * 1024
BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd", "div",
          "pre", "blockquote", "caption"}


def looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html", b"<?xml")) and b"<html" in head.lower()


def read_lines(path: Path, name: str) -> list[Line]:
    import lxml.html

    size = path.stat().st_size
    if size > MAX_BYTES:
        raise SourceError(Message(gettext_noop(
            "%(file)s is larger than %(limit)s MB, more than a UN document's web page."),
            file=name, limit=Number(MAX_BYTES // (1024 * 1024))))
    root = lxml.html.fromstring(path.read_bytes())
    for element in root.xpath("//script | //style | //sup | //head"):
        element.drop_tree()
    lines = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag.lower() not in BLOCKS:
            continue
        if any(isinstance(child.tag, str) and child.tag.lower() in BLOCKS
               for child in element.iterdescendants()):
            continue  # the blocks inside give the lines
        text = " ".join(element.text_content().split())
        if text:
            lines.append(Line(text, 1, 0.0))
    return lines
