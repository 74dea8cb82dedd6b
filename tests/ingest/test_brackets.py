"""Recommending states in brackets, as UN documents write them (ingest/brackets.py)."""

import pytest

from nmirf.ingest.brackets import clustered_parts, split_recommendation


def test_a_recommendation_loses_its_trailing_states():
    assert split_recommendation("Ratify the OP-CAT (France, Portugal).") == (
        "Ratify the OP-CAT", ["France", "Portugal"])


def test_a_clustered_paragraph_is_read_into_its_parts_with_their_states():
    text, states = split_recommendation(
        "Ratify ICCPR (Albania); Ratify ICCPR and CPED (Chile); Timely ratify the ICCPR "
        "(Japan)")
    assert states == ["Albania", "Chile", "Japan"]
    assert clustered_parts(text) == [
        ("Ratify ICCPR", ["Albania"]), ("Ratify ICCPR and CPED", ["Chile"]),
        ("Timely ratify the ICCPR", [])]  # its bracket cut off: the paragraph's others


@pytest.mark.parametrize("text", [
    "Ratify the OP-CAT",
    "Ratify the OP-CAT (signed in 2005) and the CED",  # a bracket that names no state
    "Strengthen the Ombudsman (Human Rights Defender); and its budget",
])
def test_a_text_of_one_recommendation_has_no_parts(text):
    assert clustered_parts(text) == []
