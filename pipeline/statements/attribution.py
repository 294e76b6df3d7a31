"""Attribution: who says or holds what, from the dependency parse, quotes and dash lines."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from spacy.tokens import Doc, Span, Token

from pipeline.statements.actors import (
    Registry,
    country_of_words,
    find_mentions,
    fold,
    lookup_demonym,
    lookup_name,
    lookup_office,
    new_person,
)
from pipeline.statements.cues import Cues
from pipeline.statements.model import Actor

# Speaker statuses: a real actor, nobody nameable, a news outlet relaying someone, or unknown.
ACTOR, ANONYMOUS, MEDIA, UNRESOLVED = "actor", "anonymous", "media", "unresolved"

_OPENERS = "“«„"
_CLOSERS = "”»"
_QUOTE_MARKS = re.compile(r"[“”\"«»„]")
_PRONOUNS = {"he": "m", "she": "f", "him": "m", "her": "f"}
_RELATIVE = {"who", "which", "that"}
_VAGUE_PRONOUNS = {"they", "it", "we", "i", "you", "this", "these", "those", "one", "there"}
_VAGUE_DETERMINERS = {
    "a",
    "an",
    "one",
    "some",
    "several",
    "many",
    "most",
    "few",
    "certain",
    "another",
    "other",
    "various",
    "numerous",
    "all",
    "both",
}
_DASH_LINE = re.compile(r"^[–—-]\s*(?P<who>[^–—\n]{3,90}?)\s*$")
_DASH_TAIL = re.compile(r"^(?P<body>.{12,}?)[\s”\"]+[–—-]\s*(?P<who>[^–—\n]{3,90}?)\s*$", re.DOTALL)
_NAME_WORD = re.compile(r"^[A-Z][\w'’.-]*$")
_ROLE_MATCHES = {
    "parliamentarian": ("parliament", "lawmaker", "mp", "deputy", "senator", "congress"),
    "lawmaker": ("parliament", "lawmaker", "mp", "deputy", "senator", "congress"),
    "mp": ("parliament", "lawmaker", "mp"),
    "diplomat": ("minister", "ambassador", "envoy", "diplomat", "representative"),
    "chief": ("chief", "head", "secretary general", "president", "leader"),
    "leader": ("president", "prime minister", "chancellor", "leader", "head"),
    "head": ("head", "chief", "president", "director"),
    "negotiator": ("negotiator", "envoy", "minister", "adviser"),
    "premier": ("prime minister", "premier"),
}


@dataclass(frozen=True, slots=True)
class Quote:
    """A quoted stretch of text (marks included) and the utterance it belongs to."""

    start: int
    end: int
    group: int


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


@dataclass
class ArticleContext:
    """What attribution needs to know about the article while reading it in order."""

    text: str
    published: date | None
    registry: Registry
    cues: Cues
    quotes: list[Quote]
    mentions: list[tuple[int, Actor, bool]] = field(default_factory=list)
    new_people: dict[str, Actor] = field(default_factory=dict)
    recognise: Callable[[Doc], Doc] | None = None

    def ensure_entities(self, doc: Doc) -> None:
        """Run the entity recogniser on a paragraph once, on demand, and note its people."""
        if self.recognise is None or doc.user_data.get("entities"):
            return
        doc.user_data["entities"] = True
        self.recognise(doc)
        for sentence in doc.sents:
            remember_people(sentence, self)

    def in_quote(self, offset: int) -> Quote | None:
        """Return the quote that contains an offset."""
        for quote in self.quotes:
            if quote.start <= offset < quote.end:
                return quote
            if quote.start > offset:
                break
        return None

    def remember(self, offset: int, actor: Actor, salient: bool) -> None:
        """Note that a person was mentioned (salient: as a subject or speaker)."""
        if actor.kind == "person":
            self.mentions.append((offset, actor, salient))

    def antecedent(self, offset: int, gender: str | None, role: str | None = None) -> Actor | None:
        """Find the person a pronoun or role noun at `offset` refers back to."""
        candidates = [
            (at, actor, salient)
            for at, actor, salient in self.mentions
            if at < offset and offset - at < 2500 and self.in_quote(at) is None
        ]
        candidates.sort(key=lambda m: m[0])
        for want_salient in (True, False):
            for _, actor, salient in reversed(candidates):
                if want_salient and not salient:
                    continue
                known = self.registry.genders.get(actor.actor_id)
                if gender and known and known != gender:
                    continue
                if role and not _role_fits(role, actor):
                    continue
                return actor
        return None


def _role_fits(role_noun: str, actor: Actor) -> bool:
    role = fold(actor.role or "")
    wanted = _ROLE_MATCHES.get(role_noun, (role_noun,))
    return any(w in role for w in wanted)


# --- quotes -----------------------------------------------------------------------------


def _paragraph_end(text: str, offset: int) -> int:
    found = text.find("\n", offset)
    return len(text) if found < 0 else found


def find_quotes(text: str) -> list[Quote]:
    """Find quoted spans; a quote may run on across paragraphs, and such runs share a group."""
    quotes: list[Quote] = []
    open_at: int | None = None
    group = 0
    continues = False
    marks = list(_QUOTE_MARKS.finditer(text))
    for index, match in enumerate(marks):
        at, mark = match.start(), match.group()
        if open_at is not None and "\n" in text[open_at:at]:
            # An unclosed quote at a paragraph end: either the next paragraph reopens it
            # (the usual convention) or the quote simply runs on to a later closing mark.
            para_end = _paragraph_end(text, open_at)
            next_start = para_end + len(text[para_end:]) - len(text[para_end:].lstrip())
            reopens = next_start < len(text) and text[next_start] in _OPENERS + '"'
            closes_later = any(
                m.group() in _CLOSERS + '"' and "\n" not in text[next_start : m.start()]
                for m in marks[index:]
            )
            if reopens or not closes_later:
                quotes.append(Quote(open_at, para_end, group))
                continues = reopens
                open_at = None
        if open_at is None:
            if mark in _CLOSERS:
                continue
            if mark == '"' and at + 1 < len(text) and text[at + 1].isspace():
                continue
            if not continues:
                group += 1
            continues = False
            open_at = at
        elif mark in _CLOSERS or mark == '"':
            quotes.append(Quote(open_at, at + 1, group))
            open_at = None
    if open_at is not None:
        quotes.append(Quote(open_at, _paragraph_end(text, open_at), group))
    return quotes


# --- subjects ---------------------------------------------------------------------------


def _subject_tokens(verb: Token) -> list[Token]:
    """Return the subject(s) that do the verb: nsubj, a passive agent, or an inherited one."""
    subjects = [c for c in verb.children if c.dep_ == "nsubj"]
    if not subjects:
        for child in verb.children:
            if child.dep_ == "agent":
                subjects = [g for g in child.children if g.dep_ == "pobj"]
    if not subjects and any(c.dep_ == "nsubjpass" for c in verb.children):
        return []
    if not subjects and verb.head.i != verb.i:
        inherits = verb.dep_ in ("conj", "xcomp") or (verb.dep_ == "advcl" and verb.tag_ == "VBG")
        if inherits:
            return _subject_tokens(verb.head)
    result = []
    for subject in subjects:
        result.append(subject)
        result += [c for c in subject.conjuncts if c.i > subject.i]
    return result


def _name_chain(head: Token) -> list[Token]:
    """Return the proper-noun run that names the head ("Sergei Lavrov")."""
    chain = [head]
    for child in head.children:
        if child.dep_ in ("compound", "flat") and child.pos_ == "PROPN" and child.i < head.i:
            chain.append(child)
    chain.sort(key=lambda t: t.i)
    start = chain[0].i
    while (
        start > head.sent.start
        and head.doc[start - 1].pos_ == "PROPN"
        and (head.doc[start - 1].head.i in {t.i for t in chain})
    ):
        start -= 1
    return list(head.doc[start : head.i + 1])


def lookup_chain(registry: Registry, chain: list[Token]) -> Actor | None:
    """Resolve a name run, dropping leading titles ("President Vladmir Putin" -> Putin)."""
    for first in range(len(chain)):
        actor = lookup_name(registry, " ".join(t.text for t in chain[first:]))
        if actor is not None:
            return actor
    return None


def _left_modifiers(head: Token, chain: list[Token]) -> list[Token]:
    first = chain[0].i
    return [t for t in head.subtree if t.i < first and t.dep_ not in ("det", "punct", "case")]


def _describe(words: list[Token], registry: Registry) -> tuple[str | None, str | None]:
    """Return (role, country) from the words describing a person."""
    texts = [w.text for w in words]
    country = country_of_words(registry, texts)
    role_words = [
        w.text
        for w in sorted(set(words), key=lambda t: t.i)
        if lookup_demonym(registry, w.text) is None
        and w.dep_ not in ("poss", "det", "punct", "case", "cc")
        and not (w.pos_ == "PROPN" and lookup_name(registry, w.text) is not None)
    ]
    role = " ".join(role_words).strip(" ,") or None
    return role, country


def _appos_description(head: Token) -> list[Token]:
    words: list[Token] = []
    for child in head.children:
        if child.dep_ == "appos":
            words += [t for t in child.subtree if t.dep_ != "det"]
    return words


def _is_media(head: Token, cues: Cues) -> bool:
    text = fold(" ".join(t.text for t in _name_chain(head)))
    if text in cues.media_outlets or fold(head.text) in cues.media_outlets:
        return True
    if head.lemma_.lower() in cues.media_nouns and head.pos_ == "NOUN":
        return True
    return any(c.dep_ == "appos" and fold(c.text) in cues.media_outlets for c in head.children)


def _collective_state(head: Token, ctx: ArticleContext) -> Actor | None:
    """Resolve "Ukrainian officials", "the Russian government", "Russia's foreign ministry"."""
    if fold(head.lemma_) not in ctx.registry.government_nouns and fold(head.text) not in (
        ctx.registry.government_nouns
    ):
        return None
    for child in head.children:
        if child.dep_ in ("amod", "compound", "poss", "nmod"):
            actor = lookup_demonym(ctx.registry, child.text) or lookup_name(
                ctx.registry, child.text
            )
            if actor is not None and actor.kind != "person":
                return actor
    return None


def _span_text(head: Token) -> str:
    tokens = [t for t in head.subtree if t.dep_ not in ("appos", "punct") and t.i <= head.i]
    return " ".join(t.text for t in tokens)


def resolve_subject(head: Token, ctx: ArticleContext) -> tuple[str, Actor | None, str]:
    """Resolve a subject token to (status, actor, method)."""
    lower = head.lower_
    offset = head.idx + ctx_offset(head)
    if lower in _PRONOUNS:
        actor = ctx.antecedent(offset, _PRONOUNS[lower])
        return (ACTOR, actor, "pronoun") if actor else (UNRESOLVED, None, "pronoun")
    if lower in _VAGUE_PRONOUNS or head.like_num or head.pos_ == "NUM":
        return UNRESOLVED, None, "vague"
    if _is_media(head, ctx.cues):
        return MEDIA, None, "media"
    chain = _name_chain(head)
    actor = lookup_chain(ctx.registry, chain)
    if actor is not None:
        return ACTOR, actor, "name"
    if any(t.pos_ == "PROPN" and not _known_word(t.text, ctx.registry) for t in head.subtree):
        # Entities matter only for names the registry does not know ("Ingrid Solhaug").
        ctx.ensure_entities(head.doc)
    if head.pos_ == "PROPN" and fold(chain[-1].text) in ctx.new_people:
        return ACTOR, ctx.new_people[fold(chain[-1].text)], "new-person"
    phrase = _span_text(head)
    whole = " ".join(t.text for t in head.subtree if t.dep_ != "appos")
    actor = (
        lookup_office(ctx.registry, phrase, ctx.published)
        or lookup_name(ctx.registry, phrase)
        or lookup_name(ctx.registry, whole)
    )
    if actor is not None:
        return ACTOR, actor, "office" if actor.kind == "person" else "name"
    for child in head.children:
        if child.dep_ == "appos" and child.pos_ == "PROPN":
            status, actor, method = resolve_subject(child, ctx)
            if status == ACTOR:
                return status, actor, method
    trailing = _trailing_person(head, ctx)
    if trailing is not None:
        return trailing
    actor = _collective_state(head, ctx)
    if actor is not None:
        if any(c.lower_ in _VAGUE_DETERMINERS for c in head.children if c.dep_ == "det"):
            return ANONYMOUS, None, "anonymous"
        return ACTOR, actor, "collective"
    if any(t.lower_ in ("%", "percent", "per") or t.like_num for t in head.subtree):
        return ANONYMOUS, None, "survey"
    determiners = {c.lower_ for c in head.children if c.dep_ in ("det", "amod", "nummod")}
    vague = head.lemma_.lower() in ctx.cues.anonymous_heads or determiners & _VAGUE_DETERMINERS
    back_reference = "the" in determiners and head.lemma_.lower() in ctx.cues.role_nouns
    if head.pos_ != "PROPN" and vague and not back_reference:
        return ANONYMOUS, None, "anonymous"
    if head.pos_ == "NOUN" and "the" in determiners and head.lemma_.lower() in ctx.cues.role_nouns:
        actor = ctx.antecedent(offset, None, head.lemma_.lower())
        return (ACTOR, actor, "role") if actor else (UNRESOLVED, None, "role")
    if head.pos_ == "PROPN" and (head.ent_type_ == "PERSON" or _looks_like_person(chain)):
        return ACTOR, _new_person(head, chain, ctx), "new-person"
    if head.pos_ == "PROPN" and len(chain) == 1:
        earlier = _earlier_full_name(head.text, offset, ctx)
        if earlier is not None:
            return ACTOR, earlier, "new-person"
    return UNRESOLVED, None, "unknown"


def _known_word(word: str, registry: Registry) -> bool:
    """Say whether a word names a state or organisation, or is a demonym, in the registry."""
    if lookup_demonym(registry, word) is not None or (
        word.endswith("s") and lookup_demonym(registry, word[:-1]) is not None
    ):
        return True  # "Ukrainian", "Ukrainians"
    actor = lookup_name(registry, word)
    return actor is not None and actor.kind != "person"


def _earlier_full_name(surname: str, offset: int, ctx: ArticleContext) -> Actor | None:
    """Find "Hanna Shelest" earlier in the article for a bare "Shelest" (text not parsed)."""
    pattern = re.compile(rf"\b([A-Z][\w'’-]+)\s+{re.escape(surname)}\b")
    for match in pattern.finditer(ctx.text, 0, offset):
        first = match.group(1)
        if first.lower() in _TITLE_WORDS or lookup_demonym(ctx.registry, first) is not None:
            continue
        actor = new_person(f"{first} {surname}", None, None)
        ctx.new_people[fold(surname)] = actor
        return actor
    return None


_ORG_WORDS = frozenset(
    [
        "ministry",
        "council",
        "committee",
        "agency",
        "party",
        "union",
        "bank",
        "group",
        "institute",
        "university",
        "commission",
        "office",
        "department",
        "army",
        "forces",
        "news",
        "times",
        "post",
        "press",
        "service",
        "parliament",
        "government",
        "administration",
        "alliance",
        "coalition",
        "company",
        "corporation",
        "fund",
        "foundation",
        "center",
        "centre",
        "command",
        "staff",
        "network",
        "radio",
        "tv",
        "television",
        "channel",
    ]
)


def _trailing_person(head: Token, ctx: ArticleContext) -> tuple[str, Actor, str] | None:
    """Resolve "Norwegian member of parliament Ingrid Solhaug", whose head is the title."""
    tokens = [t for t in head.subtree if t.dep_ != "punct"]
    last = tokens[-1] if tokens else head
    if last.i == head.i or last.pos_ != "PROPN" or last.ent_type_ != "PERSON":
        return None
    chain = _name_chain(last)
    actor = lookup_chain(ctx.registry, chain)
    if actor is not None:
        return ACTOR, actor, "name"
    surname = fold(last.text)
    known = ctx.new_people.get(surname)
    name = " ".join(t.text for t in _person_name_tokens(chain, ctx.registry))
    described = [t for t in tokens if t.i < chain[0].i and t.dep_ not in ("det", "case")]
    role, country = _describe(described, ctx.registry)
    if known is not None and known.name.endswith(last.text):
        # Keep the richer of the two descriptions of the same person.
        if (known.country or not country) and len(known.role or "") >= len(role or ""):
            return ACTOR, known, "new-person"
        name = known.name
    actor = new_person(name, role, country)
    ctx.new_people[surname] = actor
    return ACTOR, actor, "new-person"


def _looks_like_person(chain: list[Token]) -> bool:
    """Say whether a run of capitalised words looks like a person's name (NER may say ORG)."""
    return (
        len(chain) >= 2
        and all(t.ent_type_ not in ("GPE", "NORP", "LOC", "DATE") for t in chain)
        and all(_NAME_WORD.match(t.text) for t in chain)
        and not any(t.lower_ in _ORG_WORDS for t in chain)
    )


