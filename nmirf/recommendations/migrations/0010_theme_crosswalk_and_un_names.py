"""The theme crosswalk (old UHRI codes onto today's themes) and the UN's names of states.

- ThemeCrosswalk, seeded from seed/uhri_theme_crosswalk.csv, and the recommendations
  already labelled with an old term moved to today's (seeding.apply_crosswalk), the old
  label kept on their source records (SourceRecord.original_terms);
- State.name from pycountry's English name to the UN's short name ("Viet Nam",
  "Democratic People's Republic of Korea"), unless an administrator renamed the state
  (reference_updates.Change), and the UN names added as aliases, so that imports still
  resolve them."""

import django.db.models.deletion
from django.db import migrations, models

from nmirf.recommendations.reference_updates import Change, reference_update

# (ISO3, the name seeded before, from pycountry; the UN's short name).
STATE_NAMES = (
    ('BOL', 'Bolivia', 'Bolivia (Plurinational State of)'),
    ('COD', 'Congo, The Democratic Republic of the', 'Democratic Republic of the Congo'),
    ('FLK', 'Falkland Islands (Malvinas)', 'Falkland Islands'),
    ('FSM', 'Micronesia, Federated States of', 'Micronesia (Federated States of)'),
    ('GBR', 'United Kingdom', 'United Kingdom of Great Britain and Northern Ireland'),
    ('HKG', 'Hong Kong', 'China, Hong Kong Special Administrative Region'),
    ('IRN', 'Iran', 'Iran (Islamic Republic of)'),
    ('KOR', 'South Korea', 'Republic of Korea'),
    ('LAO', 'Laos', "Lao People's Democratic Republic"),
    ('MAF', 'Saint Martin (French part)', 'Saint Martin'),
    ('MDA', 'Moldova', 'Republic of Moldova'),
    ('NLD', 'Netherlands', 'Netherlands (Kingdom of the)'),
    ('PRK', 'North Korea', "Democratic People's Republic of Korea"),
    ('PSE', 'Palestine, State of', 'State of Palestine'),
    ('SHN', 'Saint Helena, Ascension and Tristan da Cunha', 'Saint Helena'),
    ('SJM', 'Svalbard and Jan Mayen', 'Svalbard and Jan Mayen Islands'),
    ('SXM', 'Sint Maarten (Dutch part)', 'Sint Maarten'),
    ('SYR', 'Syria', 'Syrian Arab Republic'),
    ('TWN', 'Taiwan', 'Taiwan (Province of China)'),
    ('TZA', 'Tanzania', 'United Republic of Tanzania'),
    ('USA', 'United States', 'United States of America'),
    ('VAT', 'Holy See (Vatican City State)', 'Holy See'),
    ('VEN', 'Venezuela', 'Venezuela (Bolivarian Republic of)'),
    ('VGB', 'Virgin Islands, British', 'British Virgin Islands'),
    ('VIR', 'Virgin Islands, U.S.', 'United States Virgin Islands'),
    ('VNM', 'Vietnam', 'Viet Nam'),
    ('WLF', 'Wallis and Futuna', 'Wallis and Futuna Islands'),
)


def crosswalk(apps, schema_editor):
    from nmirf.recommendations.seeding import _Seeder, apply_crosswalk

    using = schema_editor.connection.alias
    seeder = _Seeder(apps, using)
    seeder.states()  # creates the missing aliases: the UN names
    seeder.crosswalk()
    apply_crosswalk(apps, using)


class Migration(migrations.Migration):

    dependencies = [
        ("recommendations", "0009_registry_change_parts"),
    ]

    operations = [
        # ALTER TABLE … ADD COLUMN on both databases: Django would rebuild the SQLite table
        # for a NOT NULL column, which brings back the AUTOINCREMENT that migration 0003
        # removed (tests/recommendations/test_schema.py) and drops any trigger on it.
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(
                "ALTER TABLE recommendations_sourcerecord "
                "ADD COLUMN original_terms text NOT NULL DEFAULT ''",
                "ALTER TABLE recommendations_sourcerecord DROP COLUMN original_terms",
            )],
            state_operations=[migrations.AddField(
                model_name="sourcerecord",
                name="original_terms",
                field=models.TextField(blank=True, default="",
                                       verbose_name="terms as the source gave them"),
            )],
        ),
        migrations.CreateModel(
            name="ThemeCrosswalk",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                ("old_term", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, related_name="crosswalk",
                    to="recommendations.term", verbose_name="old term")),
                ("term", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="crosswalked_from", to="recommendations.term",
                    verbose_name="today's term")),
            ],
            options={
                "verbose_name": "theme crosswalk row",
                "verbose_name_plural": "theme crosswalk",
                "ordering": ["old_term__taxonomy", "old_term__code"],
            },
        ),
        # Moving links cannot be undone link by link: going back leaves them where they are.
        migrations.RunPython(crosswalk, migrations.RunPython.noop),
        reference_update(*(Change("State", {"iso3": iso3}, "name", shipped=shipped, new=new)
                           for iso3, shipped, new in STATE_NAMES)),
    ]
