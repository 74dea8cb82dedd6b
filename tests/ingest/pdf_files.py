"""Small PDF files written by hand for the tests of UN documents: text in Helvetica at
given sizes and places, a page that holds no text (a scan), an encrypted file. No PDF
library is needed to write them; PDFium reads them as it reads the UN's."""

import zlib

from nmirf.core import pdf_files

PAGE_WIDTH, PAGE_HEIGHT = 595, 842
# A line: plain text (body size, next line down), or a list of segments
# (text, font size, rise) on one line, or {"at": y, "size": …, "text": …} placed exactly.


def _escape(text: str) -> bytes:
    out = bytearray()
    for byte in text.encode("cp1252"):
        char = chr(byte)
        if char in "()\\":
            out += b"\\" + char.encode()
        elif 32 <= byte < 127:
            out.append(byte)
        else:
            out += f"\\{byte:03o}".encode()
    return bytes(out)


def _content(lines, body_size: float) -> bytes:
    ops = [b"BT"]
    y = 760.0
    for line in lines:
        if isinstance(line, dict):
            ops.append(f"1 0 0 1 72 {line['at']} Tm /F1 {line.get('size', body_size)} Tf "
                       "0 Ts".encode() + b" (" + _escape(line["text"]) + b") Tj")
            continue
        segments = [(line, body_size, 0)] if isinstance(line, str) else line
        ops.append(f"1 0 0 1 72 {y} Tm".encode())
        for text, size, rise in segments:
            ops.append(f"/F1 {size} Tf {rise} Ts ".encode() + b"(" + _escape(text) + b") Tj")
        y -= body_size * 1.2
    ops.append(b"ET")
    return b"\n".join(ops)


def make_pdf(pages: list[list], *, body_size: float = 10, encrypted: bool = False,
             header: str = "") -> bytes:
    """A PDF of these pages; `header`: a running header (and the page number as footer)
    on every page after the first, as UN documents have."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_id = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
               b"/Encoding /WinAnsiEncoding >>")
    kids = []
    for number, lines in enumerate(pages, start=1):
        placed = list(lines)
        if header and number > 1:
            placed += [{"at": 791, "size": 9, "text": header},
                       {"at": 30, "size": 9, "text": str(number)}]
        stream = zlib.compress(_content(placed, body_size))
        content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
                      + stream + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] "
                        b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                        % (pages_id, PAGE_WIDTH, PAGE_HEIGHT, font, content)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    objects[pages_id - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % kid for kid in kids)
                             + b"] /Count %d >>" % len(kids))
    encrypt = None
    if encrypted:
        # The standard security handler with a user password: /U does not match the empty
        # password, so a reader must ask for one.
        encrypt = add(b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 "
                      b"/O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> >>")
    trailer = (b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (encrypt, b"ab" * 16, b"ab" * 16)
               if encrypt else b"")
    return pdf_files.assemble(objects, root=catalog, trailer=trailer,
                              header=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
