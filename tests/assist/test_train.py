"""`nmirf assist train`: the project's model learnt from the labelled recommendations of
the database (or from UPR Info exports) and written as a versioned model file with a
signed header; training data that teaches nothing refused with the reason; and a model
file that is missing, corrupt, edited, foreign, or from another scikit-learn or format
version refused before anything is unpickled."""

import json
import pickle
from pathlib import Path

import pytest
import sklearn
from django.conf import settings
from django.core.management import CommandError, call_command

from nmirf.assist import model_files
from nmirf.assist.model_files import ModelUnavailable
from nmirf.assist.models import Suggestion
from tests.assist.builders import STATES, issue, labelled_registry
from tests.assist.test_evaluate import export
from tests.recommendations.builders import make_rec, make_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    return labelled_registry()


def model_files_written() -> list[str]:
    folder = Path(settings.NMIRF_MODEL_DIR)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def header() -> dict:
    return json.loads(model_files.current_header_path().read_text())


# ── Training ────────────────────────────────────────────────────────────────────────────

def test_it_trains_on_the_database_and_writes_a_versioned_model_file(registry, capsys):
    call_command("assist", "train", "--no-progress")

    written = header()
    assert model_files_written() == [f"upr-info-{written['version']}.joblib",
                                     f"upr-info-{written['version']}.json"]
    assert written["name"] == "upr-info"
    assert len(written["version"]) == 12
    assert written["scikit_learn"] == sklearn.__version__
    assert written["source"] == "database"
    # Six states × six labelled texts, and Slovenia's one labelled recommendation.
    assert written["training_rows"] == len(STATES) * 6 + 1
    assert written["issues"] == sorted(["International instruments", "Disabilities",
                                        "Right to education", "Women's rights", "Poverty",
                                        "Torture and other CID treatment", "Labour",
                                        "Rights of the Child"])
    assert written["categories"] == [1, 2, 3, 4, 5]
    assert written["languages"] == ["en"]
    out = capsys.readouterr().out
    assert f"Model upr-info, version {written['version']}: trained on 37 rows" in out
    loaded = model_files.load()
    assert loaded.version == written["version"]


def test_the_same_rows_give_the_same_version_and_a_new_row_a_new_one(registry):
    call_command("assist", "train", "--no-progress")
    first = header()["version"]
    call_command("assist", "train", "--no-progress")
    assert header()["version"] == first
    assert len(model_files_written()) == 2
    make_rec(registry.review, "Ratify the Convention against Torture promptly.",
             action_category=5)
    call_command("assist", "train", "--no-progress")
    assert header()["version"] != first
    assert len(model_files_written()) == 4


def test_it_trains_from_upr_info_files(db, tmp_path, capsys):
    call_command("assist", "train", "--from-files", str(export(tmp_path / "upr.csv")),
                 "--no-progress")
    written = header()
    assert written["source"].startswith("files: ")
    assert written["training_rows"] == 48
    assert "Poverty" in written["issues"]


def test_it_refuses_a_database_without_labels(db):
    review = make_review("SVN", "UPR", session=34)
    make_rec(review, "Ratify the Convention against Torture.")
    with pytest.raises(CommandError, match="nothing to learn from: no recommendation has a "
                                           "UPR Info issue or an action category"):
        call_command("assist", "train", "--no-progress")
    assert model_files_written() == []


def test_it_refuses_a_single_class(db):
    review = make_review("SVN", "UPR", session=34)
    for number in range(4):
        make_rec(review, f"Ratify the Convention against Torture {number}.",
                 action_category=5,
                 terms=[issue("Torture and other CID treatment")])
    with pytest.raises(CommandError, match="Only one class to learn: Issues are not learnt: "
                                           "the data has 1 distinct"):
        call_command("assist", "train", "--no-progress")
    assert model_files_written() == []


def test_it_refuses_files_without_labels(db, tmp_path):
    path = export(tmp_path / "bare.csv", issues=False, categories=False)
    with pytest.raises(CommandError, match="nothing to learn from"):
        call_command("assist", "train", "--from-files", str(path), "--no-progress")
    assert model_files_written() == []


def test_it_keeps_the_model_outside_the_package():
    from nmirf import settings as project_settings

    assert project_settings.NMIRF_MODEL_DIR == project_settings.DATA_DIR / "models"
    assert "nmirf/assist" not in str(project_settings.NMIRF_MODEL_DIR)


# ── Loading: only what this installation wrote ──────────────────────────────────────────

@pytest.fixture
def trained(registry):
    call_command("assist", "train", "--no-progress")
    path = model_files.current_header_path()
    return path, path.with_suffix(".joblib")


def refused(match: str, path=None):
    with pytest.raises(ModelUnavailable, match=match):
        model_files.load(path)


def resign(path: Path, **changes) -> None:
    written = json.loads(path.read_text())
    written.update(changes)
    written["signature"] = model_files._signature(written)
    path.write_text(json.dumps(written))


def test_no_model_yet(db):
    refused("No trained model in .*: run “nmirf assist train” first")


def test_a_missing_model_file(trained):
    header_path, pickle_path = trained
    pickle_path.unlink()
    refused("The model upr-info-.*joblib is missing")


def test_a_corrupt_model_file(trained):
    header_path, pickle_path = trained
    data = bytearray(pickle_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pickle_path.write_bytes(bytes(data))
    refused("is corrupt \\(its checksum does not match its header\\)")


def test_an_unreadable_header(trained):
    header_path, _pickle = trained
    header_path.write_text("{not json")
    refused("No trained model", None)
    refused("cannot be read: it is not a model file of OpenNMIRF", header_path)


def test_a_header_edited_by_hand(trained):
    header_path, _pickle = trained
    written = json.loads(header_path.read_text())
    written["scikit_learn"] = sklearn.__version__ + ".1"
    header_path.write_text(json.dumps(written))
    refused("was not written by this installation")


def test_another_scikit_learn_version(trained):
    header_path, _pickle = trained
    resign(header_path, scikit_learn="0.24.2")
    refused(f"trained with scikit-learn 0.24.2; this installation has {sklearn.__version__}")


def test_another_format_version(trained):
    header_path, _pickle = trained
    resign(header_path, format_version=2)
    refused("written in model format 2; this version of OpenNMIRF reads format 1")


def test_a_foreign_pickle_is_never_unpickled(trained, tmp_path, settings):
    """A pickle that runs code when loaded, with a header that names it and its right
    checksum, but signed with another installation's key: refused, and never loaded."""
    header_path, pickle_path = trained
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    pickle_path.write_bytes(pickle.dumps(Payload()))
    written = json.loads(header_path.read_text())
    written["sha256"] = model_files._sha256(pickle_path)
    ours = settings.SECRET_KEY
    settings.SECRET_KEY = "another-installation-key-" + "x" * 40
    written["signature"] = model_files._signature(written)
    header_path.write_text(json.dumps(written))
    settings.SECRET_KEY = ours
    refused("was not written by this installation")
    assert not marker.exists()


def test_suggest_without_a_model_says_so_and_writes_nothing(registry):
    with pytest.raises(CommandError, match="No trained model .*run “nmirf assist train” "
                                           "first"):
        call_command("assist", "suggest", "--no-progress")
    assert not Suggestion.objects.exists()


def test_suggest_with_a_corrupt_model_says_so_and_writes_nothing(trained):
    _header, pickle_path = trained
    pickle_path.write_bytes(b"not a model")
    with pytest.raises(CommandError, match="is corrupt"):
        call_command("assist", "suggest", "--no-progress")
    assert not Suggestion.objects.exists()
