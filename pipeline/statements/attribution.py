"""Attribution units: who says or holds what, read from the dependency parse.

A unit is one act of saying or holding (a speech verb, a position verb, an adjective such
as "ready to", "according to") with its speaker and the character ranges it governs. The
speaker is resolved in speakers.py; quotes (quotes.py) and dash bylines (bylines.py) are
found apart, and their names are re-exported here for the extractor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spacy.tokens import Span, Token

from pipeline.statements.actors import find_mentions
from pipeline.statements.bylines import dash_attributions, resolve_name_text
from pipeline.statements.cues import Cues
from pipeline.statements.model import Actor
from pipeline.statements.quotes import Quote, find_quotes
from pipeline.statements.speakers import (
    ACTOR,
    ANONYMOUS,
    MEDIA,
    UNRESOLVED,
    ArticleContext,
    absolute,
    ctx_offset,
    lookup_chain,
    prep_objects,
    remember_people,
    remember_registry_mentions,
    remember_subjects,
    resolve_subject,
    vaguely_determined,
)

__all__ = [
    "UnitIndex",
    "ACTOR",
    "ANONYMOUS",
    "MEDIA",
    "UNRESOLVED",
    "ArticleContext",
    "Attribution",
    "Quote",
    "absolute",
    "ctx_offset",
    "dash_attributions",
    "find_attributions",
    "find_quotes",
    "lookup_chain",
    "own_clause",
    "remember_people",
    "remember_registry_mentions",
    "remember_subjects",
    "resolve_name_text",
    "resolve_subject",
]


@dataclass
class Attribution:
    """One act of saying or holding: a speaker, the verb, and what it governs."""

    status: str
    speaker: Actor | None
    method: str
    kind: str
    verb: Token | None
    verb_stance: str | None
    content: list[tuple[int, int]]
    anchor: int
    depth: int
    paragraph: int
    sentence: tuple[int, int]
    in_quote: bool = False
    cited: Actor | None = None

    def covers(self, offset: int) -> bool:
        """Say whether a character offset lies in what this attribution governs."""
        return any(start <= offset < end for start, end in self.content)

    def speaker_for_content(self) -> Actor | None:
        """Return the actor the governed content belongs to, if any."""
        if self.status == ACTOR:
            return self.speaker
        if self.status == MEDIA:
            return self.cited
        return None


def _subject_tokens(verb: Token, cues: Cues) -> list[Token]:
    """Return the subject(s) that do the verb: nsubj, a passive agent, or an inherited one."""
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    if not subjects and verb.lemma_.lower() in cues.citing_verbs:
        # "X was quoted (by the agency) as saying ...": X speaks; the agent only reports.
        quoted = [c for c in verb.children if c.dep_ == "nsubjpass"]
        if quoted and quoted[0].tag_ in ("WP", "WDT") and verb.dep_ == "relcl":
            quoted = [verb.head]  # "Sybiha, who was quoted as saying"
        if quoted:
            subjects = quoted
    if not subjects:
        for child in verb.children:
            if child.dep_ == "agent":
                subjects = [g for g in child.children if g.dep_ == "pobj"]
    if not subjects and any(c.dep_ == "nsubjpass" for c in verb.children):
        return []
    if not subjects and verb.head.i != verb.i:
        inherits = (
            verb.dep_ in ("conj", "xcomp")
            or (verb.dep_ == "advcl" and verb.tag_ == "VBG")
            or (verb.dep_ == "ccomp" and verb.head.lemma_.lower() in cues.question_verbs)
        )
        if inherits:
            return _subject_tokens(verb.head, cues)
    if not subjects and verb.dep_ == "pcomp" and verb.head.lower_ == "with" and verb.tag_ == "VBG":
        # "..., with Andrii Sybiha insisting that ...": the name the parse made the object
        # of "with" does the verb.
        subjects = [c for c in verb.head.children if c.dep_ == "pobj" and c.i < verb.i]
    if not subjects:
        # "Merz, asked whether German soldiers would take part, said ...": the parse makes
        # the name the subject of "asked", a clause hung on the speech verb.
        for child in verb.children:
            if (
                child.i < verb.i
                and child.dep_ in ("ccomp", "advcl", "parataxis")
                and child.lemma_.lower() in cues.question_verbs
            ):
                subjects = [c for c in child.children if c.dep_ == "nsubj"][:1]
                break
    if not subjects and verb.dep_ == "parataxis":
        # "Witkoff, speaking in the courtyard, says Washington will ...": the parse made the
        # speaker the subject of the reported clause, which has its own after the verb.
        before = [c for c in verb.head.children if c.dep_ == "nsubj" and c.i < verb.i]
        after = [c for c in verb.head.children if c.dep_ == "nsubj" and c.i > verb.i]
        if before and after and before[0].pos_ == "PROPN":
            subjects = before[:1]
    if not subjects and verb.dep_ == "ROOT":
        subjects = _stranded_subject(verb)
    if not subjects and _hung_on_name(verb):
        # '"...," Jane Roe, the minister, posted': a parse that hung the verb on the name as
        # a modifier; the name is who speaks.
        subjects = [verb.head]
    if len(subjects) == 1 and subjects[0].lower_ == "they":
        subjects = _governing_group(subjects[0]) or subjects
    result = []
    for subject in subjects:
        subject = _named_example(subject, cues) or subject
        result.append(subject)
        result += [_possessed_name(c) or c for c in subject.conjuncts if c.i > subject.i]
    return result


def _governing_group(pronoun: Token) -> list[Token]:
    """Return the coordinated subject of the clause governing a "they" ("Estonia and
    Belgium said they were ready": Estonia, whose conjuncts follow), or nothing."""
    for verb in pronoun.head.ancestors:
        subject = next((c for c in verb.children if c.dep_ == "nsubj" and c.i < pronoun.i), None)
        if subject is not None:
            return [subject] if subject.conjuncts else []
    return []


def _possessed_name(conjunct: Token) -> Token | None:
    """Return the name a possessive conjunct introduces ("Meloni and Poland's Donald Tusk":
    Tusk, whom the parse may hang elsewhere), or None when it is no possessor."""
    case = next((c for c in conjunct.children if c.dep_ == "case" and c.i > conjunct.i), None)
    if case is None:
        return None
    end = case.i + 1
    while end < len(conjunct.doc) and conjunct.doc[end].pos_ == "PROPN":
        end += 1
    return conjunct.doc[end - 1] if end > case.i + 1 else None


def _hung_on_name(verb: Token) -> bool:
    """Say whether a verb without subject hangs on a name, after a comma, as a modifier
    ("Jane Roe, President of the Council, posted after ..."): the parse's way of missing
    that the name is its subject."""
    return (
        verb.dep_ == "acl"
        and verb.head.pos_ == "PROPN"
        and verb.i > verb.head.i
        and verb.doc[verb.i - 1].text == ","
        and not any(c.dep_ in ("agent", "dobj") for c in verb.children)
    )


def _stranded_subject(verb: Token) -> list[Token]:
    """Find the name a parse left hanging before its verb ("Speaking in Oslo, NATO chief
    Mark Rutte, who ..., insisted": the name attached as an apposition of "Oslo").

    The name is an apposition whose phrase ends right before the verb (commas aside), and
    the verb has no subject of its own.
    """
    before = verb.i - 1
    while before >= verb.sent.start and verb.doc[before].is_punct:
        before -= 1
    if before < verb.sent.start:
        return []
    token = verb.doc[before]
    while token.head.i != token.i and token.i < verb.i:
        if token.dep_ == "appos" and token.pos_ == "PROPN" and token.right_edge.i == before:
            return [token]
        token = token.head
    return []


def _named_example(subject: Token, cues: Cues) -> Token | None:
    """Return the first named example of a collective subject ("countries such as Spain and
    Portugal" -> Spain; its conjuncts follow), or None."""
    if subject.lemma_.lower() in cues.member_nouns and subject.tag_ == "NNS":
        # "Leaders of Denmark, Sweden and Norway issued a joint statement": each government
        # (convention 3); "NATO leaders" and "leaders of the G7" resolve to the organisation.
        named = [g for g in prep_objects(subject, "of") if g.pos_ == "PROPN"]
        if named and named[0].conjuncts:
            return named[0]
    if subject.lemma_.lower() not in cues.example_heads:
        return None
    for child in subject.children:
        if child.dep_ == "prep" and child.lower_ in cues.example_prepositions:
            named = [g for g in child.children if g.dep_ == "pobj" and g.pos_ == "PROPN"]
            if named:
                return named[0]
    for child in subject.children:
        # "several allies, notably Hungary and Slovakia, ...": the apposition names them.
        if child.dep_ == "appos" and child.pos_ == "PROPN":
            return child
    return None


def _ranges(tokens: list[Token]) -> list[tuple[int, int]]:
    """Merge tokens into absolute character ranges."""
    ranges: list[tuple[int, int]] = []
    for token in sorted(tokens, key=lambda t: t.i):
        start, end = absolute(token), absolute(token) + len(token.text_with_ws)
        if ranges and start <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(end, ranges[-1][1]))
        else:
            ranges.append((start, end))
    return ranges


