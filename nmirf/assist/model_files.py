"""Trained models as versioned files under NMIRF_MODEL_DIR (by default the data
directory's `models/`, never inside the package): for each model, a pickle of the trained
classifiers (joblib) and beside it a small JSON header that says what the pickle is —
model name, version, scikit-learn version, labels, training rows — with the pickle's
SHA-256 and a signature of the header.

Unpickling runs code, so `load` reads the header first and unpickles only a file that this
installation wrote: the header must be of this format version, signed with this
installation's SECRET_KEY (an HMAC: a file copied from elsewhere, or a header edited by
hand, is refused), written by the same scikit-learn version (a pickle of another version
may load and then predict wrongly), and the pickle's checksum must match. Every refusal
says what to do: train again.

The version is a hash of what the model learnt from (the training texts and labels, the
scikit-learn version and the format version): the same data gives the same version, so a
suggestion's "model NAME, version V" names what produced it. The newest file (by the time
it was trained) is the current model; older ones are kept up to KEEP_VERSIONS.
"""

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import joblib
import sklearn
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from .trained import TrainedModel

MODEL_NAME = "upr-info"
FORMAT = "opennmirf-assist-model"
FORMAT_VERSION = 1
KEEP_VERSIONS = 3
MAX_HEADER_BYTES = 1024 * 1024
_SALT = "nmirf.assist.model_files"


class ModelUnavailable(Exception):
    """No model can be used; the message says why and what to do."""


@dataclass
class LoadedModel:
    header: dict
    model: TrainedModel

    @property
    def name(self) -> str:
        return self.header["name"]

    @property
    def version(self) -> str:
        return self.header["version"]


def model_dir() -> Path:
    return Path(settings.NMIRF_MODEL_DIR)


def _paths(name: str, version: str, folder: Path | None = None) -> tuple[Path, Path]:
    folder = folder or model_dir()
    stem = f"{name}-{version}"
    return folder / f"{stem}.joblib", folder / f"{stem}.json"


def _signature(header: dict) -> str:
    unsigned = {key: value for key, value in header.items() if key != "signature"}
    text = json.dumps(unsigned, sort_keys=True, ensure_ascii=True)
    return salted_hmac(_SALT, text, algorithm="sha256").hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def save(model: TrainedModel, *, version: str, details: dict, name: str = MODEL_NAME) -> dict:
    """Write the model and its signed header (each written whole, then put in place); the
    header as written."""
    folder = model_dir()
    folder.mkdir(parents=True, exist_ok=True)
    pickle_path, header_path = _paths(name, version, folder)
    _write_atomically(pickle_path, lambda path: joblib.dump(model, path, compress=3))
    header = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "name": name, "version": version,
        "scikit_learn": sklearn.__version__, "trained_at": timezone.now().isoformat(),
        "file": pickle_path.name, "sha256": _sha256(pickle_path), **details,
    }
    header["signature"] = _signature(header)
    _write_atomically(header_path, lambda path: Path(path).write_text(
        json.dumps(header, indent=2, ensure_ascii=False), encoding="utf-8"))
    _prune(name, folder)
    return header


def _write_atomically(target: Path, write) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _prune(name: str, folder: Path) -> None:
    """Keep the KEEP_VERSIONS newest versions of a model (suggestions name their version
    in words; they do not need its file)."""
    headers = sorted(_readable_headers(name, folder), key=lambda pair: pair[1].get(
        "trained_at", ""), reverse=True)
    for path, _header in headers[KEEP_VERSIONS:]:
        for old in (path, path.with_suffix(".joblib")):
            old.unlink(missing_ok=True)


def _readable_headers(name: str, folder: Path):
    for path in folder.glob(f"{name}-*.json"):
        try:
            header = _read_header(path)
        except ModelUnavailable:
            continue
        yield path, header


def _read_header(path: Path) -> dict:
    try:
        if path.stat().st_size > MAX_HEADER_BYTES:
            raise ValueError
        header = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ModelUnavailable(_("The model header %(file)s cannot be read: it is not a "
                                 "model file of OpenNMIRF. Run “nmirf assist train” again.")
                               % {"file": path.name}) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelUnavailable(_("%(file)s is not a model file of OpenNMIRF. Run “nmirf "
                                 "assist train” again.") % {"file": path.name})
    return header


def current_header_path(name: str = MODEL_NAME) -> Path:
    """The header of the newest model of `name` (by the time it was trained)."""
    folder = model_dir()
    found = sorted(_readable_headers(name, folder) if folder.is_dir() else [],
                   key=lambda pair: pair[1].get("trained_at", ""))
    if not found:
        raise ModelUnavailable(_("No trained model in %(folder)s: run “nmirf assist train” "
                                 "first.") % {"folder": folder})
    return found[-1][0]


def load(header_path: Path | None = None) -> LoadedModel:
    """The model a header describes (default: the current one), after every check that
    it is a file this installation wrote; ModelUnavailable otherwise."""
    header_path = Path(header_path) if header_path else current_header_path()
    if not header_path.is_file():
        raise ModelUnavailable(_("No model file %(file)s: run “nmirf assist train” first.")
                               % {"file": header_path})
    header = _read_header(header_path)
    _check_header(header, header_path.name)
    pickle_path = header_path.with_name(header["file"])
    if not pickle_path.is_file():
        raise ModelUnavailable(_("The model %(file)s is missing (only its header is there): "
                                 "run “nmirf assist train” again.") % {"file": pickle_path.name})
    if not constant_time_compare(_sha256(pickle_path), header["sha256"]):
        raise ModelUnavailable(_("The model %(file)s is corrupt (its checksum does not match "
                                 "its header): run “nmirf assist train” again.")
                               % {"file": pickle_path.name})
    try:
        model = joblib.load(pickle_path)
    except Exception:  # noqa: BLE001 - a signed, checksummed file that still fails to load
        raise ModelUnavailable(_("The model %(file)s cannot be read: run “nmirf assist "
                                 "train” again.") % {"file": pickle_path.name}) from None
    if not isinstance(model, TrainedModel):
        raise ModelUnavailable(_("%(file)s does not hold a suggestion model: run “nmirf "
                                 "assist train” again.") % {"file": pickle_path.name})
    return LoadedModel(header, model)


def _check_header(header: dict, file: str) -> None:
    if header.get("format_version") != FORMAT_VERSION:
        raise ModelUnavailable(_("%(file)s was written in model format %(found)s; this "
                                 "version of OpenNMIRF reads format %(expected)s. Run “nmirf "
                                 "assist train” again.") % {
            "file": file, "found": header.get("format_version"), "expected": FORMAT_VERSION})
    signature = header.get("signature")
    if not isinstance(signature, str) or not constant_time_compare(signature,
                                                                   _signature(header)):
        raise ModelUnavailable(_("%(file)s was not written by this installation (or its "
                                 "SECRET_KEY changed since): it is not read. Run “nmirf "
                                 "assist train” again.") % {"file": file})
    if header.get("scikit_learn") != sklearn.__version__:
        raise ModelUnavailable(_("%(file)s was trained with scikit-learn %(found)s; this "
                                 "installation has %(installed)s. Run “nmirf assist train” "
                                 "again.") % {"file": file, "found": header.get("scikit_learn"),
                                              "installed": sklearn.__version__})
    name, version, pickle_file = header.get("name"), header.get("version"), header.get("file")
    if not all(isinstance(value, str) and value for value in (name, version, pickle_file)) or \
            pickle_file != f"{name}-{version}.joblib":
        raise ModelUnavailable(_("%(file)s names no model file of its own: run “nmirf assist "
                                 "train” again.") % {"file": file})
