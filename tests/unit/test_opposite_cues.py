"""Cues of a topic's opposite (`opposite:` in topics.yaml): found as the topic, flagged, so a
stance on them reads reversed ("insists on neutral status": against NATO membership)."""

from pipeline.statements.topics import find_topics, load_topic_lexicon


def _found(text: str) -> list[tuple[str, str, bool]]:
    return [
        (m.topic, text[m.start : m.end], m.opposite)
        for m in find_topics(text, load_topic_lexicon())
    ]


def test_neutral_status_is_membership_opposite():
    assert _found("Moscow demands a neutral, non-bloc status for Kyiv.") == [
        ("nato_membership", "neutral, non-bloc status", True)
    ]
    assert _found("Ukraine's neutrality was discussed.") == [
        ("nato_membership", "Ukraine's neutrality", True)
    ]


def test_membership_itself_is_no_opposite():
    assert _found("Kyiv seeks NATO membership.") == [("nato_membership", "NATO membership", False)]


def test_a_neutral_broker_is_no_status():
    assert _found("Turkey offered to act as a neutral mediator.") == []
