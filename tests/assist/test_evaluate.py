"""`nmirf assist evaluate`: the baseline and the project's models side by side on UPR Info
exports, split by state under review; every figure there and computed as defined; bad
input refused with one clear line, and nothing written."""

import json
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from nmirf.assist import classifiers, metrics
from nmirf.assist.classifiers import lead_words
from nmirf.assist.evaluation import evaluate
from nmirf.assist.examples import Example, read_examples, split_by_state
from tests.conftest import REPO, registry_snapshot

pytestmark = pytest.mark.django_db

HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
# (text, issues, category): each state below gets all of them, in its own words.
TEMPLATES = [
    ("Ratify the Convention against Torture and its Optional Protocol {n}",
     "International instruments,Torture and other CID treatment", 5),
    ("Consider ratifying the Convention on the Rights of Persons with Disabilities {n}",
     "International instruments,Disabilities", 3),
    ("Continue its efforts to improve access to education for girls {n}",
     "Right to education,Women's rights", 2),
    ("Take measures to combat violence against women and girls {n}",
     "Women's rights", 4),
    ("Strengthen the protection of children against child labour {n}",
     "Rights of the Child,Labour", 4),
    ("Share its experience in poverty reduction with other countries {n}",
     "Poverty", 1),
]
STATES = ["Slovenia", "Croatia", "Austria", "France", "Chile", "Ghana", "Nepal", "Peru"]
METRICS = {"issues": {"rows", "micro_f1", "macro_f1", "precision_at_3", "recall_at_3"},
           "category": {"rows", "accuracy", "macro_f1"}}


def csv_line(state: str, text: str, issues: str, category, session: int = 7) -> str:
    return f'{state},EEG,EU,"{text}",Brazil,GRULAC,OAS,Accepted,{category},"{issues}",{session}'


def export(path, states=STATES, *, issues: bool = True, categories: bool = True):
    lines = [HEADER]
    for number, state in enumerate(states):
        for text, labels, category in TEMPLATES:
            lines.append(csv_line(state, text.format(n=f"in {state} ({number})"),
                                  labels if issues else "", category if categories else ""))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def export_file(tmp_path):
    return export(tmp_path / "upr.csv")


def evaluate_json(capsys, *args) -> dict:
    call_command("assist", "evaluate", *args, "--json")
    return json.loads(capsys.readouterr().out)


# ── The figures ─────────────────────────────────────────────────────────────────────────


def test_the_json_has_every_figure_for_the_baseline_and_the_model(export_file, capsys):
    result = evaluate_json(capsys, "--train", str(export_file), "--split-by-state", "0.25",
                           "--seed", "3")
    assert result["train_rows"] + result["test_rows"] == len(STATES) * len(TEMPLATES)
    assert result["test_states"] == 2 and result["train_states"] == 6
    assert result["states_in_both"] == 0
    assert result["split"] == {"by_state": 0.25, "seed": 3}
    assert result["test_languages"] == {"en": result["test_rows"]}
    assert set(result["models"]) == {"baseline", "model"}
    for figures in result["models"].values():
        for task, names in METRICS.items():
            assert set(figures[task]) == names
            assert all(0 <= figures[task][name] <= 1 for name in names - {"rows"})
        assert figures["description"]["issues"] and figures["description"]["category"]
    # Texts this regular are learnt by the project's model whatever the state.
    model = result["models"]["model"]
    assert model["category"]["accuracy"] == 1.0
    assert model["issues"]["micro_f1"] == 1.0


def test_it_is_deterministic(export_file, capsys):
    args = ("--train", str(export_file), "--split-by-state", "0.4", "--seed", "1")
    first, second = evaluate_json(capsys, *args), evaluate_json(capsys, *args)
    for result in (first, second):
        for figures in result["models"].values():
            del figures["train_seconds"], figures["predict_seconds"]
    assert first == second


def test_train_and_test_files_are_taken_as_given(tmp_path, capsys):
    train = export(tmp_path / "train.csv", STATES[:6])
    test = export(tmp_path / "test.csv", STATES[6:])
    result = evaluate_json(capsys, "--train", str(train), "--test", str(test))
    assert (result["train_rows"], result["test_rows"]) == (36, 12)
    assert result["split"] == "files" and result["states_in_both"] == 0
    assert "Warning" not in capsys.readouterr().err