def _particle_stance(verb: Token, cues: Cues) -> tuple[bool, str | None]:
    """Return (found, stance) for a verb + particle pair such as "rule out" or "call for"; a
    pair that takes a stance wins over one that takes none ("spoke out against": against)."""
    found = False
    for child in verb.children:
        if child.dep_ in ("prt", "prep"):
            key = f"{verb.lemma_.lower()} {child.lower_}"
            if key in cues.particle_stances:
                if cues.particle_stances[key] is not None:
                    return True, cues.particle_stances[key]
                found = True
    return found, None


def _attribution_verb(token: Token, cues: Cues) -> tuple[str, str | None] | None:
    """Return (kind, stance) when a token attributes speech or a position."""
    lemma = token.lemma_.lower()
    if token.pos_ not in ("VERB", "AUX") and not token.tag_.startswith("VB"):
        return None
    if lemma == "make" and any(c.lower_ == "clear" for c in token.children):
        return "speech", None
    found, particle = _particle_stance(token, cues)
    if lemma in cues.verbs_needing_particle and not found:
        if any(c.dep_ == "oprd" or (c.dep_ == "prep" and c.lower_ == "as") for c in token.children):
            # "called the provision encouraging", "referred to the plan as simplistic": a
            # verdict, which its complement gives.
            return "speech", None
        return None
    if lemma in cues.speech_verbs:
        return "speech", particle if found else cues.speech_verbs[lemma]
    if lemma in cues.position_verbs:
        return "position", particle if found else cues.position_verbs[lemma]
    idiom = next(
        (
            cues.position_objects[c.lemma_.lower()]
            for c in token.children
            if c.dep_ == "dobj" and c.lemma_.lower() in cues.position_objects
        ),
        None,
    )
    if idiom is not None:
        return "position", idiom  # "left the door open to ...", "poured cold water on ..."
    if any(c.dep_ == "dobj" and c.lemma_.lower() in cues.speech_nouns for c in token.children):
        return "speech", None
    return None


