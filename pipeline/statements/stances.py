"""Stance of an actor towards a topic, read from the dependency path and stance words."""

from __future__ import annotations

import functools
import re

from spacy.tokens import Span, Token

from pipeline.statements.attribution import own_clause
from pipeline.statements.cues import Cues

SUPPORT, OPPOSE, CONDITIONAL, NEUTRAL = "support", "oppose", "conditional", "neutral"

# Moving up across these relations leaves the clause: a participle or a coordinated
# clause is a separate assertion, so the outer verb's polarity does not apply to it.
_CLAUSE_EDGES = frozenset({"advcl", "conj", "parataxis", "relcl"})
# Modifiers of a word on the path that carry its polarity ("will be essential").
_MODIFIER_DEPS = frozenset({"acomp", "attr", "oprd", "advmod", "aux", "auxpass", "amod"})
_ACTION_LEMMAS = frozenset(
    {
        "send",
        "deploy",
        "station",
        "provide",
        "give",
        "offer",
        "join",
        "participate",
        "contribute",
        "supply",
        "commit",
        "guarantee",
        "protect",
        "patrol",
        "accept",
        "allow",
    }
)
_SIGN = {SUPPORT: 1, OPPOSE: -1}


def _word_stance(token: Token, cues: Cues) -> str | None:
    lemma = token.lemma_.lower()
    if token.pos_ == "NOUN" and lemma in cues.verb_only_stance_words:
        return None  # "the plan", "blocks": a thing, not a side taken
    if token.dep_ == "advmod" and token.lower_ in cues.restricting_words:
        return _diminished(token.head, cues)
    return cues.stance_words.get(lemma) or cues.stance_words.get(token.lower_)


def _diminished(verb: Token, cues: Cues) -> str | None:
    """Read "only" on a verb: a verdict that the thing achieves no more than that ("would
    only freeze the conflict", "would only give Russia time"), unless a condition or a
    phrase says what it is restricted to ("could only be answered once ...")."""
    modals = cues.future_auxiliaries | _HYPOTHETICAL
    modal = any(c.dep_ == "aux" and c.lower_ in modals for c in verb.children)
    if verb.pos_ != "VERB" or not modal:
        return None
    restricted = any(
        c.dep_ == "advcl"  # "only ... once a ceasefire holds", however "once" is parsed
        or (c.dep_ == "prep" and c.lower_ in cues.demanded_prepositions)
        for c in verb.children
    )
    return None if restricted else OPPOSE


_HYPOTHETICAL = frozenset({"would", "could", "can", "may", "might"})


def _is_negated(token: Token, cues: Cues) -> bool:
    if token.head.lemma_.lower() in cues.negating_modifiers.get(token.lower_, ()):
        return True  # "stopped short of": what "short" governs is denied
    if token.pos_ in ("VERB", "AUX") and any(
        c.dep_ in ("nsubj", "nsubjpass") and any(g.lower_ == "neither" for g in c.children)
        for c in token.children
    ):
        return True  # "Neither Spain nor Portugal has committed troops"
    return any(
        (child.dep_ == "neg" or (child.lower_ in cues.negators and child.dep_ in ("det", "advmod")))
        # "real guarantees, not promises": a negation after a noun denies what follows it.
        and not (token.pos_ in ("NOUN", "PROPN") and child.i > token.i)
        # "is not just words", "not only a promise": more than that, no denial.
        and not (child.i + 1 < len(child.doc) and child.nbor(1).lower_ in _NOT_JUST)
        for child in token.children
    )


_NOT_JUST = frozenset({"just", "only", "merely", "simply"})


def _is_verdict(token: Token, cues: Cues) -> bool:
    """Say whether a stance word judges the thing ("provocative", "dangerous") rather than
    states a position on it ("opposed", "reject")."""
    return token.pos_ == "ADJ" and token.lower_ not in cues.position_adjectives


def _subject_on_path(
    verb: Token, path: set[int], deps: tuple[str, ...], expletive_it: bool = True
) -> bool:
    """Say whether a subject of the verb (of the given relations) lies on the path up from
    the cue: what the verb's complement says, it says of the topic's own thing. With
    `expletive_it` false, "it" is no such subject ("it is possible that ...")."""
    return any(
        c.dep_ in deps and c.i in path and (expletive_it or c.lower_ != "it") for c in verb.children
    )


