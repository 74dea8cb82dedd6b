"""The words a search matched, marked in the results: folded as the index folds them,
close to what the index stems, never marking what the query leaves out, and never letting
a text's own markup through."""

from nmirf.core.search import highlight, parse_query


def marked(text: str, query: str) -> str:
    return str(highlight(text, parse_query(query).words))


def test_it_marks_the_words_of_the_query_and_their_forms():
    assert marked("Ensure education and educational programmes for children", "education") \
        == ("Ensure <mark>education</mark> and <mark>educational</mark> programmes for "
            "children")
    assert marked("Protect the rights of the child", "children rights") \
        == "Protect the <mark>rights</mark> of the <mark>child</mark>"


def test_it_folds_case_accents_and_arabic_forms_as_the_index_does():
    assert marked("Garantir l'Éducation des enfants", "education") \
        == "Garantir l&#x27;<mark>Éducation</mark> des enfants"
    assert marked("ضمان الحق في التعليم", "تعليم") == "ضمان الحق في <mark>التعليم</mark>"


def test_short_words_are_marked_only_whole():
    assert marked("Roma and Romania", "roma") == "<mark>Roma</mark> and Romania"


def test_it_marks_phrases_and_alternatives_but_not_what_is_left_out():
    assert marked("Abolish the death penalty; protect children", '"death penalty" -children') \
        == "Abolish the <mark>death</mark> <mark>penalty</mark>; protect children"
    assert marked("torture or detention", "torture or detention") \
        == "<mark>torture</mark> or <mark>detention</mark>"


def test_a_texts_own_markup_is_escaped():
    assert marked('<script>alert("x")</script> torture', "torture") == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>torture</mark>")
    assert marked("<b>bold</b>", "") == "&lt;b&gt;bold&lt;/b&gt;"