def _adjective_position(token: Token, cues: Cues) -> str | None:
    """Return the stance of "X is ready/open/opposed to ..." at its adjective."""
    stance = cues.position_adjectives.get(token.lower_)
    if stance and token.dep_ == "acomp" and token.head.lemma_ == "be":
        return stance
    return None


def _trailing_speech(verb: Token, kind: str) -> bool:
    """Say whether a speech verb is a trailing or parenthetical attribution ("..., X said,"),
    which the parse attaches below the clause it reports."""
    if kind != "speech":
        return False
    if verb.dep_ == "parataxis":
        return True
    # "Poland will not deploy troops, Prime Minister Donald Tusk repeats before going in":
    # a parse that coordinates the speech verb with the clause it reports (no "and"/"but").
    if verb.dep_ != "conj" or verb.head.i > verb.i:
        return False
    if any(c.dep_ == "cc" and verb.head.i < c.i < verb.i for c in verb.head.children):
        return False
    subjects = [c for c in verb.children if c.dep_ == "nsubj" and c.i < verb.i]
    return (
        bool(subjects)
        and subjects[0].left_edge.i > 0
        and (verb.doc[subjects[0].left_edge.i - 1].text == ",")
    )


def _depth(token: Token) -> int:
    depth = 0
    while token.head.i != token.i:
        token, depth = token.head, depth + 1
    return depth