def _describes_the_thing(adjective: Token, verb: Token, path: set[int], cues: Cues) -> bool:
    """Say whether a position adjective describes the topic's own thing ("the declaration is
    open for accession"), not an actor's position ("Oslo is open to it"): the subject of its
    copula is on the path up from the cue."""
    return (
        adjective.dep_ == "acomp"
        and adjective.lower_ in cues.position_adjectives
        and _subject_on_path(verb, path, ("nsubj", "nsubjpass"))
    )


def _keeps_open(complement: Token, path: set[int], cues: Cues) -> bool:
    """Say whether a copula's complement keeps the thing open ("is an option", "remains
    possible"): a predicate of the thing itself, whose subject is on the path up from the
    cue; not a modifier ("the possible deployment"), nor a forecast ("it is possible that
    China joins")."""
    return (
        complement.dep_ in ("attr", "acomp")
        and complement.i not in path
        and complement.lemma_.lower() in cues.openness_predicates
        # "the best option", "the most serious option": a preference, not an open question.
        and not any(
            (c.dep_ == "amod" and (cues.stance_words.get(c.lower_) == SUPPORT or _superlative(c)))
            or (c.dep_ == "det" and c.lower_ == "the")
            for c in complement.children
        )
        and _subject_on_path(
            complement.head, path, ("nsubj", "nsubjpass", "csubj"), expletive_it=False
        )
    )


_PARTICLES = frozenset({"up", "away", "off", "down", "out"})


def _aims_at_harm(verb: Token, cues: Cues) -> bool:
    """Say whether a verb's complement clause does a harm ("aim to wage war"), not relieve
    one ("help to ease tensions")."""
    return any(
        c.dep_ in ("xcomp", "ccomp")
        and c.lemma_.lower() not in cues.relieving_verbs
        and c.lemma_.lower() not in cues.halting_verbs
        and any(t.lemma_.lower() in cues.harm_words for t in c.subtree)
        for c in verb.children
    )


def _halts(verb: Token, below: Token, cues: Cues) -> bool:
    """Say whether a verb stops or gives up what lies below it on the path ("stop its
    expansion", "the plan was shelved", "has not given up on membership")."""
    if verb.lemma_.lower() in cues.halting_verbs:
        return below.dep_ in ("dobj", "nsubjpass")
    particle = next(
        (
            c.lower_
            for c in verb.children
            if c.dep_ in ("prt", "advmod", "prep") and c.lower_ in _PARTICLES
        ),
        None,
    )
    return (
        f"{verb.lemma_.lower()} {particle}" in cues.halting_verbs
        and below.dep_ in ("dobj", "prep")
        and below.lower_ not in ("in", "at", "for", "to", "with")
    )


def _halts_at(path: list[Token], position: int, cues: Cues) -> bool:
    """Say whether the verb at a position of the path stops what lies below it there."""
    token = path[position]
    return position > 0 and token.pos_ == "VERB" and _halts(token, path[position - 1], cues)


def halted_on(path: list[Token], cues: Cues) -> bool:
    """Say whether a verb on the path stops or caps what is below it ("a deal that would cap
    the army"): warning against that backs the thing."""
    return any(_halts_at(path, position, cues) for position in range(len(path)))


def _superlative(adjective: Token) -> bool:
    """Say whether an adjective ranks first ("best", "most serious")."""
    return adjective.tag_ == "JJS" or any(
        c.lower_ == "most" and c.dep_ == "advmod" for c in adjective.children
    )


def _required(complement: Token, path: set[int], cues: Cues) -> bool:
    """Say whether a copula's complement demands its subject ("neutrality remains a
    fundamental condition"), the subject being on the path up from the cue."""
    return (
        complement.dep_ == "attr"
        and complement.i not in path
        and complement.lemma_.lower() in cues.requirement_nouns
        and _subject_on_path(complement.head, path, ("nsubj", "csubj"))
    )


