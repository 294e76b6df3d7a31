"""Text normalisation: site chrome out, article text kept, offsets stable."""

from __future__ import annotations

from pipeline.documents.normalise import normalise_text


def test_summary_widget_lines_are_removed():
    raw = "Headline\n\nNo time to read?\nGet a summary\n\nThe minister spoke on Monday."
    assert normalise_text(raw) == "Headline\n\nThe minister spoke on Monday."


def test_previous_and_next_teasers_are_removed_with_their_titles():
    raw = (
        "Body paragraph one.\n\nPrevious Article\n\nLocal team wins the derby\n\n"
        "Next Article\n\nWeather turns cold in the north"
    )
    assert normalise_text(raw) == "Body paragraph one."


def test_trailing_tag_list_is_cut():
    raw = "Body.\n\nMore body.\n\nTags\n\nUkraine\nNATO\nDiplomacy"
    assert normalise_text(raw) == "Body.\n\nMore body."


def test_a_tags_word_inside_the_article_is_kept_when_long_text_follows():
    long_paragraph = "This paragraph is long enough to be article text rather than a tag. " * 3
    raw = f"Intro.\n\nTags\n\n{long_paragraph}"
    assert "Tags" in normalise_text(raw)


def test_markdown_bold_markers_are_removed_but_words_kept():
    assert normalise_text("The **meeting** was **long**.") == "The meeting was long."


def test_blank_runs_collapse_to_one_paragraph_break():
    assert normalise_text("A.\n\n\n\n\nB.\n   \n\nC.") == "A.\n\nB.\n\nC."


def test_single_line_breaks_become_paragraph_breaks():
    assert normalise_text("First paragraph.\nSecond paragraph.") == (
        "First paragraph.\n\nSecond paragraph."
    )


def test_repeated_headline_is_kept_once():
    assert normalise_text("Title\n\nTitle\n\nBody.") == "Title\n\nBody."


def test_also_read_links_are_removed():
    raw = "Body.\n\nAlso Read: Another story about something else\n\nMore body."
    assert normalise_text(raw) == "Body.\n\nMore body."


def test_curly_quotes_and_dashes_are_kept_verbatim():
    raw = "“It is unacceptable,” she said — firmly."
    assert normalise_text(raw) == raw


def test_non_breaking_and_zero_width_spaces_are_normalised():
    assert normalise_text("a\u00a0b\u200bc  d\r\ne") == "a bc d\n\ne"


def test_normalisation_is_idempotent():
    raw = "T\n\nNo time to read?\n\n**Bold** text.\n\n\nTags\n\nx"
    once = normalise_text(raw)
    assert normalise_text(once) == once