def _cited_person(verb: Token, ctx: ArticleContext) -> Actor | None:
    """Find whom a news report cites ("..., citing remarks from Elbridge Colby")."""
    for token in verb.sent:
        if token.lemma_ in ctx.cues.citing_verbs or (
            token.lower_ == "according" and any(c.lower_ == "to" for c in token.children)
        ):
            for inner in token.subtree:
                if inner.pos_ == "PROPN" and inner.dep_ not in ("compound", "flat"):
                    status, actor, _ = resolve_subject(inner, ctx)
                    if status == ACTOR and actor is not None:
                        return actor
    return None


def _unit(
    status: str,
    actor: Actor | None,
    method: str,
    kind: str,
    verb: Token | None,
    stance: str | None,
    content: list[Token],
    paragraph: int,
    sentence: Span,
    ctx: ArticleContext,
) -> Attribution:
    anchor = absolute(verb) if verb is not None else absolute(sentence[0])
    return Attribution(
        status=status,
        speaker=actor,
        method=method,
        kind=kind,
        verb=verb,
        verb_stance=stance,
        content=_ranges(content),
        anchor=anchor,
        depth=(-1 if _trailing_speech(verb, kind) else _depth(verb)) if verb is not None else 0,
        paragraph=paragraph,
        sentence=(absolute(sentence[0]), absolute(sentence[-1]) + len(sentence[-1].text)),
        in_quote=ctx.in_quote(anchor) is not None,
    )


def _is_hypothetical(verb: Token, cues: Cues) -> bool:
    """Say whether a verb sits in a "whether ..."/"if ..." clause, is what the actor must or
    should do, or has yet to do (nobody asserts it)."""
    if any(c.dep_ == "aux" and c.lower_ in cues.obligation_modals for c in verb.children):
        return True
    if verb.dep_ == "xcomp" and any(
        c.dep_ == "advmod" and c.lower_ in cues.pending_words for c in verb.head.children
    ):
        return True  # "has yet to offer guarantees": nothing offered, nothing said
    token = verb
    for _ in range(3):
        if any(c.dep_ == "mark" and c.lower_ in cues.hypothetical_marks for c in token.children):
            return True
        if token.dep_ != "conj":
            return False
        token = token.head
    return False


class UnitIndex:
    """An article's attributions, found by the sentence they sit in (a scan of all of them
    for every sentence made long pages quadratic)."""

    def __init__(self, units: list[Attribution]) -> None:
        self.units = units
        self.by_sentence: dict[int, list[Attribution]] = {}
        for unit in units:
            self.by_sentence.setdefault(unit.sentence[0], []).append(unit)
        self.dashes = [unit for unit in units if unit.kind == "dash"]

    def of_sentence(self, start: int) -> list[Attribution]:
        """Return the attributions of the sentence starting at `start`."""
        return self.by_sentence.get(start, [])


def own_clause(token: Token, cues: Cues) -> bool:
    """Say whether a conjunct is a clause with its own subject ("Rome has ruled out X, but
    Paris wants Y", "..., while Paris wants Y"): what it says belongs to its subject, not to
    the first verb's."""
    if token.dep_ == "advcl":
        contrasted = any(
            c.dep_ == "mark" and c.lower_ in cues.contrast_marks for c in token.children
        )
        if not contrasted:
            return False
    elif token.dep_ != "conj" or any(
        c.dep_ == "mark" and c.lower_ in cues.condition_marks for c in token.children
    ):
        # A condition the parse coordinated (", but only if there was ...") conditions
        # the clause before it; it asserts nothing of its own.
        return False
    return any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in token.children)


