"""`nmirf assist`: train the suggestion model, suggest labels, measure the models.

    nmirf assist train [--from-files FILE...]
    nmirf assist suggest [--query 'list-page-query-string'] [--also-labelled]
    nmirf assist evaluate --train FILE... --test FILE... [--json]
    nmirf assist evaluate --train FILE... --split-by-state 0.2 --seed 1 [--json]

`train` learns UPR Info issues and action categories from the labelled recommendations
of the database (or from UPR Info exports) and writes a versioned model file
(assist/training.py, model_files.py). `suggest` stores the current model's suggestions
for the recommendations of a list (the list page's query string, as `nmirf export
--query` takes it) for a person to accept or reject (assist/suggesting.py).

Trains the plain baseline and the project's models on the training rows and prints their
figures on the test rows side by side (see assist/evaluation.py). With --split-by-state,
the --train files are split by state under review: every row of a state on one side. Bad
input (a missing file, a file that is not a UPR Info export, training data without labels,
an empty test set) stops the command with one line and a non-zero status; it writes
nothing anywhere.
"""

import argparse
import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from nmirf.assist import model_files, suggesting, training
from nmirf.assist.evaluation import evaluate
from nmirf.assist.examples import BadExamples, read_examples, split_by_state, states_of
from nmirf.recommendations.exports import ExportRefused, checked_filterset


