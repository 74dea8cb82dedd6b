"""Text of a UN document saved as Word (.docx), as the lines files/pdf.py gives for a PDF:
one line per paragraph (Word keeps no line breaks inside one, and no hyphenation), page
headers and footers and footnotes left out (they are other parts of the file; a footnote
mark is an element without text). The masthead a PDF shows on its first page (symbol,
"United Nations", date) is in the first page's header in the UN's template: those lines
come first, as page 1, with the body up to Word's first page break."""

from pathlib import Path

from .pdf import Line

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_lines(path: Path, name: str) -> list[Line]:
    from ..sources.ohchr_matrix import open_docx

    document = open_docx(path, name)
    lines: list[Line] = []
    if document.sections:
        section = document.sections[0]
        for header in (section.first_page_header, section.header):
            for paragraph in _paragraphs(header._element):
                lines.append(Line(paragraph, 1, 0.0))
    page = 1
    for element in document.element.body.iter(f"{_W}p"):
        if element.find(f".//{_W}lastRenderedPageBreak") is not None or any(
                br.get(f"{_W}type") == "page" for br in element.iter(f"{_W}br")):
            page += 1
        text = _text(element)
        if text:
            lines.append(Line(text, page, 0.0))
    return lines


def _paragraphs(element):
    for paragraph in element.iter(f"{_W}p"):
        text = _text(paragraph)
        if text:
            yield text


def _text(paragraph) -> str:
    parts = []
    for node in paragraph.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}noBreakHyphen"):
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}noBreakHyphen":
            parts.append("-")
        else:
            parts.append(" ")
    return " ".join("".join(parts).split())