def _units_for_subjects(
    subjects: list[Token],
    verb: Token,
    kind: str,
    stance: str | None,
    paragraph: int,
    sentence: Span,
    ctx: ArticleContext,
) -> list[Attribution]:
    excluded: set[int] = set()
    for subject in subjects:
        excluded |= {t.i for t in subject.subtree}
    for child in verb.children:
        if child.dep_ == "agent" or own_clause(child, ctx.cues):
            excluded |= {t.i for t in child.subtree}
    content = [t for t in verb.subtree if t.i not in excluded]
    if verb.dep_ == "conj" and not any(
        c.dep_ in ("nsubj", "nsubjpass", "csubj") for c in verb.children
    ):
        # "The plan was welcomed by Kyiv but rejected by Moscow": the passive subject both
        # verbs share is what the second is about too.
        content += [
            t
            for c in verb.head.children
            if c.dep_ == "nsubjpass"
            for t in c.subtree
            if t.i not in excluded
        ]
    if _trailing_speech(verb, kind):
        # "The White House is weighing X, two officials said": the parse hangs the speech
        # verb on the clause it reports; the speaker holds the whole sentence.
        content = [t for t in sentence if t.i not in excluded]
    if verb.dep_ == "acl" and verb.head.lemma_.lower() in ctx.cues.proposal_nouns:
        # "a proposal backed by Washington: ..." - the backer holds the whole proposal.
        content += [t for t in sentence if t.i not in excluded and t not in content]
    if _is_hypothetical(verb, ctx.cues):
        return [
            _unit(
                UNRESOLVED,
                None,
                "hypothetical",
                kind,
                verb,
                stance,
                content,
                paragraph,
                sentence,
                ctx,
            )
        ]
    if not subjects:
        status = ANONYMOUS if any(c.dep_ == "nsubjpass" for c in verb.children) else UNRESOLVED
        return [_unit(status, None, "none", kind, verb, stance, content, paragraph, sentence, ctx)]
    verb_quoted = ctx.in_quote(absolute(verb)) is not None
    if verb_quoted:
        # Speech reported inside a quote never owns anything (units in quotes are skipped
        # when owners are chosen): not worth resolving its subject.
        return [
            _unit(UNRESOLVED, None, "quoted", kind, verb, stance, content, paragraph, sentence, ctx)
        ]
    # '"..., endorsed by parliaments," Zelenskyy stressed': a subject inside the quote
    # is a parse error; the speaker stands outside it.
    outside = [t for t in subjects if ctx.in_quote(absolute(t)) is None]
    subjects = outside or subjects
    if len(subjects) > 1 and any(_vague_collective(t, ctx.cues) for t in subjects):
        # "NATO, Ukraine and other officials said": a collective spanning several
        # governments, whose members are not each speaking (convention 2).
        return [
            _unit(
                ANONYMOUS, None, "collective", kind, verb, stance, content, paragraph, sentence, ctx
            )
        ]
    units = []
    for subject in subjects:
        head = subject
        if subject.lower_ in ctx.cues.relative_pronouns and verb.dep_ == "relcl":
            head = verb.head
            subjects_here = [head] + [c for c in head.conjuncts]
        else:
            subjects_here = [head]
        pair = head.lower_ == "they" or _names_a_pair(head, ctx.cues)
        group = ctx.group_antecedent(absolute(head)) if pair else []
        if group:
            # "Macron and Zelensky met ... They said ...": the pair named last.
            units += [
                _unit(ACTOR, a, "pronoun", kind, verb, stance, content, paragraph, sentence, ctx)
                for a in group
            ]
            continue
        for each in subjects_here:
            status, actor, method = resolve_subject(each, ctx)
            unknown = status == UNRESOLVED or (
                method == "new-person" and actor and " " not in actor.name
            )
            if unknown and _unknown_outlet(each, verb, ctx.cues):
                status, actor, method = MEDIA, None, "media"
            unit = _unit(
                status, actor, method, kind, verb, stance, content, paragraph, sentence, ctx
            )
            if status == MEDIA:
                unit.cited = _cited_person(verb, ctx)
            units.append(unit)
    return units


def _names_a_pair(subject: Token, cues: Cues) -> bool:
    """Say whether a subject refers back to two people ("both men", "the two leaders",
    "both")."""
    if subject.lower_ == "both" and subject.pos_ in ("PRON", "DET", "NOUN"):
        return True
    if subject.lower_ in ("leaders", "men", "women") and any(
        c.lower_ == "the" and c.dep_ == "det" for c in subject.children
    ):
        return True  # "The leaders said ..." right after two people met
    return subject.lower_ in cues.pair_nouns and any(
        c.lower_ in ("both", "two") and c.dep_ in ("det", "predet", "nummod", "amod")
        for c in subject.children
    )


