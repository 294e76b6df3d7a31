"""The clause classifier reads a component topic only in a clause holding one of its words
(`requires:` in topics.yaml): a sentence about NATO membership is no air patrol."""

import pytest

from pipeline.statements.candidates import load_topic_requirements
from pipeline.statements.topics import GENERAL, load_topic_names

# Topics the model may read from any wording of the field: the guarantees as a whole and
# troops (a "reassurance force", "boots", "a contingent" ...).
FREE = {GENERAL, "troops_in_ukraine"}

WORDS_OF = {
    "air_sea_protection": "Norwegian frigates would escort ships in the Black Sea",
    "buffer_zone": "a demilitarised zone along the front",
    "china_role": "Beijing could send observers",
    "legally_binding": "the pact must be ratified by parliament",
    "military_aid": "billions in weapons for Kyiv",
    "nato_membership": "Kyiv's path to the alliance",
    "russia_consent": "Moscow must agree to it",
    "us_backstop": "Washington would provide intelligence",
    "article5_like": "a collective defence clause",
}
NONE_OF_THEM = "Paris believes a future Ukrainian role would be a real contribution to peace"


def test_every_component_topic_requires_its_own_words():
    assert set(load_topic_requirements()) == set(load_topic_names()) - FREE


@pytest.mark.parametrize("topic", sorted(WORDS_OF))
def test_a_clause_with_the_topics_words_passes_and_one_without_does_not(topic):
    pattern = load_topic_requirements()[topic]
    assert pattern.search(WORDS_OF[topic]), topic
    assert not pattern.search(NONE_OF_THEM), topic