def test_a_state_in_both_files_is_evaluated_with_a_warning(tmp_path, capsys):
    train = export(tmp_path / "train.csv", STATES[:6])
    test = export(tmp_path / "test.csv", STATES[5:])
    call_command("assist", "evaluate", "--train", str(train), "--test", str(test), "--json")
    captured = capsys.readouterr()
    assert json.loads(captured.out)["states_in_both"] == 1
    assert "1 states under review are in both" in captured.err


def test_without_json_it_prints_a_line_per_model(export_file, capsys):
    call_command("assist", "evaluate", "--train", str(export_file), "--split-by-state", "0.25")
    out = capsys.readouterr().out
    assert "tested on 12 rows (2 states)" in out
    assert out.count("issues micro-F1") == 2 and "category accuracy" in out


def test_several_languages_get_figures_of_their_own(tmp_path):
    examples = read_examples([export(tmp_path / "upr.csv")]).examples
    train, test = split_by_state(examples, 0.25, 0)
    test = [replace(example, language="fr" if number % 2 else "en")
            for number, example in enumerate(test)]
    result = evaluate(train, test)
    assert result["test_languages"] == {"en": 6, "fr": 6}
    for figures in result["models"].values():
        assert set(figures["by_language"]) == {"en", "fr"}
        for language in ("en", "fr"):
            assert figures["by_language"][language]["issues"]["rows"] == 6
            assert set(figures["by_language"][language]["category"]) == METRICS["category"]


def test_the_metrics_against_hand_computed_values():
    truth = [{"a", "b"}, {"a"}, {"c"}]
    predicted = [{"a"}, {"a", "c"}, set()]
    # a: tp 2, fp 0, fn 0 -> F1 1; b: tp 0, fn 1 -> 0; c: tp 0, fp 1, fn 1 -> 0.
    # Pooled: tp 2, fp 1, fn 2 -> 2*2 / (2*2 + 1 + 2) = 4/7.
    assert metrics.micro_f1(truth, predicted) == pytest.approx(4 / 7)
    assert metrics.macro_f1(truth, predicted) == pytest.approx(1 / 3)
    # A label only predicted ("d") is not averaged over: the truth never has it.
    assert metrics.macro_f1(truth, [{"a", "d"}, {"a"}, set()]) == pytest.approx(1 / 3)
    ranked = [["a", "c", "b"], ["c", "d", "e"], ["c", "a", "b"]]
    # Right among the first 3: 2 of 3, 0 of 3, 1 of 3.
    assert metrics.precision_at(3, truth, ranked) == pytest.approx((2 / 3 + 0 + 1 / 3) / 3)
    # Of each row's true labels: 2 of 2, 0 of 1, 1 of 1.
    assert metrics.recall_at(3, truth, ranked) == pytest.approx(2 / 3)
    assert metrics.recall_at(1, truth, ranked) == pytest.approx((1 / 2 + 0 + 1) / 3)
    assert metrics.accuracy([1, 2, 2, 5], [1, 2, 5, 5]) == 0.75
    # 1: F1 1; 2: tp 1, fn 1 -> 2/3; 5: tp 1, fp 1 -> 2/3.
    assert metrics.single_label_macro_f1([1, 2, 2, 5], [1, 2, 5, 5]) == pytest.approx(
        (1 + 2 / 3 + 2 / 3) / 3)


def test_each_issues_threshold_is_the_cut_with_the_best_f1_on_the_tuning_rows(monkeypatch):
    monkeypatch.setattr(classifiers, "TUNING_POSITIVES", 2)
    scores = np.array([[0.9, 0.1], [0.4, 0.2], [0.3, 0.3], [-0.5, 0.4], [-0.6, 0.5]])
    targets = np.array([[1, 0], [1, 0], [0, 1], [0, 0], [0, 0]])
    thresholds = classifiers._tuned_thresholds(scores, targets)
    # Issue 0: keeping the two best scores gets both positives and nothing else.
    assert 0.3 < thresholds[0] < 0.4
    # Issue 1 has one positive, too few to tune: the classifier's own margin.
    assert thresholds[1] == 0


def test_lead_words_name_the_opening_of_a_text():
    assert lead_words("Consider ratifying the Convention") == (
        "lead1_consider lead2_consider_ratifying lead3_consider_ratifying_the")
    assert lead_words("") == ""


# ── The split ───────────────────────────────────────────────────────────────────────────