def _person_name_tokens(chain: list[Token], registry: Registry) -> list[Token]:
    """Cut titles off a name run ("Defence Minister Dovile Sakaliene" -> the last two)."""
    people = [t for t in chain if t.ent_type_ == "PERSON"]
    if people and people[-1].i == chain[-1].i:
        first = people[0].i
        while first > chain[0].i and chain[first - chain[0].i - 1].ent_type_ == "PERSON":
            first -= 1
        return [t for t in chain if t.i >= first]
    titles = [t for t in chain if t.lower_ in _TITLE_WORDS or lookup_demonym(registry, t.text)]
    rest = [t for t in chain if t.i > (titles[-1].i if titles else -1)]
    return rest[-3:] if rest else chain[-2:]


_TITLE_WORDS = frozenset(
    [
        "president",
        "minister",
        "prime",
        "foreign",
        "defence",
        "defense",
        "deputy",
        "secretary",
        "general",
        "chancellor",
        "ambassador",
        "envoy",
        "special",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "senator",
        "mp",
        "adviser",
        "advisor",
        "chairman",
        "chairwoman",
        "chair",
        "head",
        "chief",
        "commander",
        "mayor",
        "governor",
        "vice",
        "first",
        "mr",
        "mrs",
        "ms",
        "dr",
        "sir",
        "lord",
        "lady",
        "gen",
        "admiral",
        "colonel",
        "professor",
        "prof",
        "speaker",
        "member",
        "representative",
    ]
)