class Command(BaseCommand):
    help = ("Suggestion models: train the model, suggest labels for a list of "
            "recommendations, evaluate the models on UPR Info exports.")
    # Nothing here reads URLs or templates: the system checks would only cost time.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        train_parser = sub.add_parser(
            "train", help="train the model on the labelled recommendations of the database "
                          "(or on UPR Info exports) and write a versioned model file")
        train_parser.add_argument("--from-files", nargs="+", metavar="FILE",
                                  help="UPR Info exports (CSV) to train on instead of the "
                                       "database")
        suggest_parser = sub.add_parser(
            "suggest", help="store the current model's suggestions for the recommendations "
                            "of a list, for a person to accept or reject")
        suggest_parser.add_argument("--query", default="", metavar="QUERY",
                                    help="the list page's query string, e.g. "
                                         "'state=SVN&session=48' (default: every active "
                                         "recommendation)")
        suggest_parser.add_argument("--also-labelled", action="store_true",
                                    help="also suggest issues for recommendations that have "
                                         "some already")
        suggest_parser.add_argument("--model", metavar="HEADER",
                                    help="a model's header file (.json) instead of the "
                                         "current model")
        for each in (train_parser, suggest_parser):
            each.add_argument("--progress", action=argparse.BooleanOptionalAction,
                              default=None, help="show a progress bar (default: when "
                                                 "standard error is a terminal)")
        evaluate_parser = sub.add_parser(
            "evaluate", help="train the baseline and the project's models on UPR Info "
                             "exports and compare them on held-out states")
        evaluate_parser.add_argument("--train", nargs="+", required=True, metavar="FILE",
                                     help="UPR Info exports (CSV) to train on")
        held_out = evaluate_parser.add_mutually_exclusive_group(required=True)
        held_out.add_argument("--test", nargs="+", metavar="FILE",
                              help="UPR Info exports (CSV) to evaluate on")
        held_out.add_argument("--split-by-state", type=float, metavar="FRACTION",
                              help="evaluate on this fraction of the --train files' states "
                                   "under review, trained on the others")
        evaluate_parser.add_argument("--seed", type=int, default=0,
                                     help="which states --split-by-state holds out "
                                          "(default 0)")
        evaluate_parser.add_argument("--json", action="store_true",
                                     help="print the figures as JSON")

    def handle(self, *args, **options):
        if options["action"] == "train":
            return self._train(options)
        if options["action"] == "suggest":
            return self._suggest(options)
        try:
            result = self._evaluate(options)
        except BadExamples as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(_summary(result))

    def _bar(self, options, **kwargs):
        enabled = sys.stderr.isatty() if options["progress"] is None else options["progress"]
        return tqdm(file=sys.stderr, disable=not enabled, leave=True, **kwargs)

    def _train(self, options) -> None:
        steps = {"issues": _("learning issues"), "category": _("learning action categories"),
                 "saving": _("writing the model file")}
        with self._bar(options, total=len(steps) + 1, desc=_("reading"), unit="step") as bar:
            def progress(step):
                bar.update(1)
                bar.set_description(str(steps.get(step, step)))

            try:
                if options["from_files"]:
                    read = read_examples(options["from_files"])
                    examples, source = read.examples, "files: " + ", ".join(
                        options["from_files"])
                else:
                    examples, source = training.examples_from_database(), "database"
                trained = training.train(examples, source=source, progress=progress)
            except BadExamples as error:
                raise CommandError(str(error)) from None
            bar.update(bar.total - bar.n)
        header = trained.header
        for note in trained.notes:
            self.stderr.write(note)
        self.stdout.write(_(
            "Model %(name)s, version %(version)s: trained on %(rows)s rows (%(issues)s "
            "issues, %(categories)s action categories) in %(seconds).1f s; written to "
            "%(file)s.") % {
            "name": header["name"], "version": header["version"],
            "rows": header["training_rows"], "issues": len(header["issues"]),
            "categories": len(header["categories"]), "seconds": trained.seconds,
            "file": model_files.model_dir() / header["file"]})

    def _suggest(self, options) -> None:
        try:
            loaded = model_files.load(options["model"])
            filterset = checked_filterset(None, options["query"])
        except (model_files.ModelUnavailable, ExportRefused) as error:
            raise CommandError(str(error)) from None
        selection = filterset.filtered()
        started = time.perf_counter()
        with self._bar(options, total=selection.count(), desc=_("suggesting"),
                       unit="rec") as bar:
            def progress(done, total):
                bar.n = done
                bar.refresh()

            outcome = suggesting.suggest(selection, loaded,
                                         also_labelled=options["also_labelled"],
                                         progress=progress)
        self.stdout.write(_(
            "%(issues)s issue and %(categories)s action-category suggestions for "
            "%(count)s recommendations, by model %(name)s version %(version)s, in "
            "%(seconds).1f s.") % {
            "issues": outcome.issues, "categories": outcome.categories,
            "count": outcome.recommendations, "name": loaded.name,
            "version": loaded.version, "seconds": time.perf_counter() - started})
        if outcome.without_text:
            self.stderr.write(_("%(count)s recommendations have no text: nothing to suggest.")
                              % {"count": outcome.without_text})
        for language, count in sorted(outcome.other_language.items()):
            self.stderr.write(_("%(count)s recommendations in “%(language)s” were skipped: "
                                "the model was trained on %(languages)s only.") % {
                "count": count, "language": language or "?",
                "languages": ", ".join(loaded.header.get("languages", []))})
        if outcome.unknown_issues:
            self.stderr.write(_("Issues the model knows but the database does not (not "
                                "suggested): %(issues)s.") % {
                "issues": ", ".join(sorted(outcome.unknown_issues)[:10])})

    def _evaluate(self, options) -> dict:
        read = read_examples(options["train"])
        skipped = read.skipped
        if options["test"]:
            train = read.examples
            test_read = read_examples(options["test"])
            test, skipped = test_read.examples, skipped + test_read.skipped
            shared = states_of(train) & states_of(test)
            if shared:
                # Allowed (a person may mean it), but the figures then flatter the models.
                self.stderr.write(_("Warning: %(count)s states under review are in both the "
                                    "training and the test files; the figures will be higher "
                                    "than on states never seen.") % {"count": len(shared)})
        else:
            train, test = split_by_state(read.examples, options["split_by_state"],
                                         options["seed"])
        result = evaluate(train, test, skipped=skipped)
        result["split"] = ({"by_state": options["split_by_state"], "seed": options["seed"]}
                           if options["split_by_state"] is not None else "files")
        return result


def _summary(result: dict) -> str:
    lines = [_("Trained on %(train)s rows (%(train_states)s states), tested on %(test)s rows "
               "(%(test_states)s states).") % {
        "train": result["train_rows"], "train_states": result["train_states"],
        "test": result["test_rows"], "test_states": result["test_states"]}]
    for name, figures in result["models"].items():
        issues, category = figures["issues"], figures["category"]
        lines.append(
            f"{name:9} issues micro-F1 {issues['micro_f1']:.3f} macro-F1 "
            f"{issues['macro_f1']:.3f} P@3 {issues['precision_at_3']:.3f} R@3 "
            f"{issues['recall_at_3']:.3f} | category accuracy {category['accuracy']:.3f} "
            f"macro-F1 {category['macro_f1']:.3f}")
    return "\n".join(lines)
