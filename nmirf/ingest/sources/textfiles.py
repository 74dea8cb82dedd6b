"""Decoding of text files as sources really send them: UTF-8 with or without a BOM, or a
legacy single-byte encoding (UPR Info exports are Mac Roman; spreadsheets saved on
Windows are cp1252), with CR, CRLF or LF line endings."""

from ..records import SourceError

_ASCII = bytes(range(0x80))
# Characters that real recommendation texts contain; the legacy encoding that turns a
# file's non-ASCII bytes into more of these is the right one.
_LIKELY = set("àâäçéèêëîïôöùûüÿñáíóúãõåøæœ’‘“”–—…«»")


def _guess_legacy(high_bytes: bytes) -> str:
    def score(encoding: str) -> int:
        return sum(ch in _LIKELY for ch in high_bytes.decode(encoding, errors="replace"))

    return max(("mac_roman", "cp1252"), key=score)


def decode_csv_bytes(data: bytes, name: str) -> str:
    """Decode a CSV file's bytes and normalise its line endings to LF."""
    if not data.strip():
        raise SourceError(f"{name} is empty.")
    if b"\x00" in data[:65536]:
        raise SourceError(f"{name} is a binary file, not a CSV text file.")
    if data.startswith(b"PK\x03\x04"):
        raise SourceError(f"{name} is a zip archive (a spreadsheet or Word file?), not a CSV.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Distinct non-ASCII bytes in order of appearance, enough to judge the encoding.
        high = data.translate(None, _ASCII)[:20000]
        text = data.decode(_guess_legacy(high), errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")