def _vague_collective(subject: Token, cues: Cues) -> bool:
    """Say whether a subject is an unnamed set of people ("other officials")."""
    return subject.pos_ == "NOUN" and vaguely_determined(subject, cues)


def _according_units(sentence: Span, paragraph: int, ctx: ArticleContext) -> list[Attribution]:
    units = []
    for token in sentence:
        target = None
        if token.lower_ == "according":
            to = next((c for c in token.children if c.lower_ == "to"), None)
            target = next((c for c in to.children if c.dep_ == "pobj"), None) if to else None
        elif token.lemma_.lower() in ctx.cues.view_nouns and token.head.lower_ == "in":
            # "In his view, ...", "in Moscow's opinion": the owner of the view.
            target = next((c for c in token.children if c.dep_ == "poss"), None)
            token = token.head
        if target is None:
            continue
        phrase = {t.i for t in token.subtree}
        content = [t for t in sentence if t.i not in phrase]
        if ctx.in_quote(absolute(token)) is not None:
            status, actor, method = UNRESOLVED, None, "quoted"  # never an owner
        else:
            status, actor, method = resolve_subject(target, ctx)
            if status == UNRESOLVED and _unknown_outlet(target, None, ctx.cues):
                status, method = MEDIA, "media"  # "according to Ukrinform
        unit = _unit(
            status, actor, method, "according", token, None, content, paragraph, sentence, ctx
        )
        if status == ACTOR and token.lower_ == "according":
            # "According to Ushakov, Moscow rejects ...": the named source speaks the whole
            # clause, whatever position it reports (convention 1).
            unit.depth = -1
        units.append(unit)
    return units


def _recap_units(
    verb: Token, units: list[Attribution], sentence: Span, paragraph: int, ctx: ArticleContext
) -> list[Attribution]:
    """'This was stated by Maria Zakharova at a briefing': the sentence before is hers."""
    if verb.dep_ != "ROOT" or sentence.start == 0:
        return []
    recap = [c for c in verb.children if c.dep_ in ("nsubjpass", "dobj")]
    # "informed about this on Telegram", "wrote about this": the demonstrative after "about".
    recap += [g for c in verb.children if c.lower_ == "about" for g in c.children]
    if not any(c.lower_ in ctx.cues.recap_words and c.n_lefts + c.n_rights == 0 for c in recap):
        return []
    before = sentence.doc[sentence.start - 1].sent
    if ctx.in_quote(absolute(before[0])) is not None:
        return []  # a quote has its own speaker
    speaking = [unit for unit in units if unit.status in (ACTOR, MEDIA)]
    if not speaking:
        # "This was stated at a briefing by X": the parse hangs the agent on the noun.
        agent = next(
            (
                g
                for t in verb.subtree
                if t.lower_ == "by" and t.dep_ in ("prep", "agent")
                for g in t.children
                if g.dep_ == "pobj" and g.pos_ in ("PROPN", "NOUN")
            ),
            None,
        )
        if agent is None:
            return []
        status, actor, method = resolve_subject(agent, ctx)
        if status != ACTOR:
            return []
        speaking = [
            _unit(status, actor, method, "speech", verb, None, [], paragraph, sentence, ctx)
        ]
    bounds = (absolute(before[0]), absolute(before[-1]) + len(before[-1].text))
    return [
        # depth -1: the one who said it owns the sentence, whatever subject it reports.
        replace(unit, content=_ranges(list(before)), sentence=bounds, depth=-1, verb_stance=None)
        for unit in speaking
    ]


