"""The export benchmark's baseline: a plain standard-library script that writes the same
rows as `nmirf export --format csv` — every active recommendation, in the list's default
order (newest review first), with its review, state, mechanism, document, paragraph, text,
language, position, action category, recommending states, the labels of each taxonomy,
its sources and its implementation status — with `csv.writer`, from one SQL statement on
the same SQLite file. No Django, no permissions, no neutralising, no translation: the
floor that the product's whole command is compared with.

    python benchmarks/baseline_export.py DATABASE.sqlite3 OUTPUT.csv
"""

import csv
import sqlite3
import sys


def main(database: str, output: str) -> int:
    connection = sqlite3.connect(database)
    taxonomies = [row[0] for row in connection.execute(
        "SELECT id FROM recommendations_taxonomy ORDER BY sort, name")]
    label_columns = "".join(
        f""", (SELECT group_concat(CASE WHEN t.code = t.name THEN t.name
                                    ELSE t.code || ' ' || t.name END, '; ')
             FROM recommendations_recommendationterm rt
             JOIN recommendations_term t ON t.id = rt.term_id
             WHERE rt.recommendation_id = r.id AND t.taxonomy_id = {pk})"""
        for pk in taxonomies)
    sql = f"""
        SELECT r.id, m.code, s.name, s.iso3, rv.label, rv.cycle, rv.session, rv.date,
               d.symbol, r.paragraph, r.text, r.language, r.position, r.action_category,
               (SELECT group_concat(rs_state.name, '; ')
                  FROM recommendations_recommendingstate rs
                  JOIN recommendations_state rs_state ON rs_state.id = rs.state_id
                 WHERE rs.recommendation_id = r.id) {label_columns},
               (SELECT group_concat(sr.source || ': ' || sr.location, '; ')
                  FROM recommendations_sourcerecord sr WHERE sr.recommendation_id = r.id),
               r.possible_duplicate_of_id,
               coalesce(st.status, 'not_started')
          FROM recommendations_recommendation r
          JOIN recommendations_review rv ON rv.id = r.review_id
          JOIN recommendations_state s ON s.id = rv.state_id
          JOIN recommendations_mechanism m ON m.id = rv.mechanism_id
          LEFT JOIN recommendations_document d ON d.id = r.document_id
          LEFT JOIN tracking_recommendationstatus st ON st.recommendation_id = r.id
         WHERE NOT r.archived
         ORDER BY rv.session IS NULL, rv.session DESC, rv.date IS NULL, rv.date DESC,
                  rv.id, r.id
    """
    with open(output, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "mechanism", "state", "iso3", "review", "cycle", "session",
                         "date", "document", "paragraph", "text", "language", "position",
                         "action_category", "recommending", *map(str, taxonomies),
                         "sources", "duplicate_of", "status"])
        cursor = connection.execute(sql)
        while rows := cursor.fetchmany(2000):
            writer.writerows(rows)
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