def _new_person(head: Token, chain: list[Token], ctx: ArticleContext) -> Actor:
    """Make (or reuse within the article) an actor for an unknown named person."""
    surname = fold(chain[-1].text)
    if len(chain) == 1 and surname in ctx.new_people:
        return ctx.new_people[surname]
    name_tokens = _person_name_tokens(chain, ctx.registry)
    name = " ".join(t.text for t in name_tokens)
    titles = [t for t in chain if t.i < name_tokens[0].i]
    role, country = _describe(
        _left_modifiers(head, chain) + titles + _appos_description(head), ctx.registry
    )
    known = ctx.new_people.get(surname)
    if known is not None and (known.name == name or len(chain) == 1):
        return known
    actor = new_person(name, role, country)
    ctx.new_people[surname] = actor
    return actor


def ctx_offset(token: Token) -> int:
    """Return the absolute offset of a token's document in the article."""
    return token.doc.user_data.get("offset", 0)


def absolute(token: Token) -> int:
    """Return a token's character offset in the article."""
    return token.idx + ctx_offset(token)


# --- attribution units --------------------------------------------------------------------


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
    """Return (found, stance) for a verb + particle pair such as "rule out" or "call for"."""
    for child in verb.children:
        if child.dep_ in ("prt", "prep"):
            key = f"{verb.lemma_.lower()} {child.lower_}"
            if key in cues.particle_stances:
                return True, cues.particle_stances[key]
    return False, None


