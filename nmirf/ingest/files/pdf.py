"""Text of a PDF document, as lines a parser can read: the running page headers and
footers, footnotes and footnote marks left out.

PDFium (pypdfium2) reads the text: among the offline, CPU-only readers on PyPI it was the
fastest by far on the real UPR Working Group report (A/HRC/43/15, 24 pages: PDFium 0.1 s,
pypdf 1.2 s, pdfminer.six 1.9 s, text alone) and gives each character's font size and
position, which is what tells a footnote or a page header from the body.

What is left out, and how:

- page headers and footers: lines in the top TOP_MARGIN or bottom BOTTOM_MARGIN of a page
  (UN documents put the symbol and the page number there), and anywhere the UN's job
  number ("GE.19-21936(E)") or a bar code (a font of private-use characters);
- footnotes: the lines at the foot of a page set smaller than the document's body text;
- footnote marks: characters set smaller than their line and raised above its baseline
  (a superscript "1" after a word).

The first page keeps its masthead (symbol, date, "Distr.: General"), which readers use to
tell what the document is. Hyphens at line ends are left for `join_lines`, which sees the
whole document's words.

Refused before any text is read, each with a message that says what to do: a file that is
not a PDF, an encrypted one, one of more than MAX_PAGES pages (the page count is read from
the page tree, not by reading the pages); after reading, one with no text layer (a scan).
"""

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_noop

from nmirf.core.problems import Message, Number, SourceError

from .common import sniff

MAX_PAGES = 500
# Below this many letters and digits a page on average, the PDF holds no text layer that
# could carry recommendations: a scan, or images of text.
MIN_CHARS_PER_PAGE = 20
TOP_MARGIN = 0.07
BOTTOM_MARGIN = 0.06
# A character this much smaller than its line, and raised, is a footnote mark.
MARK_SCALE = 0.85
_JOB_NUMBER = re.compile(r"^GE\.\d{2}-\d{4,6}\s*\([A-Z]\)")
_PRIVATE_USE = re.compile(r"^[\ue000-\uf8ff\s]+$")
_MARKS = set("0123456789*†‡§")
# PDFium writes U+FFFE for a hyphen it took for a line-end hyphenation, U+0002 in older
# builds.
SOFT_HYPHENS = "\ufffe\u0002\u00ad"


@dataclass
class Line:
    text: str
    page: int  # 1-based
    size: float  # the font size most of its characters have


def read_lines(path: Path, name: str) -> list[Line]:
    """The document's lines, page after page, without headers, footers and footnotes."""
    _check_head(path, name)
    sized, sizes, pages = _read_pages(_open(path, name), name)
    if sum(sizes.values()) < MIN_CHARS_PER_PAGE * max(pages, 1):
        raise SourceError(Message(gettext_noop(
            "%(file)s has no text layer (a scanned document?): its pages are images, "
            "which cannot be read. Import the PDF the UN publishes, or run text "
            "recognition (OCR) on the scan first."), file=name))
    body_size = sizes.most_common(1)[0][0]
    lines: list[Line] = []
    for number, chars, height in sized:
        lines.extend(_page_lines(chars, number, height, body_size))
    return lines