def test_the_split_never_puts_a_state_on_both_sides(export_file):
    examples = read_examples([export_file]).examples
    for seed in range(10):
        for fraction in (0.1, 0.3, 0.5, 0.9):
            train, test = split_by_state(examples, fraction, seed)
            assert train and test
            assert not {e.state for e in train} & {e.state for e in test}
            assert len(train) + len(test) == len(examples)


def test_the_split_holds_out_the_fraction_of_states_the_seed_draws(export_file):
    examples = read_examples([export_file]).examples
    _train, test = split_by_state(examples, 0.25, 0)
    assert len({e.state for e in test}) == 2
    assert split_by_state(examples, 0.25, 0) == split_by_state(examples, 0.25, 0)
    held_out = {frozenset(e.state for e in split_by_state(examples, 0.25, seed)[1])
                for seed in range(10)}
    assert len(held_out) > 1


def test_rows_of_one_state_in_several_files_stay_together(tmp_path):
    first = export(tmp_path / "a.csv", ["Slovenia", "Chile"])
    second = export(tmp_path / "b.csv", ["Slovenia", "Ghana", "Nepal"])
    examples = read_examples([first, second]).examples
    for seed in range(10):
        train, test = split_by_state(examples, 0.5, seed)
        slovenia = [e for e in examples if e.state == "slovenia"]
        assert all(e in train for e in slovenia) or all(e in test for e in slovenia)


def test_it_reads_issues_and_categories_as_the_import_does(export_file):
    example = read_examples([export_file]).examples[1]
    assert example == Example(
        state="slovenia",
        text="Consider ratifying the Convention on the Rights of Persons with Disabilities "
             "in Slovenia (0)",
        issues=frozenset({"International instruments", "Disabilities"}), category=3,
        language="en")


# ── Bad input ───────────────────────────────────────────────────────────────────────────


def refused(tmp_path, *args) -> str:
    before_db, before_files = registry_snapshot(), sorted(tmp_path.rglob("*"))
    with pytest.raises(CommandError) as error:
        call_command("assist", "evaluate", *args, "--json")
    assert registry_snapshot() == before_db
    assert sorted(tmp_path.rglob("*")) == before_files
    return str(error.value)


def test_it_refuses_a_missing_file(tmp_path, export_file):
    assert refused(tmp_path, "--train", str(export_file), "--test",
                   str(tmp_path / "nowhere.csv")) == f"{tmp_path / 'nowhere.csv'}: no such file."


@pytest.mark.parametrize(("content", "expected"), [
    (b"a,b,c\n1,2,3\n", "upr.csv is not a UPR Info export: missing the columns To, Text"),
    (b"%PDF-1.4\n\x00\x01", "upr.csv is a PDF document, not a CSV file"),
    (b"", "upr.csv is empty."),
])
def test_it_refuses_a_file_that_is_not_a_upr_info_export(tmp_path, content, expected):
    path = tmp_path / "upr.csv"
    path.write_bytes(content)
    assert expected in refused(tmp_path, "--train", str(path), "--split-by-state", "0.2")


def test_it_refuses_training_data_without_labels(tmp_path):
    path = export(tmp_path / "upr.csv", issues=False, categories=False)
    assert refused(tmp_path, "--train", str(path), "--split-by-state", "0.25") == (
        "The training data has no labels: no row has a UPR Info issue or an action category.")
    path = export(tmp_path / "issues.csv", categories=False)
    assert refused(tmp_path, "--train", str(path), "--split-by-state", "0.25") == (
        "The training data needs rows of at least two action categories.")


def test_it_refuses_an_empty_test_set(tmp_path, export_file):
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER + "\n")
    assert refused(tmp_path, "--train", str(export_file), "--test", str(empty)) == (
        "The test set is empty: no row to evaluate on.")


def test_it_refuses_a_split_it_cannot_make(tmp_path):
    one_state = export(tmp_path / "one.csv", ["Slovenia"])
    assert "at least two states under review" in refused(
        tmp_path, "--train", str(one_state), "--split-by-state", "0.5")
    assert "between 0 and 1, not 1.5" in refused(
        tmp_path, "--train", str(one_state), "--split-by-state", "1.5")


def test_the_command_line_exits_non_zero_with_one_line(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings",
           "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "nmirf.cli", "assist", "evaluate", "--train",
         str(tmp_path / "nowhere.csv"), "--split-by-state", "0.2"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"CommandError: {tmp_path / 'nowhere.csv'}: no such file."]