_NEEDS_PARTICLE = {"call", "look", "rule"}


def _attribution_verb(token: Token, cues: Cues) -> tuple[str, str | None] | None:
    """Return (kind, stance) when a token attributes speech or a position."""
    lemma = token.lemma_.lower()
    if token.pos_ not in ("VERB", "AUX") and not token.tag_.startswith("VB"):
        return None
    if lemma == "make" and any(c.lower_ == "clear" for c in token.children):
        return "speech", None
    found, particle = _particle_stance(token, cues)
    if lemma in _NEEDS_PARTICLE and not found:
        return None
    if lemma in cues.speech_verbs:
        return "speech", particle if found else cues.speech_verbs[lemma]
    if lemma in cues.position_verbs:
        return "position", particle if found else cues.position_verbs[lemma]
    if any(c.dep_ == "dobj" and c.lemma_.lower() in cues.speech_nouns for c in token.children):
        return "speech", None
    return None


def _adjective_position(token: Token, cues: Cues) -> str | None:
    """Return the stance of "X is ready/open/opposed to ..." at its adjective."""
    stance = cues.position_adjectives.get(token.lower_)
    if stance and token.dep_ == "acomp" and token.head.lemma_ == "be":
        return stance
    return None


def _depth(token: Token) -> int:
    depth = 0
    while token.head.i != token.i:
        token, depth = token.head, depth + 1
    return depth