def _check_head(path: Path, name: str) -> None:
    """Refuse, from its first bytes, a file that is not a PDF."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
    kind = sniff(head)
    if kind == "empty":
        raise SourceError(Message(gettext_noop("%(file)s is empty."), file=name))
    if not head.startswith(b"%PDF"):
        described = (Message(gettext_noop("text")) if kind == "text"
                     else Message(gettext_noop("a Word document, a spreadsheet or another "
                                               "zip archive")) if kind == "zip" else kind)
        raise SourceError(Message(gettext_noop(
            "%(file)s is not a PDF document (it holds %(kind)s): import the UN document "
            "as the PDF file the UN publishes (or as Word or a web page)."), file=name,
            kind=described))


def _open(path: Path, name: str):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
            raise SourceError(Message(gettext_noop(
                "%(file)s is encrypted (protected by a password), so its text cannot be "
                "read: open it, save a copy without the password, and import that."),
                file=name)) from None
        raise SourceError(Message(gettext_noop(
            "%(file)s cannot be read as a PDF document: it is damaged or incomplete."),
            file=name)) from None


def _read_pages(document, name: str):
    """(page number, characters, height) of every page, the count of each font size of
    the letters and digits, and the number of pages; refuses a document without pages
    or with more than MAX_PAGES before reading any."""
    try:
        pages = len(document)
        if not pages:
            raise SourceError(Message(gettext_noop(
                "%(file)s cannot be read as a PDF document: it is damaged or incomplete."),
                file=name))
        if pages > MAX_PAGES:
            raise SourceError(Message(gettext_noop(
                "%(file)s has %(pages)s pages, more than the %(limit)s a UN document "
                "holds: import the report itself, not a compilation of documents."),
                file=name, pages=Number(pages), limit=Number(MAX_PAGES)))
        sized: list[tuple[int, list[tuple[str, float, float]], float]] = []
        sizes: Counter = Counter()
        for number in range(pages):
            page = document[number]
            try:
                height = page.get_height()
                chars = _page_chars(page)
            finally:
                page.close()
            sized.append((number + 1, chars, height))
            for char, size, _y in chars:
                if char.isalnum():
                    sizes[round(size, 1)] += 1
    finally:
        document.close()
    return sized, sizes, pages


def _page_chars(page) -> list[tuple[str, float, float]]:
    """(character, font size, baseline y) of every character of a page; a line break as
    ("\\n", 0, 0)."""
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        x, y = raw.c_double(), raw.c_double()
        chars = []
        for index in range(count):
            code = raw.FPDFText_GetUnicode(textpage, index)
            if code == 0x0D:
                continue
            if code == 0x0A:
                chars.append(("\n", 0.0, 0.0))
                continue
            if chr(code) in SOFT_HYPHENS:
                # A hyphen PDFium took for hyphenation ends its line (PDFium writes no
                # line break after it): join_lines decides whether the word keeps it.
                chars.append(("\ufffe", 0.0, 0.0))
                chars.append(("\n", 0.0, 0.0))
                continue
            raw.FPDFText_GetCharOrigin(textpage, index, x, y)
            chars.append((chr(code), raw.FPDFText_GetFontSize(textpage, index), y.value))
        return chars
    finally:
        textpage.close()


def _page_lines(chars, page: int, height: float, body_size: float) -> list[Line]:
    lines: list[tuple[str, float, float]] = []  # (text, size, baseline)
    current: list[tuple[str, float, float]] = []
    for char in [*chars, ("\n", 0.0, 0.0)]:
        if char[0] != "\n":
            current.append(char)
            continue
        if current:
            lines.append(_line(current))
        current = []
    kept = []
    for text, size, baseline in lines:
        if page > 1 and (baseline > height * (1 - TOP_MARGIN) or baseline < height * BOTTOM_MARGIN):
            continue  # running header or footer: symbol, page number
        if _JOB_NUMBER.match(text) or _PRIVATE_USE.match(text):
            continue
        kept.append(Line(text, page, size))
    # Footnotes: the lines at the page's foot set smaller than the body.
    while kept and kept[-1].size and kept[-1].size < body_size - 0.5 and page > 1:
        kept.pop()
    return kept


def _line(chars) -> tuple[str, float, float]:
    printed = [c for c in chars if not c[0].isspace() and c[1]]
    if not printed:
        return "", 0.0, 0.0
    size = Counter(round(c[1], 1) for c in printed).most_common(1)[0][0]
    baseline = Counter(round(c[2]) for c in printed).most_common(1)[0][0]
    text = []
    for char, char_size, y in chars:
        if (char in _MARKS and char_size and char_size < size * MARK_SCALE
                and y > baseline + 1):
            continue  # a footnote mark
        text.append(char)
    return "".join(text).strip(), size, baseline


_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def join_lines(lines: list[str], vocabulary: set[str] | None = None) -> str:
    """Lines of one paragraph as one text. A hyphen at a line's end is kept where the
    document writes the word with a hyphen elsewhere, or does not write it without one
    (UN documents are set without automatic hyphenation, so such a hyphen is almost always
    the word's own: "non-refoulement"); it is dropped where the joined word is met
    elsewhere in the document ("pro- tection" where "protection" is)."""
    vocabulary = vocabulary or set()
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        if out[-1] in SOFT_HYPHENS or out[-1] == "-":
            head = out[:-1]
            before = re.search(r"[^\W\d_]+$", head)
            after = re.match(r"[^\W\d_]+", line)
            if before and after and (before.group(0) + after.group(0)).lower() in vocabulary \
                    and f"{before.group(0)}-{after.group(0)}".lower() not in vocabulary:
                out = head + line
            else:
                out = head + "-" + line
            continue
        # A line broken at a raised footnote mark goes on with its punctuation.
        out = out + ("" if line[0] in ",;.:" else " ") + line
    return " ".join(out.split())


def vocabulary(lines: list[str]) -> set[str]:
    """The words (hyphenated ones included) that the document writes within a line."""
    words: set[str] = set()
    for line in lines:
        text = line.rstrip(SOFT_HYPHENS + "-")
        words.update(word.lower() for word in _WORD.findall(text))
    return words
