"""Speakers: which actor a subject or a name refers to, and the article's memory of people.

An attribution's subject is resolved to a status (a real actor, nobody nameable, a news
outlet relaying someone, or unknown) and, for an actor, who it is: a registry name, an
office held on the day, a pronoun's or role noun's antecedent, or a person the registry
does not know ("Norwegian MP Ingrid Solhaug"), made up from the words around the name.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
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
from pipeline.statements.quotes import Quote

# Speaker statuses: a real actor, nobody nameable, a news outlet relaying someone, or unknown.
ACTOR, ANONYMOUS, MEDIA, UNRESOLVED = "actor", "anonymous", "media", "unresolved"

# A word that can be part of a person's name: capitalised, no spaces.
NAME_WORD = re.compile(r"^[A-Z][\w'’.-]*$")


@dataclass
class ArticleContext:
    """What attribution needs to know about the article while reading it in order."""

    text: str
    published: date | None
    registry: Registry
    cues: Cues
    quotes: list[Quote]
    mentions: list[tuple[int, Actor, bool]] = field(default_factory=list)
    # Groups of people who spoke together, for a later "they" (see `group_antecedent`).
    groups: list[tuple[int, tuple[Actor, ...]]] = field(default_factory=list)
    # Organisations named so far, for "the statement said" (see `issuer`).
    bodies: list[tuple[int, Actor]] = field(default_factory=list)
    new_people: dict[str, Actor] = field(default_factory=dict)
    # Who spoke or acted, in order, for a later "it" (see `institution_antecedent`).
    subjects: list[tuple[int, Actor]] = field(default_factory=list)
    recognise: Callable[[Doc], Doc] | None = None
    _quote_starts: list[int] = field(default_factory=list, repr=False)

    def ensure_entities(self, doc: Doc) -> None:
        """Run the entity recogniser on a paragraph once, on demand, and note its people."""
        if self.recognise is None or doc.user_data.get("entities"):
            return
        doc.user_data["entities"] = True
        self.recognise(doc)
        for sentence in doc.sents:
            remember_people(sentence, self)

    def in_quote(self, offset: int) -> Quote | None:
        """Return the quote that contains an offset (quotes are in order and disjoint)."""
        if len(self._quote_starts) != len(self.quotes):
            self._quote_starts[:] = [quote.start for quote in self.quotes]
        index = bisect_right(self._quote_starts, offset) - 1
        if index >= 0 and offset < self.quotes[index].end:
            return self.quotes[index]
        return None

    def remember(self, offset: int, actor: Actor, salient: bool) -> None:
        """Note that a person was mentioned (salient: as a subject or speaker)."""
        if salient:
            self.subjects.append((offset, actor))
        if actor.kind == "person":
            self.mentions.append((offset, actor, salient))
        elif actor.kind == "organisation":
            self.bodies.append((offset, actor))

    def institution_antecedent(self, offset: int, reach: int = 300) -> Actor | None:
        """Return the state or organisation an "it" at `offset` refers to: the last subject
        that spoke or acted, when it is one and was close ("The United States has said it
        will back the force, but it has ruled out ...")."""
        earlier = [(at, actor) for at, actor in self.subjects if at < offset <= at + reach]
        if not earlier:
            return None
        actor = max(earlier, key=lambda m: m[0])[1]
        return actor if actor.kind in ("state", "organisation") else None

    def remember_group(self, offset: int, actors: list[Actor]) -> None:
        """Note people who spoke or acted together ("Macron and Zelensky said")."""
        people = tuple(dict.fromkeys(a for a in actors if a.kind == "person"))
        if len(people) >= 2:
            self.groups.append((offset, people))

    def group_antecedent(self, offset: int) -> list[Actor]:
        """Return the group a "they" at `offset` refers to: the last one, if no single
        person was a subject since (then "they" means somebody else)."""
        earlier = [(at, group) for at, group in self.groups if at < offset and offset - at < 1500]
        if not earlier:
            return []
        at, group = max(earlier, key=lambda g: g[0])
        later = [m for m in self.mentions if at < m[0] < offset and m[2] and m[1] not in group]
        return [] if later else list(group)

    def issuer(self, offset: int, reach: int = 2500) -> Actor | None:
        """Return the organisation a document at `offset` ("the statement", "the
        declaration") most likely comes from: the last one the article named before it."""
        earlier = [(at, actor) for at, actor in self.bodies if at < offset and offset - at < reach]
        return max(earlier, key=lambda m: m[0])[1] if earlier else None

    def antecedent(
        self,
        offset: int,
        gender: str | None,
        role: str | None = None,
        sentence_start: int | None = None,
        country: str | None = None,
    ) -> Actor | None:
        """Find the person a pronoun or role noun at `offset` refers back to.

        A person named earlier in the pronoun's own sentence comes first, a subject before
        any other ("a goal of Zelensky, although he accepts ..." is Zelensky, however often
        another person was a subject before); then the last subject, then the last name.
        """
        candidates = [
            (at, actor, salient)
            for at, actor, salient in self.mentions
            if at < offset
            and offset - at < 2500
            and self.in_quote(at) is None
            # "the Estonian minister": a minister of Estonia, not the last one named.
            and (country is None or actor.country == country)
        ]
        candidates.sort(key=lambda m: m[0])
        if sentence_start is not None:
            own = [m for m in candidates if m[0] >= sentence_start]
            found = self._pick(own, gender, role)
            if found is not None:
                return found
        return self._pick(candidates, gender, role, offset if gender else None)

    def first_holder(self, offset: int, role: str) -> Actor | None:
        """The first person the text named before `offset` who holds `role` ("The
        President" of a readout is its issuer, whom it names first)."""
        for at, actor, _ in sorted(self.mentions, key=lambda m: m[0]):
            if at >= offset:
                break
            if self.in_quote(at) is None and self._fits(actor, None, role):
                return actor
        return None

    def _pick(
        self,
        candidates: list[tuple[int, Actor, bool]],
        gender: str | None,
        role: str | None,
        offset: int | None = None,
    ) -> Actor | None:
        fitting = [
            (at, actor, salient)
            for at, actor, salient in candidates
            if self._fits(actor, gender, role)
        ]
        subjects = [m for m in fitting if m[2]]
        if offset is not None and fitting and not fitting[-1][2]:
            # A person named just before the pronoun, after the last subject that fits,
            # is the nearer antecedent ("... a goal of Zelensky. But he still wants ...").
            at, actor, _ = fitting[-1]
            if offset - at <= NEAR_MENTION_CHARS and (not subjects or subjects[-1][0] < at):
                return actor
        chosen = subjects or fitting
        return chosen[-1][1] if chosen else None

    def _fits(self, actor: Actor, gender: str | None, role: str | None) -> bool:
        known = self.registry.genders.get(actor.actor_id)
        if gender and known and known != gender:
            return False
        return not (role and not _role_fits(role, actor, self.cues))


# How near an organisation must be named for "the leaders" to be its members: the meeting
# the sentence before reports, not one paragraphs back.
LEADERS_REACH = 300

# How near a mere mention must be to beat an earlier subject as a pronoun's antecedent.
NEAR_MENTION_CHARS = 250


def _role_fits(role_noun: str, actor: Actor, cues: Cues) -> bool:
    role = fold(actor.role or "")
    past, _, role_noun = role_noun.rpartition(" ")
    if past and not any(word in role.split() for word in cues.past_office_words):
        return False  # "the former president" is nobody who holds the office now
    wanted = cues.role_matches.get(role_noun, (role_noun,))
    return any(w in role for w in wanted)


# --- names and subjects -----------------------------------------------------------------


# Lower-case particles inside names ("Ursula von der Leyen", "Luiz Inácio Lula da Silva"),
# which the tagger may take for common words.
_NAME_PARTICLES = frozenset(
    {"von", "van", "der", "den", "de", "da", "di", "del", "la", "le", "bin"}
)


def _name_chain(head: Token) -> list[Token]:
    """Return the proper-noun run that names the head ("Sergei Lavrov")."""
    chain = [head]
    for child in head.children:
        if (
            child.dep_ in ("compound", "flat")
            and (child.pos_ == "PROPN" or child.lower_ in _NAME_PARTICLES)
            and child.i < head.i
        ):
            chain.append(child)
    chain.sort(key=lambda t: t.i)
    start = chain[0].i
    while (
        start > head.sent.start
        and (head.doc[start - 1].pos_ == "PROPN" or head.doc[start - 1].lower_ in _NAME_PARTICLES)
        and (head.doc[start - 1].head.i in {t.i for t in chain})
    ):
        start -= 1
    doc = head.doc
    while start - 2 >= head.sent.start and _hyphen_joined(doc[start - 1]):
        start -= 2  # a hyphenated given name: "Jean-Luc Melenchon"
    return list(doc[start : head.i + 1])


def _hyphen_joined(hyphen: Token) -> bool:
    """Say whether a token is a hyphen joining two parts of one name ("Jean-Luc")."""
    return (
        hyphen.text in ("-", "‐")
        and hyphen.i > 0
        and not hyphen.whitespace_
        and not hyphen.nbor(-1).whitespace_
        and hyphen.nbor(-1).pos_ == "PROPN"
    )


def lookup_chain(
    registry: Registry, chain: list[Token], titles: frozenset[str] = frozenset()
) -> Actor | None:
    """Resolve a name run, dropping leading titles ("President Vladmir Putin" -> Putin).

    With `titles` given, a dropped word that is neither a title nor a word the registry
    knows is a first name, and one with another initial than the registry's first names
    makes another person: "Simon Harris" is not the registry's Kamala Harris.
    """
    for first in range(len(chain)):
        actor = lookup_name(registry, " ".join(t.text for t in chain[first:]))
        if actor is None:
            continue
        if titles and first > 0 and actor.kind == "person":
            given = chain[first - 1]
            # Initials of the registry's names: "Victor Orban" is still Viktor Orban
            # (transliteration); "Simon Harris" is not Kamala Harris.
            initials = {fold(w)[:1] for w in actor.name.split()[:-1]}
            if (
                given.lower_ not in titles
                and not _known_word(given.text, registry)
                and fold(given.text)[:1] not in initials
                and not given.text.endswith(".")
            ):
                return None
        return actor
    return None


def given_name_person(chain: list[Token], registry: Registry, cues: Cues) -> Actor | None:
    """Resolve "Sir Keir" / "Dame Ann": an honorific and one given name name the registry's
    only person with that first name (none when two share it)."""
    if len(chain) < 2 or chain[-2].lower_ not in cues.given_name_honorifics:
        return None
    given = fold(chain[-1].text)
    found = {
        actor
        for actor in registry.actors.values()
        if actor.kind == "person" and fold(actor.name.split()[0]) == given
    }
    return found.pop() if len(found) == 1 else None


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
        # "Jane Roe, an analyst at ...", and "Sam Greene of the Center for ..." (a name's
        # own "of"/"at" phrase says where the person works).
        if child.dep_ == "appos" or (
            child.dep_ == "prep" and child.lower_ in ("of", "at") and head.pos_ == "PROPN"
        ):
            words += [t for t in child.subtree if t.dep_ != "det"]
    return words


def _is_media(head: Token, cues: Cues) -> bool:
    text = fold(" ".join(t.text for t in _name_chain(head)))
    if text in cues.media_outlets or fold(head.text) in cues.media_outlets:
        return True
    if head.lemma_.lower() in cues.media_nouns and head.pos_ == "NOUN":
        return True
    return any(c.dep_ == "appos" and fold(c.text) in cues.media_outlets for c in head.children)


def _government_voice(head: Token, ctx: ArticleContext) -> Actor | None:
    """Resolve "an Italian government spokeswoman", "a spokesman for the German government":
    a government's spokesperson speaks for the state on the record."""
    if head.lemma_.lower() not in ctx.cues.government_voices:
        return None
    government = [
        c
        for c in head.children
        if c.dep_ == "compound" and fold(c.lemma_) in ctx.registry.government_nouns
    ]
    government += prep_objects(head, "for")
    for word in government:
        actor = _collective_state(word, ctx)
        if actor is not None:
            return actor
        if word.dep_ == "compound":
            for child in head.children:
                if child.dep_ in ("amod", "compound", "poss") and child.i != word.i:
                    actor = lookup_demonym(ctx.registry, child.text) or lookup_name(
                        ctx.registry, child.text
                    )
                    if actor is not None and actor.kind != "person":
                        return actor
    return None


def _members_of(head: Token, ctx: ArticleContext) -> Actor | None:
    """Resolve "NATO leaders", "the leaders of the G7 countries", "EU foreign ministers":
    the members of one organisation acting together are the organisation (convention 3:
    a joint declaration goes to whoever issues it)."""
    if head.lemma_.lower() not in ctx.cues.member_nouns:
        return None
    if any(
        c.dep_ == "nummod" or (c.dep_ in ("det", "amod") and c.lower_ in ctx.cues.member_subsets)
        for c in head.children
    ):
        return None  # "several NATO members": some of them, not the organisation
    words = [c for c in head.children if c.dep_ in ("compound", "nmod", "amod", "poss")]
    phrases = []
    for obj in prep_objects(head, "of"):
        words += [obj, *(c for c in obj.children if c.dep_ in ("compound", "nmod"))]
        # "the leaders of the Coalition of the Willing", "of the Group of Seven"
        phrases.append(" ".join(t.text for t in obj.subtree))
    for text in [w.text for w in words] + phrases:
        actor = lookup_name(ctx.registry, text)
        if actor is not None and actor.kind == "organisation":
            return actor
    return None


def vaguely_determined(head: Token, cues: Cues) -> bool:
    """Say whether a noun is an unnamed set ("some officials", "other officials")."""
    return any(
        c.lower_ in cues.vague_determiners for c in head.children if c.dep_ in ("det", "amod")
    )


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


def _asserts(verb: Token, cues: Cues) -> bool:
    """Say whether a verb says or takes a position ("it has ruled out", "it will back"),
    not an expletive's copula ("it is clear that ...")."""
    lemma = verb.lemma_.lower()
    return verb.pos_ == "VERB" and (
        lemma in cues.speech_verbs or lemma in cues.position_verbs or lemma in cues.stance_words
    )


def _governing_institution(pronoun: Token, ctx: ArticleContext) -> Actor | None:
    """Return the state or organisation that is the subject of the clause governing an
    "it" ("The United States has said it will ...", "NATO backs X, but it has ruled out
    Y"): the first subject above the pronoun decides."""
    for verb in pronoun.head.ancestors:
        subject = next((c for c in verb.children if c.dep_ == "nsubj" and c.i < pronoun.i), None)
        if subject is None:
            continue
        status, actor, _ = resolve_subject(subject, ctx)
        if status == ACTOR and actor is not None and actor.kind in ("state", "organisation"):
            return actor
        return None
    return None


def _holder_named_after(title: Token, ctx: ArticleContext) -> Actor | None:
    """Return the registry person a title's "of" phrase ends on: "Deputy Chairman of the
    Security Council Dmitry Medvedev" (the parse makes the title the subject and the name
    the end of its object)."""
    for prep in title.children:
        if prep.dep_ != "prep" or prep.lower_ != "of":
            continue
        for name in prep.children:
            if name.dep_ != "pobj" or name.pos_ != "PROPN":
                continue
            chain = _name_chain(name)
            for size in (2, 1):  # the name closes the phrase
                actor = lookup_chain(ctx.registry, chain[-size:], ctx.cues.title_words)
                if actor is not None and actor.kind == "person":
                    return actor
    return None


def resolve_subject(head: Token, ctx: ArticleContext) -> tuple[str, Actor | None, str]:
    """Resolve a subject token to (status, actor, method)."""
    lower = head.lower_
    offset = head.idx + ctx_offset(head)
    if lower in ctx.cues.gendered_pronouns:
        sentence_start = absolute(head.sent[0])
        actor = ctx.antecedent(offset, ctx.cues.gendered_pronouns[lower], None, sentence_start)
        return (ACTOR, actor, "pronoun") if actor else (UNRESOLVED, None, "pronoun")
    if lower == "it" and head.dep_ == "nsubj" and _asserts(head.head, ctx.cues):
        actor = _governing_institution(head, ctx) or ctx.institution_antecedent(offset)
        if actor is not None:
            return ACTOR, actor, "pronoun"
    if lower in ctx.cues.vague_pronouns or head.like_num or head.pos_ == "NUM":
        return UNRESOLVED, None, "vague"
    if _is_media(head, ctx.cues):
        return MEDIA, None, "media"
    chain = _name_chain(head)
    actor = lookup_chain(ctx.registry, chain, ctx.cues.title_words) or given_name_person(
        chain, ctx.registry, ctx.cues
    )
    if actor is None and all(t.lower_ in ctx.cues.title_words for t in chain):
        actor = _holder_named_after(head, ctx)
    if actor is not None:
        return ACTOR, actor, "name"
    if any(t.pos_ == "PROPN" and not _known_word(t.text, ctx.registry) for t in head.subtree):
        # Entities matter only for names the registry does not know ("Ingrid Solhaug").
        ctx.ensure_entities(head.doc)
    if head.pos_ == "PROPN" and fold(chain[-1].text) in ctx.new_people:
        person = ctx.new_people[fold(chain[-1].text)]
        if _commentator(person, ctx.cues):
            return ANONYMOUS, None, "commentator"
        return ACTOR, person, "new-person"
    phrase = _span_text(head)
    # The name without what describes it ("the coalition of the willing, led by Britain").
    described = {
        t.i
        for c in head.children
        if c.dep_ in ("appos", "acl", "relcl", "punct")
        for t in c.subtree
    }
    whole = " ".join(t.text for t in head.subtree if t.i not in described)
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
            if (
                status == ACTOR
                and actor is not None
                and method == "new-person"
                and not actor.country
            ):
                # "China's special envoy, Li Hui": the description is the head's.
                words = [t for t in head.subtree if t.i not in {w.i for w in child.subtree}]
                _, country = _describe(words, ctx.registry)
                if country:
                    actor = dataclasses.replace(actor, country=country)
                    ctx.new_people[fold(child.text)] = actor
            if status == ACTOR:
                return status, actor, method
    named = _name_given(head, ctx)
    if named is not None:
        return ACTOR, named, "name"
    trailing = _trailing_person(head, ctx)
    if trailing is not None:
        return trailing
    owner = next((c for c in head.children if c.dep_ == "poss"), None)
    if head.lemma_.lower() in ctx.cues.document_nouns and owner is not None:
        # "the G7 ministers' joint statement reaffirmed ...": it speaks for its owner.
        status, actor, method = resolve_subject(owner, ctx)
        if status == ACTOR:
            return status, actor, method
    if head.lemma_.lower() in ctx.cues.document_nouns and any(
        c.dep_ == "det" and c.lower_ in ("the", "its", "their") for c in head.children
    ):
        # "the statement said": a declaration speaks for whoever issued it.
        actor = ctx.issuer(offset)
        return (ACTOR, actor, "issuer") if actor else (UNRESOLVED, None, "document")
    if (
        head.pos_ == "PROPN"
        and _opens_with_article(head, chain, ctx.cues)
        and not _titled_role(head, chain, ctx)
    ):
        return MEDIA, None, "media"
    actor = _government_voice(head, ctx) or _members_of(head, ctx)
    if actor is not None:
        return ACTOR, actor, "collective"
    actor = _collective_state(head, ctx)
    if actor is not None:
        if vaguely_determined(head, ctx.cues):
            # "some Polish officials", "Poland, Finland and other officials"
            return ANONYMOUS, None, "anonymous"
        return ACTOR, actor, "collective"
    if any(t.lower_ in ctx.cues.share_words or t.like_num for t in head.subtree):
        return ANONYMOUS, None, "survey"
    determiners = {c.lower_ for c in head.children if c.dep_ in ("det", "amod", "nummod")}
    vague = (
        head.lemma_.lower() in ctx.cues.anonymous_heads or determiners & ctx.cues.vague_determiners
    )
    back_reference = "the" in determiners and head.lemma_.lower() in ctx.cues.role_nouns
    if head.pos_ != "PROPN" and vague and not back_reference:
        return ANONYMOUS, None, "anonymous"
    if head.pos_ == "NOUN" and head.tag_ == "NNS" and "the" in determiners:
        # "The leaders pledged ...": never one person. After a meeting of the coalition, the
        # organisation last named (convention 3); the pair who met is resolved before this.
        if head.lemma_.lower() == "leader" and len(list(head.children)) == 1:
            actor = ctx.issuer(offset, reach=LEADERS_REACH)
            return (ACTOR, actor, "issuer") if actor else (UNRESOLVED, None, "plural")
        if head.lemma_.lower() in ctx.cues.role_nouns:
            return UNRESOLVED, None, "plural"
    titled_role = _titled_role(head, chain, ctx)
    if (
        (head.pos_ == "NOUN" or titled_role)
        and ("the" in determiners or titled_role)
        and head.lemma_.lower() in ctx.cues.role_nouns
    ):
        # "the minister", "the Norwegian Prime Minister": the last person named with that
        # role (and of that nation, when it is given).
        role = head.lemma_.lower()
        if any(c.lower_ in ctx.cues.past_office_words for c in head.children if c.dep_ == "amod"):
            role = f"former {role}"
        nation = next(
            (
                found.country
                for c in head.children
                if c.dep_ in ("amod", "compound")
                and (found := lookup_demonym(ctx.registry, c.text)) is not None
            ),
            None,
        )
        if (
            nation is None
            and head.text[:1].isupper()
            and head.i > 0
            and head.nbor(-1).lower_ == "the"
        ):
            # "The President underlined ...": a title in capitals, as a readout names the
            # head of the office that issues it, the first holder the text named.
            actor = ctx.first_holder(offset, role)
        else:
            actor = ctx.antecedent(offset, None, role, country=nation)
        return (ACTOR, actor, "role") if actor else (UNRESOLVED, None, "role")
    if head.pos_ == "PROPN" and (head.ent_type_ == "PERSON" or _looks_like_person(chain, ctx.cues)):
        person = _new_person(head, chain, ctx)
        if _commentator(person, ctx.cues):
            return ANONYMOUS, None, "commentator"
        return ACTOR, person, "new-person"
    if head.pos_ == "PROPN" and len(chain) == 1:
        earlier = _earlier_full_name(head.text, offset, ctx)
        if earlier is not None:
            return ACTOR, earlier, "new-person"
    return UNRESOLVED, None, "unknown"


def _titled_role(head: Token, chain: list[Token], ctx: ArticleContext) -> bool:
    """Say whether a capitalised run is a title, not a name ("The Norwegian Prime
    Minister"): a role noun led only by title words and demonyms."""
    return (
        head.pos_ == "PROPN"
        and head.lemma_.lower() in ctx.cues.role_nouns
        and all(
            t.lower_ in ctx.cues.title_words or lookup_demonym(ctx.registry, t.text) for t in chain
        )
    )


def _name_given(head: Token, ctx: ArticleContext) -> Actor | None:
    """Resolve "the grouping known as the Coalition of the Willing": the name it is given."""
    # "a club of thirty nations known as ...": the naming may hang on the head's complement.
    for child in head.subtree:
        if child.dep_ != "acl" or child.lemma_.lower() not in ctx.cues.naming_verbs:
            continue
        names = [c for c in child.children if c.dep_ == "oprd"] + prep_objects(child, "as")
        for name in names:
            text = " ".join(t.text for t in name.subtree if not t.is_punct)
            actor = lookup_name(ctx.registry, text)
            if actor is not None:
                return actor
    return None


def _commentator(person: Actor, cues: Cues) -> bool:
    """Say whether a person outside the registry is described as an analyst, a journalist or
    the like: no actor (convention 8)."""
    return _names_commentator(person.role or "", cues)


def _names_commentator(description: str, cues: Cues) -> bool:
    return bool(set(re.findall(r"[a-z]+", description.lower())) & cues.commentator_roles)


def prep_objects(token: Token, preposition: str) -> list[Token]:
    """The objects of a token's preposition ("a spokesman for the government" -> government)."""
    return [
        g
        for c in token.children
        if c.dep_ == "prep" and c.lower_ == preposition
        for g in c.children
        if g.dep_ == "pobj"
    ]


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
        if first.lower() in ctx.cues.title_words or lookup_demonym(ctx.registry, first) is not None:
            continue
        actor = new_person(f"{first} {surname}", None, None)
        ctx.new_people[fold(surname)] = actor
        return actor
    return None


def _trailing_person(head: Token, ctx: ArticleContext) -> tuple[str, Actor, str] | None:
    """Resolve "Norwegian member of parliament Ingrid Solhaug", whose head is the title."""
    tokens = [t for t in head.subtree if t.dep_ != "punct"]
    last = tokens[-1] if tokens else head
    if last.i == head.i or last.pos_ != "PROPN" or last.ent_type_ != "PERSON":
        return None
    chain = _name_chain(last)
    actor = lookup_chain(ctx.registry, chain, ctx.cues.title_words)
    if actor is not None:
        return ACTOR, actor, "name"
    surname = fold(last.text)
    known = ctx.new_people.get(surname)
    name = " ".join(t.text for t in _person_name_tokens(chain, ctx.registry, ctx.cues))
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


def _opens_with_article(head: Token, chain: list[Token], cues: Cues) -> bool:
    """Say whether an unknown name opens with a capitalised article ("The Sunday Herald",
    "Le Figaro", "Die Zeit"): the name of an outlet or an institution, not a person."""
    first = chain[0] if chain else head
    if first.lower_ in cues.name_articles and first.text[:1].isupper() and len(chain) > 1:
        return True
    return any(
        c.dep_ == "det" and c.lower_ in cues.name_articles and c.text[:1].isupper()
        for c in head.children
    ) or (
        first.i > 0
        and first.nbor(-1).lower_ in cues.name_articles
        and first.nbor(-1).text[:1].isupper()
    )


def _looks_like_person(chain: list[Token], cues: Cues) -> bool:
    """Say whether a run of capitalised words looks like a person's name (NER may say ORG)."""
    return (
        len(chain) >= 2
        and all(t.ent_type_ not in ("GPE", "NORP", "LOC", "DATE") for t in chain)
        and all(NAME_WORD.match(t.text) for t in chain)
        and not any(t.lower_ in cues.organisation_words for t in chain)
    )


def _person_name_tokens(chain: list[Token], registry: Registry, cues: Cues) -> list[Token]:
    """Cut titles off a name run ("Defence Minister Dovile Sakaliene" -> the last two)."""
    people = [t for t in chain if t.ent_type_ == "PERSON"]
    if people and people[-1].i == chain[-1].i:
        first = people[0].i
        while first > chain[0].i and chain[first - chain[0].i - 1].ent_type_ == "PERSON":
            first -= 1
        while first - 2 >= chain[0].i and _hyphen_joined(chain[first - chain[0].i - 1]):
            first -= 2  # "Jean-Luc": the recogniser may take only "Luc"
        chain = [t for t in chain if t.i >= first]  # titles NER took in are cut below
        if not any(t.lower_ in cues.title_words for t in chain[:-1]):
            return chain
    titles = [t for t in chain if t.lower_ in cues.title_words or lookup_demonym(registry, t.text)]
    rest = [t for t in chain if t.i > (titles[-1].i if titles else -1)]
    return rest[-3:] if rest else chain[-2:]


def _new_person(head: Token, chain: list[Token], ctx: ArticleContext) -> Actor:
    """Make (or reuse within the article) an actor for an unknown named person."""
    surname = fold(chain[-1].text)
    if len(chain) == 1 and surname in ctx.new_people:
        return ctx.new_people[surname]
    name_tokens = _person_name_tokens(chain, ctx.registry, ctx.cues)
    # As written: "Jean-Noel Barrot" is three tokens with no space between them.
    name = "".join(t.text_with_ws for t in name_tokens).strip()
    titles = [t for t in chain if t.i < name_tokens[0].i]
    role, country = _describe(
        _left_modifiers(head, chain) + titles + _appos_description(head), ctx.registry
    )
    known = ctx.new_people.get(surname)
    if known is not None and (known.name == name or len(chain) == 1):
        if known.role is None and role:
            # First seen bare ("Martins Kaprans told ..."), now described ("Political
            # scientist Martins Kaprans"): the description tells an analyst from an actor.
            known = dataclasses.replace(known, role=role, country=known.country or country)
            ctx.new_people[surname] = known
        return known
    actor = new_person(name, role, country)
    ctx.new_people[surname] = actor
    return actor


def ctx_offset(token: Token) -> int:
    """Return the absolute offset of a token's document in the article."""
    return token.doc.user_data.get("offset", 0)


def doc_text(doc: Doc) -> str:
    """Return a parsed document's text, kept once: spaCy's `Doc.text` joins every token's
    text anew on each call (about 1,800 calls a pass over the development articles)."""
    text = doc.user_data.get("text")
    if text is None:
        text = doc.user_data["text"] = doc.text
    return text


def absolute(token: Token) -> int:
    """Return a token's character offset in the article."""
    return token.idx + ctx_offset(token)


# --- the article's memory of people ---------------------------------------------------------


def remember_subjects(sentence: Span, ctx: ArticleContext) -> None:
    """Record the people a sentence makes its subjects, for later pronouns: each one, and
    coordinated ones as a group for a later "they" ("Macron and Starmer chaired ...")."""
    for token in sentence:
        if token.dep_ not in ("nsubj", "nsubjpass") or ctx.in_quote(absolute(token)) is not None:
            continue
        if token.pos_ != "PROPN":
            # "He has accepted ...", "The PM has hinted ...": the person a pronoun or role
            # noun subject stands for is the subject now, for the pronouns that follow.
            if token.lower_ in ctx.cues.gendered_pronouns or (
                token.pos_ == "NOUN" and token.lemma_.lower() in ctx.cues.role_nouns
            ):
                status, actor, _ = resolve_subject(token, ctx)
                if status == ACTOR and actor is not None and actor.kind == "person":
                    ctx.remember(absolute(token), actor, salient=True)
            continue
        group = []
        for each in [token, *token.conjuncts]:
            chain = _name_chain(each)
            actor = lookup_chain(ctx.registry, chain)
            actor = actor or given_name_person(chain, ctx.registry, ctx.cues)
            actor = actor or ctx.new_people.get(fold(each.text))
            if actor is not None:
                group.append(actor)
        if group:
            ctx.remember(absolute(token), group[0], salient=True)
        ctx.remember_group(absolute(token), group)


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
        # Also an antecedent for a pronoun later in the same sentence ("Jane Roe, who
        # leads the group, said ...; otherwise, she argued, ..."), before her own
        # attribution is noted after the sentence.
        ctx.remember(absolute(ent[0]), ctx.new_people[surname], ent.root.dep_ == "nsubj")


def remember_registry_mentions(text: str, offset: int, ctx: ArticleContext) -> None:
    """Record registry names in a stretch of text that was not parsed, the person a
    sentence-opening role noun stands for ("The prime minister flew to Paris.") as its
    subject, and people outside the registry named as speakers ("..., Jane Roe said"), for
    the pronouns that follow."""
    mentions = find_mentions(ctx.registry, text)
    for start, _, actor in mentions:
        ctx.remember(offset + start, actor, salient=False)
    _remember_meetings(text, offset, mentions, ctx)
    for start, actor in _named_speakers(text, ctx):
        ctx.remember(offset + start, actor, salient=True)
    for match in _role_opening(ctx.cues.role_nouns).finditer(text):
        role = match.group(1).lower()
        if match.group(1)[:1].isupper() and match.group(0).split()[1:2] == [match.group(1)]:
            actor = ctx.first_holder(offset + match.start(), role)  # as in `resolve_subject`
        else:
            actor = ctx.antecedent(offset + match.start(), None, role)
        if actor is not None:
            ctx.remember(offset + match.start(), actor, salient=True)


def _remember_meetings(
    text: str, offset: int, mentions: list[tuple[int, int, Actor]], ctx: ArticleContext
) -> None:
    """Note two people a meeting verb joins ("Macron met Merz in Berlin") as a pair, for a
    later "both men" or "the two leaders"."""
    people = [(start, end, actor) for start, end, actor in mentions if actor.kind == "person"]
    for (_, end, first), (later, _, second) in zip(people, people[1:], strict=False):
        between = text[end:later]
        if (
            first != second
            and len(between) < 60
            and "." not in between
            and ctx.cues.meeting_pattern.search(between)
        ):
            ctx.remember_group(offset + later, [first, second])


# Up to five capitalised words: titles and demonyms before the name are cut off after.
# A name word may join parts with hyphens, either case: "Jean-Luc", "Kosiniak-Kamysz".
_NAME_WORD = r"[A-Z][a-z'’]+(?:-[A-Za-z][a-z'’]*)*"
_NAME = rf"({_NAME_WORD}(?:\s+{_NAME_WORD}){{1,4}})"
_NAME_THEN_VERB = re.compile(rf"\b{_NAME}\s+(\w+)")
_VERB_THEN_NAME = re.compile(rf"\b(\w+)\s+{_NAME}\b(?!\s+[A-Z])")


# A name after a lower-case title at the start of a sentence, up to three capitalised words
# before the title ("Reform UK leader Jane Roe, whose party ..."), then a comma or a verb.
_ROLE_THEN_NAME = re.compile(
    rf"(?:^|(?<=[.!?]\s))((?:[A-Z][\w.’'-]*\s+){{0,3}}[a-z]+)\s+{_NAME}(?=,|\s+[a-z])"
)
_POSSESSIVE = re.compile(r"['’]s$")

# The description after a name: ", an analyst at ...", ", head of the Centre for ...".
_DESCRIPTION = re.compile(r",\s+(?:an?\s+|the\s+|(?=[a-z]))([^,.;]{0,80})")


def _is_outlet_name(name: str, cues: Cues) -> bool:
    words = name.split()
    return any(fold(" ".join(words[i:])) in cues.media_outlets for i in range(len(words)))


def _named_speakers(text: str, ctx: ArticleContext) -> Iterator[tuple[int, Actor]]:
    """Find people outside the registry whom unparsed text names as speakers, full name
    and a speech verb ("Jane Roe said", "..., said Jane Roe"), or with their title as the
    subject of any verb ("Foreign Minister Jane Roe struck a different note"), each made
    (or found again) as the article's."""
    # (start, name, the word after or before it, whether the name is a sentence's subject)
    found = [(m.start(1), m.group(1), m.group(2), True) for m in _NAME_THEN_VERB.finditer(text)]
    found += [(m.start(2), m.group(2), m.group(1), False) for m in _VERB_THEN_NAME.finditer(text)]
    found += [(m.start(2), m.group(2), "", True) for m in _ROLE_THEN_NAME.finditer(text)]
    for start, name_text, verb, subject in sorted(found):
        words = name_text.split()
        if any(_POSSESSIVE.search(w) for w in words[:-1]):
            continue  # "Prime Minister's Questions": a possessive ends a name
        titled = len(words) > 2 and fold(words[-3]) in ctx.cues.title_words
        # Opening a sentence after its title ("Reform UK leader Jane Roe, whose party ...,
        # went further."): a subject, whatever follows.
        opening = not verb and fold(text[:start].split()[-1]) in ctx.cues.title_words
        # A title makes a name a person; only as a subject ("Foreign Minister Jane Roe
        # struck a different note") is that person speaking ("during Prime Minister's
        # Questions" names nobody who speaks).
        if not (
            ctx.cues.speech_forms.fullmatch(verb)
            or (subject and titled and verb.islower())
            or opening
        ):
            continue
        if fold(words[0]) in ctx.cues.name_articles or _is_outlet_name(name_text, ctx.cues):
            continue  # "The Sunday Herald said", "Die Zeit wrote": a newspaper
        while words and (
            fold(words[0]) in ctx.cues.title_words or lookup_demonym(ctx.registry, words[0])
        ):
            words = words[1:]
        if len(words) < 2 or any(fold(w) in ctx.cues.organisation_words for w in words):
            continue
        name = " ".join(words)
        if lookup_name(ctx.registry, name) is not None or find_mentions(ctx.registry, name):
            continue  # a registry name: find_mentions has it
        after = _DESCRIPTION.match(text, start + len(name_text))
        if after and _names_commentator(after.group(1), ctx.cues):
            continue  # "..., said Jane Roe, an analyst": no actor (convention 8)
        before = " ".join(text[max(0, start - 40) : start].split()[-3:])
        if _names_commentator(before + " " + " ".join(name_text.split()[: -len(words)]), ctx.cues):
            continue  # "Political scientist Jane Roe told ...": no actor either
        surname = fold(words[-1])
        described = name_text.split()[: len(name_text.split()) - len(words)]
        country = country_of_words(ctx.registry, described)
        actor = ctx.new_people.get(surname) or new_person(name, None, country)
        ctx.new_people.setdefault(surname, actor)
        yield start + name_text.index(words[0]), actor


@functools.lru_cache(maxsize=4)
def _role_opening(role_nouns: frozenset[str]) -> re.Pattern[str]:
    roles = "|".join(sorted((re.escape(r) for r in role_nouns), key=len, reverse=True))
    return re.compile(rf"(?:^|(?<=[.!?]\s))The\s+(?:[A-Za-z]+\s+)?({roles})\b(?!\s+of\b)", re.I)