def _cited_person(verb: Token, ctx: ArticleContext) -> Actor | None:
    """Find whom a news report cites ("..., citing remarks from Elbridge Colby")."""
    for token in verb.sent:
        if token.lemma_ in ("cite", "quote") or (
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
        depth=_depth(verb) if verb is not None else 0,
        paragraph=paragraph,
        sentence=(absolute(sentence[0]), absolute(sentence[-1]) + len(sentence[-1].text)),
        in_quote=ctx.in_quote(anchor) is not None,
    )


_PROPOSAL_NOUNS = {
    "proposal",
    "plan",
    "idea",
    "initiative",
    "option",
    "draft",
    "framework",
    "deal",
    "scheme",
    "offer",
    "formula",
    "concept",
    "suggestion",
    "blueprint",
}
_HYPOTHETICAL_MARKS = {"whether", "if", "unless"}


def _is_hypothetical(verb: Token) -> bool:
    """Say whether a verb sits in a "whether ..."/"if ..." clause (nobody asserts it)."""
    token = verb
    for _ in range(3):
        if any(c.dep_ == "mark" and c.lower_ in _HYPOTHETICAL_MARKS for c in token.children):
            return True
        if token.dep_ != "conj":
            return False
        token = token.head
    return False


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
        if child.dep_ == "agent":
            excluded |= {t.i for t in child.subtree}
    content = [t for t in verb.subtree if t.i not in excluded]
    if verb.dep_ == "acl" and verb.head.lemma_.lower() in _PROPOSAL_NOUNS:
        # "a proposal backed by Washington: ..." - the backer holds the whole proposal.
        content += [t for t in sentence if t.i not in excluded and t not in content]
    if _is_hypothetical(verb):
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
    units = []
    for subject in subjects:
        head = subject
        if subject.lower_ in _RELATIVE and verb.dep_ == "relcl":
            head = verb.head
            subjects_here = [head] + [c for c in head.conjuncts]
        else:
            subjects_here = [head]
        for each in subjects_here:
            status, actor, method = resolve_subject(each, ctx)
            unit = _unit(
                status, actor, method, kind, verb, stance, content, paragraph, sentence, ctx
            )
            if status == MEDIA:
                unit.cited = _cited_person(verb, ctx)
            units.append(unit)
    return units