def _names_harm(complement: Token, cues: Cues) -> bool:
    """Say whether a verdict complement names a harm in its own phrase ("a recipe for war",
    "a path to escalation"), not in a clause that describes it."""
    near = [complement]
    for child in complement.children:
        if child.dep_ in ("prep", "compound", "amod"):
            near += [child, *(g for g in child.children if g.dep_ in ("pobj", "compound"))]
    return any(t.lemma_.lower() in cues.harm_words for t in near)


def _names_topic(token: Token, topic_span: tuple[int, int] | None) -> bool:
    """Say whether a token is one of the nouns a topic cue names ("veto" in "Russia will
    have no veto"): those name the topic, not a stance; a modal inside the cue ("Russia
    must be a party to") still speaks."""
    return (
        topic_span is not None
        and topic_span[0] <= token.idx < topic_span[1]
        and token.pos_ in ("NOUN", "PROPN")
    )


def _token_polarity(
    token: Token, cues: Cues, path: set[int], topic_span: tuple[int, int] | None = None
) -> tuple[str | None, bool, Token]:
    """Return the stance a word on the path carries (itself or a modifier), its negation,
    and the word that carries it."""
    judged = False
    for child in token.children:
        # "called the plan unacceptable", "described it as a sham": the verdict complement,
        # not the verb, says it.
        complements = [child] if child.dep_ == "oprd" else []
        if child.dep_ == "prep" and child.lower_ == "as":
            complements = [g for g in child.children if g.dep_ in ("pobj", "amod", "acomp")]
        judged = judged or bool(complements)
        for complement in complements:
            if complement.i in path or (
                complement.pos_ == "NOUN" and complement.lemma_.lower() in cues.position_verbs
            ):
                continue  # "views them as blocks": a noun that is only a verb's namesake
            verdict = _word_stance(complement, cues)
            if verdict is None and _names_harm(complement, cues):
                verdict = OPPOSE  # "called it a recipe for war": a verdict of harm
            if verdict is None:
                # "called the deployment a reckless gamble": the verdict's own adjective.
                verdict = next(
                    (
                        _word_stance(g, cues)
                        for g in complement.children
                        if g.dep_ == "amod"
                        and g.pos_ == "ADJ"  # "a reckless gamble", not "a US-backed shield"
                        and _word_stance(g, cues) in (SUPPORT, OPPOSE)
                    ),
                    None,
                )
            if verdict is not None:
                return (
                    verdict,
                    _is_negated(token, cues) or _is_negated(complement, cues),
                    complement,
                )
    judged = judged or any(
        # "consider the deployment a normal step": the parse makes a small clause of it.
        child.dep_ == "dobj" and any(g.dep_ == "nsubj" for g in child.children)
        for child in token.children
    )
    if judged and token.lemma_.lower() in cues.judging_verbs:
        # "would be considered a normal step": a verdict without a side, no deliberation.
        return None, _is_negated(token, cues), token
    stance, carrier = _word_stance(token, cues), token
    if stance is None:
        for child in token.children:
            if _keeps_open(child, path, cues):
                return CONDITIONAL, _is_negated(token, cues) or _is_negated(child, cues), child
            if _required(child, path, cues):
                return SUPPORT, _is_negated(token, cues) or _is_negated(child, cues), child
        for child in token.children:
            if _names_topic(child, topic_span):
                continue
            if _describes_the_thing(child, token, path, cues):
                continue
            # "expressed openness", "voiced support": the object carries the stance.
            if child.i not in path and (child.dep_ in _MODIFIER_DEPS or child.dep_ == "dobj"):
                stance, carrier = _word_stance(child, cues), child
                if stance is None and child.dep_ == "attr":
                    # "is the best option", "is the only way": the predicate's modifier.
                    modifier = next(
                        (g for g in child.children if g.dep_ == "amod" and _word_stance(g, cues)),
                        None,
                    )
                    if modifier is not None:
                        stance, carrier = _word_stance(modifier, cues), modifier
                    elif any(g.dep_ == "amod" and _superlative(g) for g in child.children):
                        stance = SUPPORT  # "the most serious option": the one preferred
                if stance is not None:
                    break
    return stance, _is_negated(token, cues), carrier


def dependency_path(cue: Token, stop: Token | None) -> list[Token]:
    """Return the tokens from a cue up to (and including) the attribution verb or the root."""
    path = [cue]
    token = cue
    while token.head.i != token.i and (stop is None or token.i != stop.i):
        token = token.head
        path.append(token)
        if len(path) > 40:
            break
    return path


