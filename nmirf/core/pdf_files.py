"""The file structure of a PDF written by hand — numbered objects, the cross-reference
table, the trailer — for the few small PDFs the project writes itself (the demo's
evidence files, the tests' UN documents). No PDF library is needed to write them."""


def assemble(objects: list[bytes], *, root: int = 1, trailer: bytes = b"",
             header: bytes = b"%PDF-1.4\n") -> bytes:
    """The PDF of `objects` (object n is objects[n - 1]), with a correct cross-reference
    table; `root`: the catalog's number; `trailer`: more entries for the trailer
    dictionary (an /Encrypt)."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += (b"trailer\n<< /Size %d /Root %d 0 R" % (len(objects) + 1, root) + trailer
            + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return bytes(out)