def _according_units(sentence: Span, paragraph: int, ctx: ArticleContext) -> list[Attribution]:
    units = []
    for token in sentence:
        if token.lower_ != "according":
            continue
        to = next((c for c in token.children if c.lower_ == "to"), None)
        target = next((c for c in to.children if c.dep_ == "pobj"), None) if to else None
        if target is None:
            continue
        phrase = {t.i for t in token.subtree}
        content = [t for t in sentence if t.i not in phrase]
        if ctx.in_quote(absolute(token)) is not None:
            status, actor, method = UNRESOLVED, None, "quoted"  # never an owner
        else:
            status, actor, method = resolve_subject(target, ctx)
        units.append(
            _unit(
                status, actor, method, "according", token, None, content, paragraph, sentence, ctx
            )
        )
    return units


def find_attributions(sentence: Span, paragraph: int, ctx: ArticleContext) -> list[Attribution]:
    """Find every attribution a parsed sentence makes."""
    units: list[Attribution] = []
    for token in sentence:
        found = _attribution_verb(token, ctx.cues)
        if found is not None:
            kind, stance = found
            subjects = _subject_tokens(token)
            units += _units_for_subjects(subjects, token, kind, stance, paragraph, sentence, ctx)
            continue
        stance = _adjective_position(token, ctx.cues)
        if stance is not None:
            subjects = [c for c in token.head.children if c.dep_ == "nsubj"]
            if subjects:
                units += _units_for_subjects(
                    subjects, token, "adjective", stance, paragraph, sentence, ctx
                )
    units += _according_units(sentence, paragraph, ctx)
    return units


