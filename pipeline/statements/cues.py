"""The attribution and stance vocabulary (cues.yaml), loaded once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.settings import DATA_DIR


@dataclass(frozen=True)
class Cues:
    """Speech and position verbs, stance words, markers of non-statements, and speaker words."""

    speech_verbs: dict[str, str | None]
    position_verbs: dict[str, str | None]
    particle_stances: dict[str, str | None]
    position_adjectives: dict[str, str]
    speech_nouns: frozenset[str]
    position_objects: dict[str, str]
    media_outlets: frozenset[str]
    media_nouns: frozenset[str]
    anonymous_heads: frozenset[str]
    survey_pattern: re.Pattern[str]
    role_nouns: frozenset[str]
    past_office_words: frozenset[str]
    stance_words: dict[str, str]
    conditional_pattern: re.Pattern[str]
    oppose_pattern: re.Pattern[str]
    neutral_pattern: re.Pattern[str]
    negators: frozenset[str]
    deprivatives: frozenset[str]
    substitute_words: frozenset[str]
    temporal_prepositions: frozenset[str]
    verb_only_stance_words: frozenset[str]
    pending_words: frozenset[str]
    openness_predicates: frozenset[str]
    halting_verbs: frozenset[str]
    timing_words: frozenset[str]
    requirement_nouns: frozenset[str]
    uncertainty_words: frozenset[str]
    view_nouns: frozenset[str]
    provider_verbs: frozenset[str]
    own_side_subjects: frozenset[str]
    negating_modifiers: dict[str, frozenset[str]]
    harm_words: frozenset[str]
    relieving_verbs: frozenset[str]
    judging_verbs: frozenset[str]
    hedging_modals: frozenset[str]
    verb_forms: re.Pattern[str]
    speech_forms: re.Pattern[str]
    # Who is speaking (speakers.py, attribution.py).
    gendered_pronouns: dict[str, str]
    vague_pronouns: frozenset[str]
    vague_determiners: frozenset[str]
    member_subsets: frozenset[str]
    relative_pronouns: frozenset[str]
    role_matches: dict[str, tuple[str, ...]]
    organisation_words: frozenset[str]
    title_words: frozenset[str]
    given_name_honorifics: frozenset[str]
    share_words: frozenset[str]
    citing_verbs: frozenset[str]
    outlet_verbs: frozenset[str]
    sharing_verbs: frozenset[str]
    pair_nouns: frozenset[str]
    meeting_pattern: re.Pattern[str]
    recap_words: frozenset[str]
    verbs_needing_particle: frozenset[str]
    proposal_nouns: frozenset[str]
    hypothetical_marks: frozenset[str]
    contrast_marks: frozenset[str]
    commentator_roles: frozenset[str]
    refusal_verbs: frozenset[str]
    dodging_verbs: frozenset[str]
    withheld_verbs: frozenset[str]
    comment_verbs: frozenset[str]
    question_verbs: frozenset[str]
    question_labels: frozenset[str]
    author_member_words: frozenset[str]
    answer_words: dict[str, str]
    naming_verbs: frozenset[str]
    holder_pattern: re.Pattern[str]
    holder_nouns: dict[str, str]
    talk_verbs: frozenset[str]
    copulas: frozenset[str]
    intention_verbs: frozenset[str]
    future_auxiliaries: frozenset[str]
    condition_marks: frozenset[str]
    concessive_words: frozenset[str]
    readiness_words: frozenset[str]
    imagining_verbs: frozenset[str]
    likeness_words: frozenset[str]
    doubt_adjectives: frozenset[str]
    restricting_words: frozenset[str]
    demanded_marks: frozenset[str]
    demanded_prepositions: frozenset[str]
    necessary_marks: frozenset[str]
    dependency_words: frozenset[str]
    alternative_markers: frozenset[str]
    comparison_words: frozenset[str]
    insisting_negations: frozenset[str]
    obligation_modals: frozenset[str]
    proposal_verbs: frozenset[str]
    example_heads: frozenset[str]
    name_articles: frozenset[str]
    document_nouns: frozenset[str]
    member_nouns: frozenset[str]
    example_prepositions: frozenset[str]
    government_voices: frozenset[str]

    def verb_stance(self, lemma: str) -> str | None:
        """Return the stance an attribution verb lends by itself."""
        return self.position_verbs.get(lemma) or self.speech_verbs.get(lemma)

    def is_attribution_verb(self, lemma: str) -> bool:
        """Say whether a lemma reports speech or attributes a position."""
        return lemma in self.speech_verbs or lemma in self.position_verbs


def _words(values: list[str] | None) -> frozenset[str]:
    return frozenset(str(v).lower() for v in values or [])


def _word_map(values: dict | None) -> dict[str, str]:
    """A word list's mapping (a word to its stance), keys folded to lower case."""
    return {str(k).lower(): str(v) for k, v in (values or {}).items()}