def _hedged(token: Token, cues: Cues) -> bool:
    return (
        token.lemma_ in _ACTION_LEMMAS
        and any(
            child.dep_ == "aux" and child.lower_ in cues.hedging_modals for child in token.children
        )
        # "only NATO membership could guarantee it": the one thing that can, no hedge.
        and not any(
            c.dep_ in ("nsubj", "nsubjpass")
            and any(g.lower_ == "only" and g.dep_ == "advmod" for g in c.children)
            for c in token.children
        )
    )


def _doubted(verb: Token, cues: Cues) -> bool:
    """Say whether an imagining verb depends on an adjective of difficulty ("hard to
    imagine", "difficult to see")."""
    if verb.dep_ != "xcomp":
        return False
    head = verb.head  # "hard to imagine", or "it was difficult to see" (the copula's)
    return head.lemma_.lower() in cues.doubt_adjectives or any(
        c.dep_ == "acomp" and c.lemma_.lower() in cues.doubt_adjectives for c in head.children
    )


def _denial_described(verb: Token, sign: int, cues: Cues) -> bool:
    """Say whether a relative clause that denies what the path has read so far (`sign`
    negative) describes a thing that is itself denied ("no deal that does not give Ukraine
    guarantees", "could not imagine a settlement that did not involve the US"): the two
    negations cancel, so the reading goes on above it."""
    if verb.dep_ != "relcl" or sign > 0:
        return False
    noun = verb.head
    governor = noun.head
    return _is_negated(noun, cues) or (
        noun.dep_ in ("dobj", "attr", "nsubj")
        # "could not imagine a deal that ...", "would reject any deal that does not ..."
        and (_is_negated(governor, cues) or _word_stance(governor, cues) == OPPOSE)
    )


def _leaves_clause(token: Token) -> bool:
    """Say whether moving up from a token leaves its clause ("..., advocating for X")."""
    if token.dep_ not in _CLAUSE_EDGES:
        return False
    if token.dep_ != "advcl":
        return True
    # "ruled out sending troops" keeps the participle as the verb's object; a subject,
    # a subordinator or a comma before it makes it a clause of its own.
    has_own = any(c.dep_ in ("nsubj", "mark") for c in token.children)
    first = min(t.i for t in token.subtree)
    comma_before = first > 0 and token.doc[first - 1].text in (",", ";", "—", "–")
    return has_own or comma_before


def passed_over(path: list[Token], cues: Cues) -> bool:
    """Say whether the cue is the alternative a speaker passes over: "instead of X",
    "rather than X" (a preposition the marker modifies), "trainers rather than troops"
    (a conjunct joined by a marked "than")."""
    for token in path[:-1]:
        # "rather than X": the parse may make "than" a preposition or a conjunction.
        if token.dep_ in ("prep", "cc") and any(
            c.lower_ in cues.alternative_markers for c in token.children
        ):
            return True
        if token.dep_ == "conj" and any(
            c.dep_ == "cc" and any(m.lower_ in cues.alternative_markers for m in c.children)
            for c in token.head.children
        ):
            return True
    return False


def compared_only(token: Token, cues: Cues, likened: bool = False) -> bool:
    """Say whether a cue is only a point of comparison ("more effective than NATO
    membership", "different from membership"): below its clause's verb, a comparison word
    governs it, and no alternative marker makes it a rejection. The subject of "is (not) a
    substitute for X" is only compared too. With `likened`, a likeness ("protection similar
    to Article 5") names the thing itself, as for a topic that is a likeness."""
    if token.dep_ in ("nsubj", "nsubjpass", "csubj") and any(
        c.dep_ == "attr" and c.lemma_.lower() in cues.substitute_words for c in token.head.children
    ):
        return True
    while token.head.i != token.i and (token.pos_ not in ("VERB", "AUX") or _gerund_phrase(token)):
        if likened and token.lower_ in cues.likeness_words:
            return False
        if token.lower_ in cues.comparison_words and not any(
            c.lower_ in cues.alternative_markers for c in token.children
        ):
            return not _insists(token, cues)
        token = token.head
    return False