def remember_subjects(sentence: Span, ctx: ArticleContext) -> None:
    """Record the people a sentence makes its subjects, for later pronouns."""
    for token in sentence:
        if token.dep_ in ("nsubj", "nsubjpass") and token.pos_ == "PROPN":
            if ctx.in_quote(absolute(token)) is not None:
                continue
            actor = lookup_chain(ctx.registry, _name_chain(token))
            actor = actor or ctx.new_people.get(fold(token.text))
            if actor is not None:
                ctx.remember(absolute(token), actor, salient=True)


def remember_people(sentence: Span, ctx: ArticleContext) -> None:
    """Note unknown people a sentence names in full, so a later bare surname finds them."""
    for ent in sentence.ents:
        if ent.label_ != "PERSON" or len(ent) < 2 or ctx.in_quote(absolute(ent[0])) is not None:
            continue
        if lookup_chain(ctx.registry, list(ent)) is not None:
            continue
        surname = fold(ent[-1].text)
        if surname not in ctx.new_people:
            ctx.new_people[surname] = _new_person(ent.root, _name_chain(ent.root), ctx)


def remember_registry_mentions(text: str, offset: int, ctx: ArticleContext) -> None:
    """Record registry names in a stretch of text that was not parsed."""
    for start, _, actor in find_mentions(ctx.registry, text):
        ctx.remember(offset + start, actor, salient=False)


# --- dash attributions ------------------------------------------------------------------------


def resolve_name_text(who: str, ctx: ArticleContext) -> tuple[str, Actor | None, str]:
    """Resolve a free-text byline such as "Ukrainian MP Victoria Podhorna"."""
    who = who.strip(" *_.,")
    actor = lookup_name(ctx.registry, who)
    if actor is not None:
        return ACTOR, actor, "name"
    # A registry person counts only when the byline ends with the name ("... – Sergei Lavrov").
    persons = [m for m in find_mentions(ctx.registry, who) if m[2].kind == "person"]
    if persons and persons[-1][1] == len(who) and len(who.split()) <= 8:
        return ACTOR, persons[-1][2], "name"
    words = who.split()
    if not words or len(words) > 10 or not _NAME_WORD.match(words[-1]):
        return UNRESOLVED, None, "unknown"
    name_words: list[str] = []
    for word in reversed(words):
        if not _NAME_WORD.match(word) or lookup_demonym(ctx.registry, word) is not None:
            break
        name_words.insert(0, word)
    if len(name_words) < 2 and fold(words[-1]) not in ctx.new_people:
        return UNRESOLVED, None, "unknown"
    name = " ".join(name_words[-3:])
    surname = fold(name_words[-1])
    if surname in ctx.new_people:
        return ACTOR, ctx.new_people[surname], "new-person"
    rest = words[: len(words) - len(name_words[-3:])]
    country = country_of_words(ctx.registry, rest)
    role = " ".join(w for w in rest if lookup_demonym(ctx.registry, w) is None) or None
    actor = new_person(name, role, country)
    ctx.new_people[surname] = actor
    return ACTOR, actor, "new-person"


def dash_attributions(
    paragraphs: list[tuple[int, int]], ctx: ArticleContext
) -> list[tuple[int, Attribution]]:
    """Find pull quotes signed with a dash, in the same paragraph or on the next line."""
    found: list[tuple[int, Attribution]] = []
    for index, (start, end) in enumerate(paragraphs):
        text = ctx.text[start:end]
        line = _DASH_LINE.match(text)
        if line and index > 0:
            body_start, body_end = paragraphs[index - 1]
            who = line.group("who")
        else:
            tail = _DASH_TAIL.match(text)
            if not tail:
                continue
            body_start, body_end = start, start + tail.end("body")
            who = tail.group("who")
        if len(who.split()) > 10 or who.rstrip().endswith((".", "?", "!")) and " " not in who:
            continue
        status, actor, method = resolve_name_text(who, ctx)
        if status != ACTOR:
            continue
        unit = Attribution(
            status=ACTOR,
            speaker=actor,
            method=method,
            kind="dash",
            verb=None,
            verb_stance=None,
            content=[(body_start, body_end)],
            anchor=body_start,
            depth=0,
            paragraph=index if not line else index - 1,
            sentence=(body_start, body_end),
        )
        found.append((unit.paragraph, unit))
    return found
