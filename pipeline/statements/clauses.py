"""Who says what in a sentence, for the clause classifier, and the conventions applied
to the statements an article yields.

`speaker_clauses` splits a parsed sentence between its named speakers (each owns what its
verb governs; coordinated clauses with their own subjects are separate), `content_head`
and `complement_verdict` find where a clause's stance is said, `evidence_bounds` trims a
sentence into evidence, and `speaker_topics` applies `speaker_topics:` of topics.yaml.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Span, Token

from pipeline.statements.actors import Registry, lookup_name
from pipeline.statements.attribution import (
    ACTOR,
    ANONYMOUS,
    MEDIA,
    ArticleContext,
    Attribution,
    UnitIndex,
    absolute,
    own_clause,
)
from pipeline.statements.cues import Cues
from pipeline.statements.model import Actor, Statement
from pipeline.statements.stances import OPPOSE, stance_on_path
from pipeline.statements.topics import GENERAL

TROOPS, US_BACKSTOP = "troops_in_ukraine", "us_backstop"


@dataclass(frozen=True, slots=True)
class Owner:
    """Who a topic cue belongs to, and how that was decided."""

    actor: Actor
    unit: Attribution
    method: str
    inherited: bool


# What a verb says is in its object or complement; the stance is read from there up.
_CONTENT_DEPS = ("ccomp", "xcomp", "dobj", "attr", "oprd", "acomp", "prep", "advcl")


def evidence_bounds(sentence: Span, text: str) -> tuple[int, int]:
    """Return the character span of a sentence as evidence, without the separators and
    control characters spaCy keeps as tokens at its edges."""
    start = absolute(sentence[0])
    end = absolute(sentence[-1]) + len(sentence[-1].text)
    while end > start and (text[end - 1].isspace() or not text[end - 1].isprintable()):
        end -= 1
    while start < end and (text[start].isspace() or not text[start].isprintable()):
        start += 1
    return start, end


def speaker_topics(
    statements: list[Statement], mapping: dict[str, dict[str, str]]
) -> list[Statement]:
    """Apply `speaker_topics` of topics.yaml: a topic that means another one in the mouth of
    a speaker from a given country (a Chinese speaker on peacekeepers: china_role)."""
    kept: dict[tuple[str, str, int], Statement] = {}
    for statement in statements:
        topic = mapping.get(statement.actor.country or "", {}).get(statement.topic)
        if topic is not None:
            statement = dataclasses.replace(statement, topic=topic)
        kept.setdefault((statement.actor.actor_id, statement.topic, statement.start), statement)
    return list(kept.values())


# Where the giver of "to provide ..." is found further up: "readiness to provide" (acl of a
# noun that is itself an object), "committed to supporting" (pcomp, acomp), conjoined verbs.
_GIVER_CLIMB = frozenset(
    {"xcomp", "pcomp", "conj", "advcl", "acomp", "acl", "dobj", "pobj", "prep"}
)


def provider_country(token: Token, speaker: Actor, registry: Registry, cues: Cues) -> str | None:
    """Return the country whose side gives the guarantees a cue names, if the sentence says:
    the cue is the object of a giving verb ("presented Ukraine with guarantees", "have
    affirmed their readiness to provide the assurance") whose subject is the speaker's own
    side ("we", "they", "the president": the speaker's country) or named actors (the first
    of them whose country the registry knows)."""
    verb = token.head
    for _ in range(3):
        if verb.pos_ in ("VERB", "AUX") or verb.head.i == verb.i:
            break
        verb = verb.head
    if verb.lemma_.lower() not in cues.provider_verbs:
        return None
    subject = None
    for _ in range(5):
        subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is not None or verb.dep_ not in _GIVER_CLIMB or verb.head.i == verb.i:
            break
        verb = verb.head
    if subject is None:
        return None
    if subject.lower_ in cues.own_side_subjects or subject.lemma_.lower() in (
        cues.own_side_subjects
    ):
        return speaker.country
    if subject.lower_ in cues.gendered_pronouns and speaker.kind == "person":
        return speaker.country  # "he expressed openness to offering ...": the speaker
    for named in (subject, *subject.conjuncts):
        name = [t for t in named.subtree if t.i == named.i or t.dep_ in ("compound", "det")]
        name = [t for t in name if t.i <= named.i]
        actor = lookup_name(registry, " ".join(t.text for t in name))
        actor = actor or lookup_name(registry, named.text)
        if actor is not None and actor.country is not None:
            return actor.country
    return None


def complement_verdict(verb: Token, sentence: Span, cues: Cues) -> str | None:
    """Read a verdict the speaker passes in a complement clause: "said this move would be
    completely unacceptable", "called such a step essential"."""
    for clause in verb.children:
        if clause.dep_ not in ("ccomp", "xcomp", "oprd"):
            continue
        subject = next((c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        # The verb closes the path: a proposal verb makes "could" a proposal, not a hedge.
        path = [subject, clause, verb] if subject is not None else [clause, verb]
        verdict = stance_on_path(path, sentence, cues)
        if verdict is not None:
            return verdict
    return None


def content_head(tokens: list[Token], verb: Token | None) -> Token | None:
    """Return the word a speaker's clause says something with: the attribution verb's
    object or complement within the clause, else the clause's top word."""
    inside = {t.i for t in tokens}
    if verb is not None:
        for dep in _CONTENT_DEPS:
            child = next((c for c in verb.children if c.dep_ == dep and c.i in inside), None)
            if child is not None:
                return child
    tops = [t for t in tokens if t.head.i not in inside or t.head.i == t.i]
    return tops[0] if tops else None


def asserts(unit: Attribution, cues: Cues) -> bool:
    """Say whether an attribution asserts a position of its own: a participle describing a
    noun ("the power accepted by both sides") does not, unless it backs a proposal ("a
    plan backed by Paris")."""
    verb = unit.verb
    if verb is None:
        return True
    if unit.kind == "position" and announces_talks(verb, cues):
        return False
    if declines_comment(verb, cues):
        return False
    if verb.dep_ != "acl":
        return True
    return verb.head.lemma_.lower() in cues.proposal_nouns


def declines_comment(verb: Token, cues: Cues) -> bool:
    """Say whether a verb is a refusal to comment ("declined to comment on whether ..."), or
    the comment so refused: no position either way."""
    if verb.lemma_.lower() in cues.dodging_verbs:
        return True  # "Peskov dodged the question"
    if verb.lemma_.lower() in cues.comment_verbs and verb.dep_ == "xcomp":
        verb = verb.head
    return verb.lemma_.lower() in cues.refusal_verbs and any(
        c.dep_ == "xcomp" and c.lemma_.lower() in cues.comment_verbs for c in verb.children
    )


def announces_talks(verb: Token, cues: Cues) -> bool:
    """Say whether a verb only announces talks to come ("will discuss", "intends to discuss
    the guarantees"): the actor has taken no position, nor spoken on the topic yet."""
    lemma = verb.lemma_.lower()
    if lemma in cues.intention_verbs:
        return any(c.dep_ == "xcomp" and c.lemma_.lower() in cues.talk_verbs for c in verb.children)
    if lemma not in cues.talk_verbs:
        return False
    future = any(c.dep_ == "aux" and c.lower_ in cues.future_auxiliaries for c in verb.children)
    intended = verb.dep_ == "xcomp" and verb.head.lemma_.lower() in cues.intention_verbs
    return future or intended


def _without_others_clauses(sentence: Span, verb: Token | None, cues: Cues) -> list[Token]:
    """Return a sentence's tokens without the coordinated clauses that have a subject of
    their own ("X said ..., and a coalition of 30 nations has promised support")."""
    if verb is None or verb.doc is not sentence.doc:
        return list(sentence)
    others: set[int] = set()
    for clause in [*verb.conjuncts, *verb.children]:
        if clause.i > verb.i and own_clause(clause, cues):
            others |= {t.i for t in clause.subtree}
    return [t for t in sentence if t.i not in others]


def speaker_clauses(
    sentence: Span,
    units: UnitIndex,
    quote_owners: dict[int, Attribution],
    ctx: ArticleContext,
) -> list[tuple[Owner, list[Token]]]:
    """Return who speaks in a sentence and the words each speaker governs.

    The outermost named speakers of the sentence each own what their verb governs (the
    whole sentence when one speaker has it alone); a sentence inside a quote belongs to
    the quote's speaker. An anonymous or unresolved attribution elsewhere in the sentence
    does not take the sentence from a named one.
    """
    sentence_start = absolute(sentence[0])
    in_sentence = [u for u in units.of_sentence(sentence_start) if not u.in_quote]
    here = [u for u in in_sentence if u.status == ACTOR and u.speaker and asserts(u, ctx.cues)]
    # A state's position in a news outlet's or an anonymous source's account is nobody's
    # statement; a named person it quotes, or a state's officials it reports speaking
    # ("American officials said ..., the newspaper reports"), keep their words.
    reporters = [u for u in in_sentence if u.status in (MEDIA, ANONYMOUS)]
    here = [
        u
        for u in here
        if u.speaker.kind == "person"
        or u.kind == "speech"
        or not any(r.covers(u.anchor) for r in reporters)
    ]
    # Reported speech is credited to the reporter: a speaker inside another's content is
    # not a speaker of the sentence.
    outer = [u for u in here if not any(o.anchor != u.anchor and o.covers(u.anchor) for o in here)]
    if outer:
        anchors = sorted({u.anchor for u in outer})
        clauses = []
        for unit in outer:
            if len(anchors) == 1:
                tokens = _without_others_clauses(sentence, unit.verb, ctx.cues)
            else:
                tokens = [t for t in sentence if unit.covers(absolute(t))]
            if not tokens:
                continue
            speaker = speaking_person(unit, outer)
            clauses.append((Owner(speaker.speaker, speaker, speaker.method, False), tokens))
        return clauses
    quote = ctx.in_quote(sentence_start) or ctx.in_quote(absolute(sentence[len(sentence) // 2]))
    if quote is not None:
        unit = quote_owners.get(ctx.quotes.index(quote))
        return [(owner, list(sentence)) for owner in quote_speakers(unit, units)]
    return []


def speaking_person(unit: Attribution, others: Iterable[Attribution]) -> Attribution:
    """The attribution of a person who speaks for the state a unit names, when that person's
    words come earlier in the sentence or govern the unit ("X said Berlin would wait, but
    that Germany was not ruling it out", X German: X's, convention 1); else the unit."""
    state = unit.speaker
    if state is None or state.kind != "state":
        return unit
    for other in others:
        person = other.speaker
        if (
            other is not unit
            and other.status == ACTOR
            and person is not None
            and person.kind == "person"
            and person.country == state.country
            and (other.anchor < unit.anchor or other.depth < unit.depth)
        ):
            return other
    return unit


def quote_speakers(unit: Attribution | None, units: UnitIndex) -> list[Owner]:
    """The owners of a quote its attribution introduces: each speaker of a joint one
    ("Starmer and Macron said in a joint statement: ...", convention 3)."""
    actor = unit.speaker_for_content() if unit is not None else None
    if unit is None or actor is None:
        return []
    if unit.status == MEDIA:
        return [Owner(actor, unit, "cited", True)]
    joint = [
        u
        for u in units.of_sentence(unit.sentence[0])
        if u.anchor == unit.anchor and u.status == ACTOR and u.speaker is not None
    ]
    speakers = list(dict.fromkeys(u.speaker for u in joint)) or [actor]
    return [Owner(speaker, unit, unit.method, True) for speaker in speakers]


def settle_stances(statements: list[Statement]) -> list[Statement]:
    """Give each actor one stance per topic in an article: the stance most of its
    statements take (then the surest, then the first), dropping the others; on troops,
    an opposition (one's own troops refused) is kept beside the other stance.

    An article reports a position; where the rules read one actor two ways on one topic,
    one reading is usually wrong (a rhetorical aside, a defaulted stance).
    """
    by_pair: dict[tuple[str, str, bool], list[Statement]] = {}
    for statement in statements:
        # Convention 6: refusing one's own troops and backing a force within limits are
        # two rows, so on troops an opposition is settled apart from the rest.
        apart = statement.topic == TROOPS and statement.stance == OPPOSE
        key = (statement.actor.actor_id, statement.topic, apart)
        by_pair.setdefault(key, []).append(statement)
    kept: list[Statement] = []
    for group in by_pair.values():
        if len({s.stance for s in group}) == 1:
            kept += group
            continue
        score: dict[str, tuple[int, float, int]] = {}
        for position, s in enumerate(group):
            count, best, first = score.get(s.stance, (0, 0.0, -position))
            score[s.stance] = (count + 1, max(best, s.confidence), first)
        chosen = max(score, key=score.__getitem__)
        kept += [s for s in group if s.stance == chosen]
    return kept


def own_troops_refusals(statements: list[Statement]) -> list[Statement]:
    """Convention 6: an actor refusing to send its own country's troops opposes
    troops_in_ukraine, not its country's part in the guarantees; a United States speaker
    ruling out American troops in a sentence is not also opposing the US backstop there."""
    refusing = {
        (s.actor.actor_id, s.start)
        for s in statements
        if s.topic == TROOPS and s.stance == OPPOSE and s.actor.country == "US"
    }
    return [
        s
        for s in statements
        if not (
            s.topic == US_BACKSTOP
            and s.stance == OPPOSE
            and (s.actor.actor_id, s.start) in refusing
        )
    ]


def general_beside_components(
    statements: list[Statement], separate: set[int] = frozenset()
) -> list[Statement]:
    """Convention 4: guarantees_general beside a component of the same speaker in the same
    sentence only frames it ("ready to send troops as part of the guarantees": troops only),
    so it is dropped there, except in the sentences (`separate`, by evidence start) that
    say it in a coordinated clause of its own."""
    specific = {(s.actor.actor_id, s.start) for s in statements if s.topic != GENERAL}
    return [
        s
        for s in statements
        if s.topic != GENERAL or s.start in separate or (s.actor.actor_id, s.start) not in specific
    ]