def withheld(token: Token, cues: Cues) -> bool:
    """Say whether a cue is what a speaker would not speculate on, say or confirm ("would
    not speculate on whether British troops would deploy"): no view given."""
    while token.head.i != token.i:
        token = token.head
        if token.pos_ == "VERB" and token.lemma_.lower() in cues.withheld_verbs:
            refused = token.dep_ == "xcomp" and token.head.lemma_.lower() in cues.refusal_verbs
            # "neither confirmed nor denied reports that ...": no view either way.
            neither = any(c.lower_ == "neither" for c in token.children)
            if refused or neither or _is_negated(token, cues):
                return True
    return False


_CLAUSE_HEADS = frozenset({"ROOT", "ccomp", "xcomp", "advcl", "relcl", "conj", "parataxis"})


def left_unclear(token: Token, cues: Cues) -> bool:
    """Say whether a cue sits in a clause finding its thing unsettled ("the details of the
    guarantees remain unclear", "vague about the force"): no side taken."""
    while token.head.i != token.i:
        if token.pos_ == "ADJ" and token.lower_ in cues.uncertainty_words:
            return True
        if token.pos_ in ("VERB", "AUX") and token.dep_ in _CLAUSE_HEADS:
            break
        token = token.head
    heads = [token]
    if token.dep_ in ("ccomp", "csubj"):
        heads.append(token.head)  # "it is unclear whether the US would back them"
    return any(
        c.dep_ in ("acomp", "oprd") and c.lower_ in cues.uncertainty_words
        for head in heads
        for c in head.children
    )


def _gerund_phrase(token: Token) -> bool:
    """Say whether a verb is a gerund standing as a noun phrase ("the difference between
    the plan and granting membership"), not a clause of its own."""
    return (
        token.tag_ == "VBG"
        and token.dep_ in ("pcomp", "pobj", "conj")
        and not any(c.dep_ in ("nsubj", "nsubjpass", "aux") for c in token.children)
    )


def _insists(comparison: Token, cues: Cues) -> bool:
    """Say whether "than" closes "nothing less than" / "no less than": an insistence on
    what follows, not a comparison."""
    less = comparison.head
    if less.lower_ != "less":
        return False
    around = [less.head, *less.children, *less.head.children]
    return any(t.lower_ in cues.insisting_negations for t in around)


def _clause_text(sentence: Span, cue: Token, cues: Cues) -> str:
    """The words of the cue's own clause: the sentence without the clauses other subjects
    hold ("A rejects X, while B calls it premature": B's verdict is not A's), or only the
    other subject's clause when the cue is in it."""
    others: list[Token] = [t for t in sentence if own_clause(t, cues)]
    for clause in sorted(others, key=lambda t: -t.i):
        if clause.left_edge.i <= cue.i <= clause.right_edge.i:
            span = {t.i for t in clause.subtree}
            nested = {t.i for o in others if o.i != clause.i and o.i in span for t in o.subtree}
            inner = [t for t in clause.subtree if t.i not in nested]
            return "".join(t.text_with_ws for t in inner)
    hidden = {t.i for clause in others for t in clause.subtree}
    return "".join(t.text_with_ws for t in sentence if t.i not in hidden)


@functools.lru_cache(maxsize=1024)
def _matches(pattern: re.Pattern[str], text: str) -> bool:
    # Cached: the same sentence is tested once per topic mention it holds.
    return pattern.search(text) is not None


