"""The demo's suggestions (`nmirf load_demo`): the model trained on the demo's labelled
recommendations (the UPR Info rows carry issues and action categories), then suggestions
for the demo recommendations that lack them (the OHCHR matrices' cycle 3 and 4), waiting
for the coordinator. A second run trains the same version again (same rows, same
version) and refreshes the pending suggestions; decided ones stay decided."""

from pathlib import Path

from nmirf.recommendations.models import Recommendation

from . import model_files, suggesting, training
from .examples import BadExamples, read_examples


def load_suggestions(demo_csv: Path) -> tuple[dict, suggesting.Outcome]:
    """(the model's header, what was suggested). Trained on the database's labelled rows;
    on the shipped UPR Info file's where those cannot teach (BadExamples otherwise)."""
    try:
        header = training.train(training.examples_from_database(), source="database").header
    except BadExamples:
        header = training.train(read_examples([demo_csv]).examples,
                                source=f"files: {demo_csv.name}").header
    loaded = model_files.load()
    outcome = suggesting.suggest(Recommendation.objects.active(), loaded)
    return header, outcome