@lru_cache(maxsize=4)
def load_cues(path: Path = DATA_DIR / "cues.yaml") -> Cues:
    """Load cues.yaml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    stance_words: dict[str, str] = {}
    # Later lists win on a clash, so a word listed as conditional is never read as support.
    for stance in ("neutral", "support", "oppose", "conditional"):
        for word in data["stance_words"].get(stance) or []:
            stance_words[str(word).lower()] = stance
    survey = "|".join(re.escape(w) for w in data["survey_markers"])
    conditional = "|".join(data["conditional_phrases"])
    return Cues(
        speech_verbs=dict(data["speech_verbs"]),
        position_verbs=dict(data["position_verbs"]),
        particle_stances=dict(data["particle_stances"]),
        position_adjectives=dict(data["position_adjectives"]),
        speech_nouns=_words(data["speech_nouns"]),
        position_objects=_word_map(data["position_objects"]),
        media_outlets=_words(data["media_outlets"]),
        media_nouns=_words(data["media_nouns"]),
        anonymous_heads=_words(data["anonymous_heads"]),
        survey_pattern=re.compile(rf"(?:\b(?:{survey})\b|\d\s*%)", re.IGNORECASE),
        role_nouns=_words(data["role_nouns"]),
        past_office_words=_words(data["past_office_words"]),
        stance_words=stance_words,
        conditional_pattern=re.compile(rf"\b(?:{conditional})\b", re.IGNORECASE),
        oppose_pattern=re.compile(
            r"\b(?:" + "|".join(data["oppose_phrases"]) + r")\b", re.IGNORECASE
        ),
        neutral_pattern=re.compile(
            r"\b(?:" + "|".join(data["neutral_phrases"]) + r")\b", re.IGNORECASE
        ),
        negators=_words(data["negators"]),
        deprivatives=_words(data["deprivatives"]),
        substitute_words=_words(data["substitute_words"]),
        temporal_prepositions=_words(data["temporal_prepositions"]),
        verb_only_stance_words=_words(data["verb_only_stance_words"]),
        pending_words=_words(data["pending_words"]),
        openness_predicates=_words(data["openness_predicates"]),
        halting_verbs=_words(data["halting_verbs"]),
        timing_words=_words(data["timing_words"]),
        requirement_nouns=_words(data["requirement_nouns"]),
        uncertainty_words=_words(data["uncertainty_words"]),
        view_nouns=_words(data["view_nouns"]),
        provider_verbs=_words(data["provider_verbs"]),
        own_side_subjects=_words(data["own_side_subjects"]),
        negating_modifiers={
            str(word).lower(): _words(heads) for word, heads in data["negating_modifiers"].items()
        },
        harm_words=_words(data["harm_words"]),
        relieving_verbs=_words(data["relieving_verbs"]),
        judging_verbs=_words(data["judging_verbs"]),
        hedging_modals=_words(data["hedging_modals"]),
        verb_forms=_verb_form_pattern(
            [*data["speech_verbs"], *data["position_verbs"]], data["irregular_verb_forms"]
        ),
        speech_forms=_verb_form_pattern(list(data["speech_verbs"]), data["irregular_verb_forms"]),
        gendered_pronouns=dict(data["gendered_pronouns"]),
        vague_pronouns=_words(data["vague_pronouns"]),
        vague_determiners=_words(data["vague_determiners"]),
        member_subsets=_words(data["member_subsets"]),
        relative_pronouns=_words(data["relative_pronouns"]),
        role_matches={
            str(noun): tuple(str(w).lower() for w in words)
            for noun, words in data["role_matches"].items()
        },
        organisation_words=_words(data["organisation_words"]),
        title_words=_words(data["title_words"]),
        given_name_honorifics=_words(data["given_name_honorifics"]),
        share_words=_words(data["share_words"]),
        citing_verbs=_words(data["citing_verbs"]),
        outlet_verbs=_words(data["outlet_verbs"]),
        sharing_verbs=_words(data["sharing_verbs"]),
        pair_nouns=_words(data["pair_nouns"]),
        meeting_pattern=re.compile(
            r"\b(?:" + "|".join(re.escape(f) for f in data["meeting_forms"]) + r")\b"
        ),
        recap_words=_words(data["recap_words"]),
        verbs_needing_particle=_words(data["verbs_needing_particle"]),
        proposal_nouns=_words(data["proposal_nouns"]),
        hypothetical_marks=_words(data["hypothetical_marks"]),
        contrast_marks=_words(data["contrast_marks"]),
        commentator_roles=_words(data["commentator_roles"]),
        refusal_verbs=_words(data["refusal_verbs"]),
        dodging_verbs=_words(data["dodging_verbs"]),
        withheld_verbs=_words(data["withheld_verbs"]),
        comment_verbs=_words(data["comment_verbs"]),
        question_verbs=_words(data["question_verbs"]),
        question_labels=_words(data["question_labels"]),
        author_member_words=_words(data["author_member_words"]),
        answer_words=_word_map(data["answer_words"]),
        naming_verbs=_words(data["naming_verbs"]),
        holder_nouns=_word_map(data["holder_nouns"]),
        holder_pattern=_holder_pattern(data["holder_nouns"], data["holder_example_markers"]),
        talk_verbs=_words(data["talk_verbs"]),
        copulas=_words(data["copulas"]),
        intention_verbs=_words(data["intention_verbs"]),
        future_auxiliaries=_words(data["future_auxiliaries"]),
        condition_marks=_words(data["condition_marks"]),
        concessive_words=_words(data["concessive_words"]),
        readiness_words=_words(data["readiness_words"]),
        imagining_verbs=_words(data["imagining_verbs"]),
        likeness_words=_words(data["likeness_words"]),
        doubt_adjectives=_words(data["doubt_adjectives"]),
        restricting_words=_words(data["restricting_words"]),
        demanded_marks=_words(data["demanded_marks"]),
        demanded_prepositions=_words(data["demanded_prepositions"]),
        necessary_marks=_words(data["necessary_marks"]),
        dependency_words=_words(data["dependency_words"]),
        alternative_markers=_words(data["alternative_markers"]),
        comparison_words=_words(data["comparison_words"]),
        insisting_negations=_words(data["insisting_negations"]),
        obligation_modals=_words(data["obligation_modals"]),
        proposal_verbs=_words(data["proposal_verbs"]),
        example_heads=_words(data["example_heads"]),
        name_articles=_words(data["name_articles"]),
        document_nouns=_words(data["document_nouns"]),
        member_nouns=_words(data["member_nouns"]),
        example_prepositions=_words(data["example_prepositions"]),
        government_voices=_words(data["government_voices"]),
    )


def _holder_pattern(nouns: dict[str, str], markers: list[str]) -> re.Pattern[str]:
    """Compile "<holder noun>s, notably " (the noun in group 1, the example after the end)."""
    noun = "|".join(sorted((re.escape(str(n)) for n in nouns), key=len, reverse=True))
    marker = "|".join(re.escape(str(m)).replace(r"\ ", r"\s+") for m in markers)
    return re.compile(rf"\b({noun})s?\b,?\s+(?:{marker})\s+", re.IGNORECASE)


def _inflections(lemma: str) -> set[str]:
    """Return the usual written forms of a regular English verb."""
    forms = {lemma, lemma + "s", lemma + "es", lemma + "ed", lemma + "d", lemma + "ing"}
    if lemma.endswith("e"):
        forms.add(lemma[:-1] + "ing")
    if lemma.endswith("y"):
        forms |= {lemma[:-1] + "ied", lemma[:-1] + "ies"}
    forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    return forms


def _verb_form_pattern(lemmas: list[str], irregular: list[str]) -> re.Pattern[str]:
    """Compile every written form of the attribution verbs, for the cheap pre-filter."""
    forms = {str(form).lower() for form in irregular}
    for lemma in lemmas:
        forms |= _inflections(str(lemma).lower())
    body = "|".join(sorted((re.escape(f) for f in forms), key=len, reverse=True))
    return re.compile(rf"\b(?:{body})\b", re.IGNORECASE)