def stance_on_path(
    path: list[Token], sentence: Span, cues: Cues, topic_span: tuple[int, int] | None = None
) -> str | None:
    """Decide the stance the words between a topic cue and its attribution verb express.

    `topic_span` (character offsets in the path's document) holds the topic cue's words:
    they name the topic, never a stance ("Russia will not have a veto" denies Russia the
    veto; it does not say "not opposed").
    """
    on_path = {t.i for t in path}
    if passed_over(path, cues):
        return OPPOSE
    demanded = _demanded_condition(path, cues)
    if demanded is not None:
        # "troops only if the US provides a backstop": the backstop is insisted on.
        return OPPOSE if _denied_below(path, demanded, cues) else SUPPORT
    clause = _clause_text(sentence, path[0], cues)
    if _matches(cues.conditional_pattern, clause):
        return CONDITIONAL
    if _matches(cues.oppose_pattern, clause):
        return OPPOSE
    if _matches(cues.neutral_pattern, clause):
        return NEUTRAL  # "progress has been made on the guarantees": where things stand
    if any(is_condition_mark(c, cues) for t in path[:-1] for c in t.children):
        return CONDITIONAL  # "if troops are sent, they must ...": backed on a condition
    sign, polar_seen, talked = 1, False, False
    if topic_span is not None and any(
        topic_span[0] <= t.idx < topic_span[1]
        and t.lower_ in cues.negators
        and t.head.i not in on_path
        for t in sentence
    ):
        # A negation inside the cue ("Russia will have no veto") denies the topic; one
        # of a word on the path ("will not have") is read on the path.
        sign, polar_seen = -1, True
    for position, token in enumerate(path):
        stance, negated, carrier = _token_polarity(token, cues, on_path, topic_span)
        halting = False
        if position == 0 and stance == _word_stance(token, cues):
            # The cue word itself ("guarantee", "support") is the topic, not a stance.
            stance = None
        if _names_topic(token, topic_span):
            stance = None
        if (
            position == 1
            and token.pos_ == "NOUN"
            and path[0].dep_ in ("compound", "nmod", "amod")
            and stance in (SUPPORT, CONDITIONAL)
        ):
            stance = None  # "Article 5-like guarantees": the noun the cue names, no stance
        if _halts_at(path, position, cues):
            # "should stop its eastward expansion", "the plan was shelved": against it.
            stance, negated, carrier = OPPOSE, _is_negated(token, cues), token
            halting = True
        elif (
            position > 0
            and token.lemma_.lower() in cues.halting_verbs
            and path[position - 1].dep_ == "nsubj"
            and any(c.dep_ == "dobj" and _names_harm(c, cues) for c in token.children)
        ):
            # "troops in Ukraine would stop any new offensive": the thing stops a harm.
            stance, negated, carrier = SUPPORT, _is_negated(token, cues), token
        if position > 0 and token.lemma_.lower() in cues.substitute_words:
            # What is said of X's replacement is said against X; "no substitute for X"
            # denies the replacement, which backs X.
            sign, polar_seen = -sign, True
            if _is_negated(token, cues):
                sign = -sign
            continue
        if token.lower_ in cues.deprivatives:
            return CONDITIONAL if any(_is_negated(t, cues) for t in path) else SUPPORT
        proposed = path[-1].lemma_.lower() in cues.proposal_verbs
        if (
            stance == CONDITIONAL
            and negated
            and (token.pos_ in ("VERB", "ADJ") or _keeps_open(carrier, on_path, cues))
        ):
            # "we are not considering sending personnel", "not open to it", "not an option"
            return OPPOSE
        if _hedged(token, cues) and not proposed and negated and stance is None:
            return OPPOSE  # "Japan could not send troops": unable or unwilling, no hedge
        if stance == CONDITIONAL or (_hedged(token, cues) and not proposed):
            return CONDITIONAL
        if proposed and _hedged(token, cues):
            polar_seen = True  # "suggested troops could patrol": proposed, so backed
        if not polar_seen and any(
            c.dep_ == "advmod" and c.lower_ in cues.pending_words for c in token.children
        ):
            # "has yet to be agreed": where things stand, not a side.
            return NEUTRAL
        if stance == NEUTRAL and not polar_seen and token.pos_ == "VERB" and negated:
            # "had not discussed", "has not talked about": a denial of talks takes no side
            # (negation would read it as opposition); a verdict below it on the path wins.
            return NEUTRAL
        if (
            not polar_seen
            and position > 0
            and token.pos_ == "VERB"
            and token.lemma_.lower() in cues.talk_verbs
            and token.lemma_.lower() != "meet"
            # Talks had ("discussed", "have discussed"), not ones that could be held.
            and token.tag_ in ("VBD", "VBN")
            and not any(c.dep_ == "aux" and c.lower_ in _HYPOTHETICAL for c in token.children)
            and (
                path[position - 1].dep_ == "dobj"
                or path[position - 1].lower_ in ("on", "about", "over")
            )
        ):
            talked = True  # "we discussed air policing": spoken of, no side taken
        if stance in _SIGN:
            sign *= _SIGN[stance]
            polar_seen = True
        if negated and stance == SUPPORT and _aims_at_harm(carrier, cues):
            # "the force does not aim to wage war": a harm denied, not the thing.
            negated = False
        if negated:
            # "is not opposed to" reads as openness, not as support; "would not be
            # provocative" denies a verdict on the thing, which backs it.
            if stance == OPPOSE and not _is_verdict(carrier, cues) and not halting:
                return CONDITIONAL
            sign *= -1
            polar_seen = True
        if token.lemma_.lower() in cues.imagining_verbs and _doubted(token, cues):
            # "hard to imagine China as a guarantor": doubt, as "cannot imagine" is.
            sign, polar_seen = -sign, True
        if _leaves_clause(token) and polar_seen and not _denial_described(token, sign, cues):
            # A participle or coordinated clause is its own assertion: stop composing.
            break
    if not polar_seen:
        # Talks the speaker reports having had on it (convention 7); to come, they are no
        # statement at all (`announces_talks`).
        return NEUTRAL if talked else None
    if sign > 0 and _set_condition(path, on_path, cues):
        return CONDITIONAL  # "ready to send troops if the US provides a backstop"
    if sign < 0 and _refused_without(path, on_path, cues):
        return CONDITIONAL  # "would not send soldiers without American participation"
    return SUPPORT if sign > 0 else OPPOSE