def _echoed_units(verb: Token, units: list[Attribution], ctx: ArticleContext) -> list[Attribution]:
    """'X said such a force was unacceptable, echoing remarks by Y': Y holds the words too."""
    speaker = next((u for u in units if u.status == ACTOR and u.speaker is not None), None)
    if speaker is None:
        return []
    for token in verb.subtree:
        if not (
            token.pos_ == "VERB"
            and token.dep_ in ("advcl", "xcomp", "conj")
            and token.lemma_.lower() in ctx.cues.sharing_verbs
            and token.i > verb.i
        ):
            continue
        for inner in token.subtree:
            if inner.pos_ != "PROPN" or inner.dep_ in ("compound", "flat"):
                continue
            if ctx.in_quote(absolute(inner)) is not None:
                continue
            status, actor, _ = resolve_subject(inner, ctx)
            # A person only: "reiterating Moscow's position" is the speaker's own side.
            if (
                status == ACTOR
                and actor is not None
                and actor.kind == "person"
                and actor != speaker.speaker
            ):
                return [replace(speaker, speaker=actor, method="echoed")]
    return []


def _unknown_outlet(subject: Token, verb: Token | None, cues: Cues) -> bool:
    """Say whether an unknown one-word name is a news agency: the subject of "reported"
    ("..., Agerpres reported") or the source of "according to" ("according to Ukrinform")."""
    if subject.pos_ != "PROPN" or any(
        c.dep_ in ("compound", "flat") and c.pos_ == "PROPN" for c in subject.children
    ):
        return False
    return verb is None or verb.lemma_.lower() in cues.outlet_verbs


def _media_subjects(verb: Token, cues: Cues) -> list[Token]:
    """The subjects of a verb that are news reports ("reports emerged", "media say")."""
    if verb.pos_ != "VERB":
        return []
    return [
        c
        for c in verb.children
        if c.dep_ == "nsubj" and c.pos_ == "NOUN" and c.lemma_.lower() in cues.media_nouns
    ]


def find_attributions(sentence: Span, paragraph: int, ctx: ArticleContext) -> list[Attribution]:
    """Find every attribution a parsed sentence makes."""
    units: list[Attribution] = []
    for token in sentence:
        found = _attribution_verb(token, ctx.cues)
        if found is not None:
            kind, stance = found
            subjects = _subject_tokens(token, ctx.cues)
            found_here = _units_for_subjects(
                subjects, token, kind, stance, paragraph, sentence, ctx
            )
            units += found_here + _echoed_units(token, found_here, ctx)
            if kind == "speech":
                units += _recap_units(token, found_here, sentence, paragraph, ctx)
            continue
        reports = _media_subjects(token, ctx.cues)
        if reports:
            # "Media reports emerged that X is pushing for ...": the outlet's account, whatever
            # its verb.
            units += _units_for_subjects(reports, token, "speech", None, paragraph, sentence, ctx)
            continue
        stance = _adjective_position(token, ctx.cues)
        if stance is not None:
            subjects = [c for c in token.head.children if c.dep_ == "nsubj"]
            if len(subjects) == 1 and subjects[0].lower_ == "they":
                group = _governing_group(subjects[0])
                subjects = [*group, *group[0].conjuncts] if group else subjects
            if subjects:
                units += _units_for_subjects(
                    subjects, token, "adjective", stance, paragraph, sentence, ctx
                )
    units += _according_units(sentence, paragraph, ctx)
    units += _holder_units(sentence, paragraph, ctx)
    return units


# How far after "supporters, notably" the named example must start.
_EXAMPLE_REACH = 60


def _holder_units(sentence: Span, paragraph: int, ctx: ArticleContext) -> list[Attribution]:
    """'The force has its supporters, notably Keir Starmer': the named example holds the
    stance the noun names, on what the rest of the sentence says."""
    text = sentence.text
    units = []
    for match in ctx.cues.holder_pattern.finditer(text):
        stance = ctx.cues.holder_nouns[match.group(1).lower()]
        rest = text[match.end() : match.end() + _EXAMPLE_REACH + 40]
        mentions = [m for m in find_mentions(ctx.registry, rest) if m[0] <= _EXAMPLE_REACH]
        if not mentions:
            continue
        start, end, actor = mentions[0]
        base = absolute(sentence[0])
        name = (base + match.end() + start, base + match.end() + end)
        content = [t for t in sentence if not name[0] <= absolute(t) < name[1]]
        if ctx.in_quote(name[0]) is not None:
            continue
        units.append(
            _unit(
                ACTOR, actor, "example", "position", None, stance, content, paragraph, sentence, ctx
            )
        )
    return units
