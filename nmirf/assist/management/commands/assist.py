"""`nmirf assist evaluate`: measure the suggestion models on UPR Info exports.

    nmirf assist evaluate --train FILE... --test FILE... [--json]
    nmirf assist evaluate --train FILE... --split-by-state 0.2 --seed 1 [--json]

Trains the plain baseline and the project's models on the training rows and prints their
figures on the test rows side by side (see assist/evaluation.py). With --split-by-state,
the --train files are split by state under review: every row of a state on one side. Bad
input (a missing file, a file that is not a UPR Info export, training data without labels,
an empty test set) stops the command with one line and a non-zero status; it writes
nothing anywhere.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from nmirf.assist.evaluation import evaluate
from nmirf.assist.examples import BadExamples, read_examples, split_by_state, states_of


class Command(BaseCommand):
    help = "Suggestion models: evaluate them on UPR Info exports."
    # Nothing here reads URLs or templates: the system checks would only cost time.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
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
        try:
            result = self._evaluate(options)
        except BadExamples as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(_summary(result))

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