def _refused_without(path: list[Token], on_path: set[int], cues: Cues) -> bool:
    """Say whether a refusal on the path holds only without something ("will not send
    troops without a US backstop" backs them with it: convention 6)."""
    return any(
        _is_negated(token, cues)
        and any(
            (c.dep_ == "prep" and c.lower_ in cues.deprivatives and c.i not in on_path)
            # "will not send troops unless the US provides a backstop"
            or (
                c.dep_ == "advcl"
                and c.i not in on_path
                and any(m.dep_ == "mark" and m.lower_ in cues.necessary_marks for m in c.children)
            )
            for c in _with_infinitive_children(token, on_path)
        )
        for token in path
    )


def _with_infinitive_children(token: Token, on_path: set[int]) -> list[Token]:
    """A verb's children and those of the infinitive it governs off the path: the parse may
    hang a condition on either ("will not ask soldiers to go there unless ...")."""
    children = list(token.children)
    for child in token.children:
        if child.dep_ == "xcomp" and child.i not in on_path:
            children += child.children
    return children


def _set_condition(path: list[Token], on_path: set[int], cues: Cues) -> bool:
    """Say whether a verb on the path is backed on a condition its own if/unless clause
    names ("ready to take part if the United States provides a backstop"); a ceasefire or
    peace only times it (convention 6: a force for after a ceasefire is not conditional)."""
    for token in path[1:]:
        for clause in _with_infinitive_children(token, on_path):
            if clause.dep_ != "advcl" or clause.i in on_path:
                continue
            if not any(is_condition_mark(m, cues) for m in clause.children):
                continue
            if any(t.lemma_.lower() in cues.timing_words for t in clause.subtree):
                continue
            return True
    return False


def is_condition_mark(token: Token, cues: Cues) -> bool:
    """Say whether a token opens a condition ("if", "unless"), not a concession ("even if")."""
    return (
        token.dep_ == "mark"
        and token.lower_ in cues.condition_marks
        and not (token.i > 0 and token.nbor(-1).lower_ in cues.concessive_words)
        and not _readiness(token, cues)
    )


def _readiness(mark: Token, cues: Cues) -> bool:
    """Say whether an if-clause only states readiness ("troops on the ground if
    necessary", "if need be"): no condition the speaker sets."""
    words = {t.lower_ for t in mark.head.subtree if not t.is_punct} - {mark.lower_}
    return bool(words) and words <= cues.readiness_words


def _restricted(token: Token, cues: Cues) -> bool:
    """Say whether "only" restricts a subordinator or preposition: right before it, or
    earlier on the verb it hangs on ("would only be credible if ...", "would only be
    possible with ...")."""
    if token.i > 0 and token.nbor(-1).lower_ in cues.restricting_words:
        return True
    verb = token.head.head if token.dep_ == "mark" else token.head
    return any(
        c.dep_ == "advmod" and c.lower_ in cues.restricting_words and c.i < token.i
        for c in verb.children
    )


