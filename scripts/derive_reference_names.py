"""Rederive two seed files from their upstream data (see nmirf/recommendations/seed/SOURCES.md):

    python scripts/derive_reference_names.py states PATH/TO/hdx_python_country-*.whl
    python scripts/derive_reference_names.py sdg PATH/TO/open-sdg-yaml-folder

`states` writes seed/state_names_un.csv from the countries table that the PyPI package
hdx-python-country ships (`pip download hdx-python-country --no-deps`); `sdg` writes
seed/sdg_goals_translations.csv and sdg_targets_translations.csv from the open-sdg
global_goals / global_targets YAML files (named open-sdg_<lang>_global_<kind>.yml, as in
the shared data). Neither needs anything beyond the standard library."""

import csv
import io
import re
import sys
import zipfile
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "nmirf" / "recommendations" / "seed"
UN_LANGUAGES = (("ar", "Arabic"), ("zh", "Chinese"), ("en", "English"), ("fr", "French"),
                ("ru", "Russian"), ("es", "Spanish"))
SDG_LANGUAGES = {"ar": "ar", "es": "es", "fr": "fr", "ru": "ru", "zh": "zh-Hans"}
TATWEEL = "\u0640"  # stretches Arabic words for justification in the UN PDFs
# Rows of the upstream table that are not the UN's short names, with the UN Terminology
# Database's (UNTERM) names instead: the table gives Nauru's own name, "Naoero".
CORRECTIONS = {
    "NRU": {"ar": "ناورو", "zh": "瑙鲁", "en": "Nauru", "fr": "Nauru", "ru": "Науру",
            "es": "Nauru"},
}


def states(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith("C&T Taxonomy.csv"))
        text = archive.read(name).decode("utf-8")
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        iso3 = row["ISO 3166-1 Alpha 3-Codes"].strip()
        if len(iso3) != 3 or row["Deprecated"].strip() == "Y":
            continue
        names = {"iso3": iso3}
        for code, word in UN_LANGUAGES:
            names[code] = row[f"{word} Short"].strip() or row[f"M49 {word}"].strip()
        names["en"] = names["en"] or row["Preferred Term"].strip()
        names.update(CORRECTIONS.get(iso3, {}))
        rows.append(names)
    _write("state_names_un.csv", ["iso3", *(code for code, _ in UN_LANGUAGES)],
           sorted(rows, key=lambda row: row["iso3"]))


def _yaml_map(path: Path) -> dict[str, str]:
    """A flat YAML map of scalars (the open-sdg translation files), folded lines joined."""
    entries: dict[str, list[str]] = {}
    key = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            key, _, rest = line.partition(": ")
            entries[key.strip()] = [rest]
        elif key:
            entries[key].append(line.strip())
    out = {}
    for key, parts in entries.items():
        raw = " ".join(part for part in parts if part).strip()
        if len(raw) > 1 and raw[0] == raw[-1] == "'":
            raw = raw[1:-1].replace("''", "'")
        elif len(raw) > 1 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1]
        out[key] = re.sub(r"\s+", " ", raw.replace(TATWEEL, "")).strip()
    return out


def sdg(folder: Path) -> None:
    goals, targets = [], []
    for language, name in SDG_LANGUAGES.items():
        goal_names = _yaml_map(folder / f"open-sdg_{name}_global_goals.yml")
        for n in range(1, 18):
            goals.append({"goal": n, "language": language, "short": goal_names[f"{n}-short"],
                          "title": goal_names[f"{n}-title"]})
        for key, title in _yaml_map(folder / f"open-sdg_{name}_global_targets.yml").items():
            targets.append({"target": key.removesuffix("-title").replace("-", "."),
                            "language": language, "title": title})
    _write("sdg_goals_translations.csv", ["goal", "language", "short", "title"], goals)
    _write("sdg_targets_translations.csv", ["target", "language", "title"], targets)


def _write(name: str, fields: list[str], rows: list[dict]) -> None:
    with (SEED / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in {"states", "sdg"}:
        sys.exit(__doc__)
    {"states": states, "sdg": sdg}[sys.argv[1]](Path(sys.argv[2]))