def _demanded_condition(path: list[Token], cues: Cues) -> int | None:
    """Return the position on the path of a condition the speaker demands, when the cue
    lies inside it: a clause "only if / only once ..." or "unless ...", or a phrase "only
    with / only as part of ..." ("will deploy only as part of a force with a US backstop").
    A ceasefire or peace in it only times the plan (convention 6): no demand."""
    for position in range(len(path) - 1):  # below the attribution verb
        token = path[position]
        if token.dep_ == "prep" and token.lower_ in cues.demanded_prepositions:
            found = _restricted(token, cues)
        else:
            found = any(
                c.dep_ == "mark"
                and (
                    (c.lower_ in cues.demanded_marks and _restricted(c, cues))
                    or c.lower_ in cues.necessary_marks
                )
                for c in token.children
            )
        if found:
            # The cue's own phrase ("binding agreements") names the topic, not a time.
            own = {t.i for t in path[0].subtree}
            if any(t.lemma_.lower() in cues.timing_words and t.i not in own for t in token.subtree):
                return None
            return position
    return None


def own_polarity(verb: Token, cues: Cues) -> str | None:
    """Return the stance a verb's own word takes, turned by its own negation ("would fund":
    support; "would not fund": oppose), or None when the word takes none."""
    stance = _word_stance(verb, cues)
    if stance not in _SIGN:
        return stance
    if _is_negated(verb, cues):
        return OPPOSE if stance == SUPPORT else SUPPORT
    return stance


def condition_position(path: list[Token], cues: Cues) -> int | None:
    """Return the position on the path of the condition the cue lies in, if any: a verb
    its if/unless clause opens, "without", or the "on" of "depend on"."""
    cue = path[0]
    for word in cue.sent:
        # ", provided the United States provides a backstop": the parse seldom makes
        # "provided" a subordinator, but the clause it opens runs on after it.
        if word.i >= cue.i:
            break
        if (
            word.lower_ in ("provided", "providing")
            and word.i > 0
            and word.nbor(-1).text == ","
            and word.nbor(1).lower_ != "by"
        ):
            return 0
    for position in range(len(path) - 1):  # below the attribution verb
        token = path[position]
        if token.lower_ in cues.deprivatives and (position > 0 or token.dep_ == "prep"):
            return position
        if (
            token.dep_ == "prep"
            and token.lower_ in ("on", "upon")
            and token.head.lemma_.lower() in cues.dependency_words
        ):
            return position
        if any(
            is_condition_mark(c, cues) or (c.dep_ == "mark" and c.lower_ in cues.necessary_marks)
            for c in token.children
        ):
            return position
    return None


def _denied_below(path: list[Token], position: int, cues: Cues) -> bool:
    """Say whether the demanded condition denies its topic ("only if no NATO troops are
    deployed", "unless membership is ruled out")."""
    return any(
        _is_negated(token, cues) or _word_stance(token, cues) == OPPOSE
        for token in path[: position + 1]
    )


def stance_of_words(text: str, cues: Cues) -> str | None:
    """Fall back on the stance words of a whole utterance (a quote spread over sentences)."""
    if cues.conditional_pattern.search(text):
        return CONDITIONAL
    words = re.findall(r"[a-z']+", text.lower())
    found = {cues.stance_words.get(w) for w in words}
    negated = any(w in cues.negators for w in words)
    if OPPOSE in found:
        return OPPOSE
    if CONDITIONAL in found:
        return CONDITIONAL
    if SUPPORT in found:
        return OPPOSE if negated and "not" in words else SUPPORT
    return None


def warns_of_harm(verb: Token | None, sentence: Span, cues: Cues) -> bool:
    """Say whether a warning verb names a harm ("warned it could trigger tensions")."""
    if verb is None or verb.lemma_ not in ("warn", "caution"):
        return False
    if any(child.lower_ == "against" for child in verb.children):
        return True
    return any(t.lemma_.lower() in cues.harm_words for t in sentence)
