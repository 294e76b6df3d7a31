"""The rule-based statement extractor: attribution + topic cues + stance rules over spaCy parses.

Reading one article:
1. a cheap gate: no guarantee vocabulary anywhere -> nothing;
2. only paragraphs with a topic cue (and their neighbours, for pronouns, quote runs and
   dash bylines) are parsed, in one `nlp.pipe` batch for many articles;
3. pass 1 walks the paragraphs in order and finds attributions (speech verbs, position
   verbs, "according to", dash bylines), remembering who was named for later pronouns;
4. pass 2 gives every quote a speaker (the attribution governing it, the nearest one in
   its paragraph, or the rest of its multi-paragraph run);
5. pass 3 turns each topic cue into a statement of the outermost named attribution that
   governs it, with the stance read on the dependency path between the two.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import re
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from pipeline.processes import keep_freed_memory, may_fork_workers
from pipeline.statements.actors import Registry, load_registry, plain
from pipeline.statements.attribution import (
    ACTOR,
    ANONYMOUS,
    MEDIA,
    ArticleContext,
    Attribution,
    Quote,
    UnitIndex,
    absolute,
    ctx_offset,
    dash_attributions,
    find_attributions,
    find_quotes,
    own_clause,
    remember_people,
    remember_registry_mentions,
    remember_subjects,
)
from pipeline.statements.bylines import turn_attribution
from pipeline.statements.candidates import (
    instrument_references,
    load_absorbed_topics,
    load_demanded_topics,
    load_field_pattern,
    load_framing_topics,
    load_instrument_nouns,
    load_likeness_topics,
    load_provider_components,
    load_provider_topics,
    load_speaker_topics,
    load_topic_requirements,
)
from pipeline.statements.classifier import ClauseClassifier
from pipeline.statements.clauses import (
    Owner,
    asserts,
    complement_verdict,
    content_head,
    evidence_bounds,
    general_beside_components,
    own_troops_refusals,
    provider_country,
    quote_speakers,
    settle_stances,
    speaker_clauses,
    speaker_topics,
    speaking_person,
)
from pipeline.statements.cues import Cues, load_cues
from pipeline.statements.dates import statement_date
from pipeline.statements.model import Actor, ArticleText, Statement
from pipeline.statements.nlp import entity_recogniser
from pipeline.statements.speakers import doc_text
from pipeline.statements.stances import (
    CONDITIONAL,
    NEUTRAL,
    OPPOSE,
    SUPPORT,
    compared_only,
    condition_position,
    dependency_path,
    halted_on,
    left_unclear,
    own_polarity,
    passed_over,
    stance_of_words,
    stance_on_path,
    warns_of_harm,
    withheld,
)
from pipeline.statements.topics import (
    GENERAL,
    TopicLexicon,
    TopicMatch,
    find_topics,
    is_on_topic,
    load_topic_lexicon,
)
from pipeline.statements.turns import Turn, find_author_turns, find_list_items, find_turns
from pipeline.statements.version import extractor_version

log = logging.getLogger(__name__)

TOPIC_SOURCES = ("rules", "model", "both")
_PARAGRAPH = re.compile(r"[^\n]+")
# The longest stretch handed to spaCy as one text. The rules' time grows with the square of
# a sentence's length (4 s for one 17,600-character "sentence", 13 s for 33,000), so a page
# with no sentence ends (a table flattened to text, a hostile page) is parsed in pieces cut
# at whitespace. Real prose stays far below it: the longest stretch in the seeds is 622.
MAX_PARSE_CHARS = 3000
# Stretches parsed per nlp.pipe batch: 64 cost about 4% less CPU than 128 on the
# development articles (bench/RESULTS.md), and far less than 16 or 512.
PARSE_BATCH = 64
# The longest article text read for statements (characters); the rest is cut, with a
# warning in the log. Extraction is linear in length (5 CPU-s for 400,000 characters of
# real articles, 10 for 800,000), so this bounds one article to about 2.5 CPU-s.
MAX_ARTICLE_CHARS = 200_000
_WHITESPACE = re.compile(r"\s")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[”\"’)]?\s+(?=[“\"‘(A-Z0-9])")
_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]\.|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|Sen|Rep|Gov|Prof|No|Jr|Sr|vs|etc)\.)$"
)
_SPEAKER_SIGNAL = re.compile(
    r"\b(?:[A-Z][\w'’-]+\s+[A-Z][\w'’-]+|he|she|He|She|according\s+to|According\s+to)\b"
    r"|\bthe\s+(?:president|minister|chancellor|prime\s+minister|secretary|spokes\w+|envoy)\b"
)
# A line of at most this many words not ended like a sentence is a headline (see is_headline).
HEADLINE_WORDS = 25
_PROSE_END = re.compile(r"[.!?:;…][”\"’'»)\]]*$|[”\"’»]$")
_QUOTE_MARKS = "\"“‘'«"
_OPEN_QUOTE = re.compile(r"^[^\"]*\"[^\"]*$|“(?!.*”)")
_SURVEY = re.compile(r"\b(?:survey|poll|polls|polled|respondents|pollster)\b", re.IGNORECASE)

# How sure an attribution is, by how its speaker was found.
_BASE_CONFIDENCE = {
    ("speech", "name"): 0.9,
    ("according", "name"): 0.85,
    ("position", "name"): 0.85,
    ("adjective", "name"): 0.8,
    ("dash", "name"): 0.85,
}
_METHOD_CONFIDENCE = {
    "name": 0.85,
    "office": 0.8,
    "collective": 0.75,
    "new-person": 0.75,
    "cited": 0.75,
    "echoed": 0.7,  # "..., echoing remarks by Y": shared, in the author's words
    "pronoun": 0.7,
    "role": 0.7,
    "issuer": 0.7,
    "example": 0.7,  # "supporters, notably X": a position the author ascribes, not said
}


@dataclass
class ArticlePlan:
    """An article, its paragraphs, quotes and topic cues, and the stretches worth parsing."""

    article: ArticleText
    paragraphs: list[tuple[int, int]]
    topics: list[TopicMatch]
    quotes: list[Quote]
    chunks: list[tuple[int, int, int]]
    docs: dict[int, list[Doc]] = field(default_factory=dict)
    # Cues that lost to a longer overlapping cue of another topic (see find_topics).
    overlapped: list[TopicMatch] = field(default_factory=list)
    # Labelled paragraphs of a transcript ("Sybiha: ..."), each read as a quote it owns.
    turns: list[Turn] = field(default_factory=list)


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets of the non-empty lines of a text."""
    return [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text) if m.group().strip()]


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a paragraph into rough sentences (cheap; spaCy re-segments what it parses)."""
    bounds, begin = [], start
    for match in _SENTENCE_END.finditer(text, start, end):
        if _ABBREVIATION.search(text, begin, match.start()):
            continue  # "U.S. Defense Department" does not end a sentence
        bounds.append((begin, match.start()))
        begin = match.end()
    bounds.append((begin, end))
    return [(a, b) for a, b in bounds if b > a]


def is_headline(paragraph: str) -> bool:
    """Say whether a line is a headline, a standfirst or a caption rather than prose: short
    and not ended like a sentence. A headline's "X rejects Y" compresses, and often
    distorts, what the article then reports with its evidence."""
    line = paragraph.strip()
    return (
        bool(line)
        and len(line.split()) <= HEADLINE_WORDS
        and not _PROSE_END.search(line)
        # A line broken inside prose (mid-quote, after a first sentence) is no headline,
        # nor is a quote signed with a dash.
        and not _SENTENCE_END.search(line)
        and line[0] not in _QUOTE_MARKS
        and not _OPEN_QUOTE.search(line)
    )


# A sentence opening on a demonstrative and a speech verb in the passive ("This was stated
# at a briefing by ...", "That was announced by ..."): see attribution._recap_units.
_RECAP_VERBS = (
    r"(?:stated|said|announced|declared|noted|reported|emphasi[sz]ed|stressed|written|told|"
    r"voiced|expressed)"
)
_RECAP = re.compile(
    r"(?:This|That|These)\s+(?:was|were|has\s+been|have\s+been|had\s+been|is)\s+"
    rf"(?:\w+\s+)?{_RECAP_VERBS}\b"
    # "Maria Zakharova said this at a briefing.", "Umerov informed about this on Telegram."
    rf"|[^.!?\n]{{0,80}}?\b(?:{_RECAP_VERBS}|informed|wrote|posted|spoke)\s+(?:about\s+)?"
    r"(?:this|that)\s+(?:on|at|in|during|to|when|after|\.)"
)


# A wire dateline opening a paragraph ("KYIV, March 3 (Reuters) - ", "MOSCOW — ",
# "BRUSSELS, Dec. 4, 2025 -"): the place is no subject, so the sentence starts after it.
_DATELINE = re.compile(
    r"(?:[A-Z][A-Za-z.'’-]+(?:[ \t]+[A-Z][A-Za-z.'’-]+){0,2},[ \t]+(?:[A-Z][a-z]{2,9}\.?[ \t]+"
    r"\d{1,2}(?:st|nd|rd|th)?(?:,[ \t]*\d{4})?"
    # "OTTAWA, 5 March 2026 -": the day before the month.
    r"|\d{1,2}[ \t]+[A-Z][a-z]{2,8}\.?(?:[ \t]+\d{4})?)|[A-Z]{3,}(?:[ \t]+[A-Z]{2,}){0,2}"
    # A newsletter's rubric in capitals ("ROME SAYS NO TO BOOTS: ...").
    r"|[A-Z][A-Z'’-]+(?:[ \t]+[A-Z][A-Z'’-]*){2,9}(?=:))"
    r"[ \t]*(?:\([^)\n]{2,40}\))?[ \t]*[-–—:]+[ \t]+(?=\S)"
)


def _after_dateline(text: str, start: int, end: int) -> int:
    match = _DATELINE.match(text, start, end)
    return match.end() if match else start


def _has_speaker_signal(sentence: str, registry: Registry, cues: Cues) -> bool:
    """Say whether a sentence could attribute anything (a name, a speech verb, a pronoun)."""
    return bool(
        _SPEAKER_SIGNAL.search(sentence)
        or registry.mention_pattern.search(plain(sentence))
        or cues.verb_forms.search(sentence)
    )


def plan_article(
    article: ArticleText,
    lexicon: TopicLexicon,
    registry: Registry,
    cues: Cues,
    field_words: re.Pattern[str] | None = None,
) -> ArticlePlan:
    """Decide which sentences of an article need parsing: the pre-filter before spaCy.

    A sentence is parsed when it holds a topic cue or, given `field_words` (the broad net read by
    the clause classifier), a word of the guarantees' field, and something that could
    attribute it: a quote, a name, a speech verb, a pronoun.
    """
    text = article.text
    if len(text) > MAX_ARTICLE_CHARS:
        # News articles run to tens of thousands of characters; a page far beyond that is
        # a dump or an attack, and reading it all would hold the stage for minutes.
        cut = text.rfind("\n", MAX_ARTICLE_CHARS // 2, MAX_ARTICLE_CHARS)
        cut = cut if cut > 0 else MAX_ARTICLE_CHARS
        log.warning(
            "article of %d characters: statements read from its first %d only", len(text), cut
        )
        text = text[:cut]
    if not text or not is_on_topic(text, lexicon):
        return ArticlePlan(article, [], [], [], [])
    paragraphs = split_paragraphs(text)
    overlapped: list[TopicMatch] = []
    topics = find_topics(text, lexicon, overlapped)
    if field_words is not None:
        references = instrument_references(text, topics, load_instrument_nouns())
        topics = sorted(topics + references, key=lambda m: m.start)
    quotes = find_quotes(text)
    turns = find_turns(text, paragraphs, registry, cues)
    if not turns:
        turns = find_author_turns(text, paragraphs, registry, cues)
    if not turns:
        turns = find_list_items(text, paragraphs)
    if turns:
        quotes = _turns_as_quotes(quotes, turns)
    sentences = [
        (index, start, end)
        for index, (p_start, p_end) in enumerate(paragraphs)
        if not is_headline(text[p_start:p_end])
        for start, end in split_sentences(text, _after_dateline(text, p_start, p_end), p_end)
    ]
    # Sorted offsets, so each sentence finds its cues, quotes and neighbours by bisection:
    # scanning them all for every sentence made a long page quadratic.
    cue_starts = [m.start for m in topics]
    quote_ends = [q.end for q in quotes]
    sentence_starts = [start for _, start, _ in sentences]
    needed: set[int] = set()
    for number, (index, start, end) in enumerate(sentences):
        has_cue = bisect_left(cue_starts, start) < bisect_left(cue_starts, end)
        if not has_cue and (field_words is None or not field_words.search(text, start, end)):
            continue
        following = sentences[number + 1] if number + 1 < len(sentences) else None
        if following is not None and following[0] == index and _RECAP.match(text, following[1]):
            # "This was stated by X": the next sentence names who said this one.
            needed |= {number, number + 1}
        first = bisect_right(quote_ends, start)  # quotes are in order and disjoint
        touching = []
        for quote in islice(quotes, first, None):
            if quote.start >= end:
                break
            touching.append(quote)
        if not touching and not _has_speaker_signal(text[start:end], registry, cues):
            continue  # the author's own words: nobody to attribute them to
        if not touching and text[start:end].rstrip().endswith("?"):
            continue  # the author's question ("Would she back an air mission?") asserts nothing
        needed.add(number)
        if touching:
            # The speaker of a quote is named next to it: before, after, or where it ends.
            needed |= {number - 1, number + 1}
            # A quote of several sentences: the one that introduces it ("X said:") is before
            # its first sentence, however far that is from the cue.
            opening = bisect_right(sentence_starts, min(q.start for q in touching)) - 1
            needed |= {opening - 1, opening}
            last = max(q.end for q in touching)
            # Sentences holding the quote's end (a <= last <= b + 1) or starting after it.
            at = bisect_right(sentence_starts, last + 1)
            for n in range(at - 1, -1, -1):
                _, a, b = sentences[n]
                if b + 1 < last:
                    break
                if a <= last <= b + 1 or a == last + 1:
                    needed.add(n)
    chunks: list[tuple[int, int, int]] = []
    for number in sorted(n for n in needed if 0 <= n < len(sentences)):
        index, start, end = sentences[number]
        if chunks and chunks[-1][0] == index and number - 1 in needed:
            chunks[-1] = (index, chunks[-1][1], end)
        else:
            chunks.append((index, start, end))
    pieces = [piece for chunk in chunks for piece in _cut_long(text, chunk)]
    return ArticlePlan(
        article, paragraphs, topics, quotes, pieces, overlapped=overlapped, turns=turns
    )


def _turns_as_quotes(quotes: list[Quote], turns: list[Turn]) -> list[Quote]:
    """Read each turn's body as one quote: the quotes inside it are the speaker's too."""
    group = max((q.group for q in quotes), default=0)
    kept = [q for q in quotes if not any(t.start <= q.start < t.end for t in turns)]
    bodies = [Quote(t.start, t.end, group + n, turn=True) for n, t in enumerate(turns, start=1)]
    return sorted(kept + bodies, key=lambda q: q.start)


def _cut_long(
    text: str, chunk: tuple[int, int, int], limit: int = MAX_PARSE_CHARS
) -> Iterator[tuple[int, int, int]]:
    """Cut a stretch longer than `limit` into pieces at the last whitespace before the limit
    (or at the limit, when a whole piece holds none)."""
    index, start, end = chunk
    while end - start > limit:
        cut = start + limit
        spaces = [m.start() for m in _WHITESPACE.finditer(text, start + limit // 2, cut)]
        if spaces:
            cut = spaces[-1] + 1
        yield index, start, cut
        start = cut
    yield index, start, end


def _token_bounds(doc: Doc) -> tuple[list[int], list[int]]:
    """Return the (cached) start and end character offsets of a doc's tokens, in order."""
    bounds = doc.user_data.get("bounds")
    if bounds is None:
        starts = [t.idx for t in doc]
        ends = [t.idx + len(t.text) for t in doc]
        bounds = doc.user_data["bounds"] = (starts, ends)
    return bounds


def _cue_token(doc: Doc, start: int, end: int) -> Token | None:
    """Return the syntactic head of the tokens a topic cue covers."""
    offset = doc.user_data["offset"]
    # Tokens do not overlap and come in order, so the covered ones form one run.
    starts, ends = _token_bounds(doc)
    first = bisect_right(ends, start - offset)
    stop = bisect_left(starts, end - offset)
    tokens = [doc[i] for i in range(first, stop)]
    if not tokens:
        return None
    inside = {t.i for t in tokens}
    heads = [t for t in tokens if t.head.i not in inside or t.head.i == t.i]
    return heads[0] if heads else tokens[-1]


def _names_by_copula(token: Token, cues: Cues) -> bool:
    """Say whether a cue is one side of "is" or "remains" whose other side is a noun phrase
    of its own ("the first guarantee is our own army", "the army remains the best
    guarantee"): it names the other side, not a position on itself."""
    cue = token
    while cue.dep_ in ("compound", "amod") and cue.head.i != cue.i:
        cue = cue.head
    verb = cue.head
    if cue.dep_ not in ("nsubj", "attr") or verb.lemma_.lower() not in cues.copulas:
        return False
    other = "attr" if cue.dep_ == "nsubj" else "nsubj"
    # Not a pro-form ("the only guarantees we accept are ones the P5 give"): that restates
    # the guarantees themselves.
    return any(
        c.dep_ == other and c.pos_ in ("NOUN", "PROPN") and c.lemma_.lower() != "one"
        for c in verb.children
    )


def _sentence_of(token: Token) -> Span:
    return token.sent


class RuleExtractor:
    """Extract statement events with dependency-parse rules and data vocabularies."""

    name = "rule-extractor"
    # 0.2.0: the clause classifier reads what the cues miss; clauses split at coordinated
    # subjects; headlines skipped. 0.3.0: transcript turns, bylines and lists, recaps,
    # datelines; the stance mechanisms of docs/extraction.md. 0.3.1: demanded conditions,
    # denials that cancel, "it" for a state, quoted-as-saying, documents with an owner.
    # 0.3.2: titled names opening a sentence as antecedents, no speaker after a
    # preposition, conditions hung on a refusal's infinitive.
    # The "+digest" part changes with any data file or weight, so a reprocess supersedes
    # extractions made with other vocabularies or weights.
    version = extractor_version("0.3.2")

    def __init__(
        self,
        nlp: Language,
        registry: Registry | None = None,
        cues: Cues | None = None,
        lexicon: TopicLexicon | None = None,
        articles_per_batch: int = 32,
        n_process: int = 1,
        workers: int = 1,
        articles_per_task: int = 8,
        classifier: ClauseClassifier | None = None,
        topic_source: str = "both",
        topic_threshold: float = 0.65,
        quote_threshold: float = 0.8,
        added_threshold: float = 0.9,
    ) -> None:
        if topic_source not in TOPIC_SOURCES:
            raise ValueError(f"topic_source must be one of {TOPIC_SOURCES}, not {topic_source!r}")
        if topic_source != "rules" and classifier is None:
            raise ValueError(f"topic_source {topic_source!r} needs a trained clause classifier")
        self.nlp = nlp
        # Where topics come from: the cues of topics.yaml ("rules"), the clause classifier
        # ("model"), or both, the classifier adding what the cues miss.
        self.classifier = classifier if topic_source != "rules" else None
        self.topic_source = topic_source
        self.topic_threshold = topic_threshold
        # Quoted sentences are often rhetoric around the position ("this war must end"):
        # the model must be surer there.
        self.quote_threshold = max(topic_threshold, quote_threshold)
        # Beside topics the cues found for the same speaker in the same sentence, the model
        # adds one only this sure (above 1: never).
        self.added_threshold = added_threshold
        self.field_words = load_field_pattern() if self.classifier is not None else None
        self.speaker_topics = load_speaker_topics()
        self.provider_topics = load_provider_topics()
        self.provider_components = load_provider_components()
        self.framing_topics = load_framing_topics()
        self.absorbed_topics = load_absorbed_topics()
        self.demanded_topics = load_demanded_topics()
        self.likeness_topics = load_likeness_topics()
        self.requirements = load_topic_requirements()
        # The classifier's stance per clause of the article being read (see _model_stance).
        self._stances: dict[tuple[int, int, int, int], str] = {}
        # Cues found only dating a clause ("pending its accession"), per article.
        self._dated: list[TopicMatch] = []
        # Sentences whose guarantees-as-a-whole cue heads a clause of its own, coordinated
        # with the components' clauses (evidence starts), per article.
        self._separate_general: set[int] = set()
        # Sentences that equate the guarantees with something ("the first guarantee is our
        # own army"), per article.
        self._copular_general: set[int] = set()
        self.registry = registry or load_registry()
        self.cues = cues or load_cues()
        self.lexicon = lexicon or load_topic_lexicon()
        self.articles_per_batch = articles_per_batch
        self.n_process = n_process
        self.recognise = entity_recogniser(nlp)
        # workers > 1: a persistent pool of forked processes (created on first use, each
        # inheriting the loaded pipeline), fed chunks of `articles_per_task` articles.
        self.workers = workers
        self.articles_per_task = articles_per_task
        self._pool: ProcessPoolExecutor | None = None

    def extract(self, article: ArticleText) -> list[Statement]:
        """Extract the statements of one article."""
        return next(self.extract_many([article]))

    def extract_many(self, articles: Iterable[ArticleText]) -> Iterator[list[Statement]]:
        """Extract statements from many articles, in order, parsing them in batches."""
        if self.workers > 1 and may_fork_workers():
            yield from self._extract_pooled(articles)
            return
        yield from self._extract_serial(articles)

    @property
    def worker_pids(self) -> list[int]:
        """Return the process ids of the worker pool (empty when extracting in-process)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return sorted(processes)

    def close(self) -> None:
        """Shut the worker pool down, if one was started."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _extract_pooled(self, articles: Iterable[ArticleText]) -> Iterator[list[Statement]]:
        """Extract in the worker pool, keeping a few chunks in flight and the input order."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_init_worker,
                initargs=(self,),
            )
        iterator = iter(articles)
        pending: deque[Future[list[list[Statement]]]] = deque()
        while True:
            while len(pending) < 2 * self.workers:
                chunk = list(islice(iterator, self.articles_per_task))
                if not chunk:
                    break
                pending.append(self._pool.submit(_extract_in_worker, chunk))
            if not pending:
                return
            yield from pending.popleft().result()

    def _extract_serial(self, articles: Iterable[ArticleText]) -> Iterator[list[Statement]]:
        iterator = iter(articles)
        while chunk := list(islice(iterator, self.articles_per_batch)):
            plans = [
                plan_article(article, self.lexicon, self.registry, self.cues, self.field_words)
                for article in chunk
            ]
            self._parse(plans)
            for plan in plans:
                yield self._statements(plan)

    def _parse(self, plans: list[ArticlePlan]) -> None:
        """Parse the selected sentences of many articles in one pipe."""
        jobs = [
            (plan.article.text[start:end], (number, index, start, end))
            for number, plan in enumerate(plans)
            for index, start, end in plan.chunks
        ]
        parsed = self.nlp.pipe(
            jobs, as_tuples=True, batch_size=PARSE_BATCH, n_process=self.n_process
        )
        for doc, (number, index, start, end) in parsed:
            doc.user_data["offset"] = start
            # The text parsed, which spaCy keeps verbatim (see `doc_text`).
            doc.user_data["text"] = plans[number].article.text[start:end]
            plans[number].docs.setdefault(index, []).append(doc)

    def _statements(self, plan: ArticlePlan) -> list[Statement]:
        if not plan.docs:
            return []
        text = plan.article.text
        ctx = ArticleContext(
            text=text,
            published=plan.article.published,
            registry=self.registry,
            cues=self.cues,
            quotes=plan.quotes,
            recognise=self.recognise,
        )
        self._stances = {}
        self._dated = []
        self._separate_general = set()
        self._copular_general = set()
        units = self._attributions(plan, ctx)
        quote_owners = assign_quote_speakers(ctx.quotes, units, plan.paragraphs, text)
        paragraph_starts = [start for start, _ in plan.paragraphs]
        for turn in plan.turns:
            paragraph = bisect_right(paragraph_starts, turn.start) - 1
            number = next(n for n, q in enumerate(ctx.quotes) if q.start == turn.start)
            if turn.intro is None:
                quote_owners[number] = turn_attribution(turn, paragraph, ctx)
                continue
            # A list item: the outermost one speaking in the paragraph that introduces the
            # list ("Sybiha listed what Kyiv expects:": Sybiha).
            speaking = [
                u
                for u in units
                if u.status in (ACTOR, MEDIA)
                and not u.in_quote
                and turn.intro[0] <= u.anchor < turn.intro[1]
            ]
            if speaking:
                quote_owners[number] = min(speaking, key=lambda u: (u.depth, -u.anchor))
        index = UnitIndex(units)
        found: dict[tuple[str, str, int], Statement] = {}
        docs = [doc for _, docs in sorted(plan.docs.items()) for doc in docs]
        if self.topic_source != "model":
            for doc in docs:
                start = doc.user_data["offset"]
                end = start + len(doc_text(doc))
                cues_here = [m for m in plan.topics if start <= m.start < end]
                statements = self._paragraph_statements(doc, cues_here, index, quote_owners, ctx)
                for statement in statements:
                    key = (statement.actor.actor_id, statement.topic, statement.start)
                    if key not in found or found[key].confidence < statement.confidence:
                        found[key] = statement
        # Convention 4 on what the cues found (the model never pairs general with another
        # topic itself; a component it adds is less sure than the cue that found general).
        kept = general_beside_components(list(found.values()), self._separate_general)
        found = {(s.actor.actor_id, s.topic, s.start): s for s in kept}
        if self.classifier is not None:
            # Where the cues found a topic for a speaker in a sentence, they are precise; the
            # model adds a topic there only when it is nearly certain (added_threshold), and
            # reads the clauses the cues missed with the ordinary threshold.
            covered = {(s.actor.actor_id, s.start) for s in found.values()}
            components = {(s.actor.actor_id, s.start) for s in found.values() if s.topic != GENERAL}
            overruled = {(m.topic, m.start) for m in [*plan.overlapped, *self._dated]}
            for statement in self._model_statements(docs, index, quote_owners, ctx, covered):
                if statement.topic == GENERAL and (statement.actor.actor_id, statement.start) in (
                    components
                ):
                    # Convention 4: the cues found a component there and judged the
                    # guarantees' mention to frame it.
                    continue
                if any(
                    topic == statement.topic and statement.start <= at < statement.end
                    for topic, at in overruled
                ):
                    # The cues already decided this wording is another topic's.
                    continue
                key = (statement.actor.actor_id, statement.topic, statement.start)
                found.setdefault(key, statement)
        if self._copular_general:
            named = {(s.actor.actor_id, s.start) for s in found.values() if s.topic != GENERAL}
            found = {
                key: s
                for key, s in found.items()
                if not (
                    s.topic == GENERAL
                    and s.start in self._copular_general
                    and (s.actor.actor_id, s.start) in named
                )
            }
        statements = speaker_topics(list(found.values()), self.speaker_topics)
        statements = settle_stances(own_troops_refusals(statements))
        return sorted(statements, key=lambda s: (s.start, s.actor.actor_id, s.topic))

    def _attributions(self, plan: ArticlePlan, ctx: ArticleContext) -> list[Attribution]:
        """Pass 1: every attribution of the article, in reading order."""
        units = [unit for _, unit in dash_attributions(plan.paragraphs, ctx)]
        for unit in units:
            ctx.remember(unit.anchor, unit.speaker, salient=True)
        for index, (start, end) in enumerate(plan.paragraphs):
            # Names in text that was not parsed still serve as antecedents of pronouns.
            remember_registry_mentions(ctx.text[start:end], start, ctx)
            for sentence in (sent for doc in plan.docs.get(index, []) for sent in doc.sents):
                doc = sentence.doc
                if doc.user_data.get("entities"):
                    remember_people(sentence, ctx)
                found = find_attributions(sentence, index, ctx)
                speakers: dict[int, list[Actor]] = {}
                for unit in found:
                    if unit.status == ACTOR and unit.speaker is not None and not unit.in_quote:
                        ctx.remember(unit.anchor, unit.speaker, salient=True)
                        speakers.setdefault(unit.anchor, []).append(unit.speaker)
                for anchor, actors in speakers.items():
                    ctx.remember_group(anchor, actors)
                units += found
                remember_subjects(sentence, ctx)
        return units

    def _paragraph_statements(
        self,
        doc: Doc,
        topic_matches: list[TopicMatch],
        units: UnitIndex,
        quote_owners: dict[int, Attribution],
        ctx: ArticleContext,
    ) -> Iterator[Statement]:
        per_sentence: dict[int, list[tuple[TopicMatch, Token]]] = {}
        for match in topic_matches:
            token = _cue_token(doc, match.start, match.end)
            if token is not None:
                per_sentence.setdefault(token.sent.start, []).append((match, token))
        for cues_in_sentence in per_sentence.values():
            sentence = cues_in_sentence[0][1].sent
            if _SURVEY.search(sentence.text):
                continue
            framed = _framed_objects(cues_in_sentence, self.framing_topics)
            framed += _absorbed(cues_in_sentence, self.absorbed_topics, ctx.text)
            dated = [
                m
                for m, t in cues_in_sentence
                if _dated_by(t, self.cues)
                or compared_only(t, self.cues, likened=m.topic in self.likeness_topics)
                or left_unclear(t, self.cues)
                or withheld(t, self.cues)
                or m in framed
            ]
            # The model may not read a dated (or merely compared) wording as said either.
            self._dated += dated
            kept = _drop_subsumed_general(
                [
                    (m, t)
                    for m, t in cues_in_sentence
                    if m not in dated and not (m.weak and _questioned(t, self.cues))
                ]
            )
            if _general_in_own_clause(kept):
                # "Russia opposes the guarantees and will not allow troops": two assertions.
                self._separate_general.add(evidence_bounds(sentence, ctx.text)[0])
            if any(m.topic == GENERAL and _names_by_copula(t, self.cues) for m, t in kept):
                # "The best guarantee is a strong Ukrainian army": the guarantees only name
                # what the other side of "is" says (convention 4), whichever reader finds it.
                self._copular_general.add(evidence_bounds(sentence, ctx.text)[0])
            for match, token in kept:
                for owner in find_owners(match, sentence, units, quote_owners, ctx):
                    statement = self._statement(match, token, sentence, owner, ctx)
                    yield statement
                    if statement.topic in self.provider_components:
                        # Convention 5: US air support offered is also the US backstop.
                        giver = provider_country(token, owner.actor, self.registry, self.cues)
                        provided = self.provider_topics.get(giver or "")
                        if provided is not None:
                            yield dataclasses.replace(statement, topic=provided)

    def _model_statements(
        self,
        docs: list[Doc],
        units: UnitIndex,
        quote_owners: dict[int, Attribution],
        ctx: ArticleContext,
        covered: set[tuple[str, int]],
    ) -> Iterator[Statement]:
        """Statements whose topics the clause classifier reads in what a speaker says."""
        assert self.classifier is not None
        clauses: list[tuple[Span, Owner, list[Token], bool]] = []
        for sentence in (sentence for doc in docs for sentence in doc.sents):
            if _SURVEY.search(sentence.text):
                continue
            for owner, tokens in speaker_clauses(sentence, units, quote_owners, ctx):
                by_cues = (owner.actor.actor_id, evidence_bounds(sentence, ctx.text)[0]) in covered
                if by_cues and self.added_threshold > 1:
                    continue
                # A clause with no word of the field is small talk, whatever the model says.
                if self.field_words is None or self._in_field(tokens):
                    clauses.append((sentence, owner, tokens, by_cues))
        # One call for the article: the model's cost is mostly per call, not per clause.
        readings = self.classifier.read([clause[2] for clause in clauses])
        for (sentence, owner, tokens, by_cues), reading in zip(clauses, readings, strict=True):
            threshold = self.quote_threshold if owner.inherited else self.topic_threshold
            if by_cues:
                threshold = max(threshold, self.added_threshold)
            topics = [
                topic
                for topic in reading.topics_above(threshold)
                if topic not in self.requirements
                or self._has_words(tokens, self.requirements[topic])
            ]
            if len(topics) > 1 and GENERAL in topics:
                # Convention 4: the guarantees as a whole only beside a component when
                # the clause speaks of them too, which the cues, not the model, see.
                topics.remove(GENERAL)
            for topic in topics:
                yield self._model_statement(topic, tokens, sentence, owner, ctx)

    def _conjunct_naming(self, head: Token, topic: str, tokens: list[Token]) -> Token:
        """Return the coordinated verb of a clause whose own words name the topic ("would
        not send ground forces but would fund air defence": "fund" for military aid), so
        the stance is read from that assertion and not from its neighbour's."""
        inside = {t.i for t in tokens}
        verbs = [head] + [
            c
            for c in head.conjuncts
            if c.i in inside and c.i > head.i and c.pos_ in ("VERB", "AUX")
        ]
        pattern = self.requirements.get(topic) or self.field_words
        if len(verbs) < 2 or pattern is None:
            return head
        counts = []
        for verb in verbs:
            # Its own words: its subtree without the conjuncts hung below it.
            below = {t.i for v in verbs if v.i != verb.i and verb.is_ancestor(v) for t in v.subtree}
            words = " ".join(t.text for t in verb.subtree if t.i not in below)
            counts.append((len(pattern.findall(words)), verb))
        counts.sort(key=lambda c: -c[0])
        # The one that names it most, when it does so more than any other.
        return counts[0][1] if counts[0][0] > counts[1][0] else head

    def _demanded(
        self, topic: str, path: list[Token], owner: Owner, stance: str | None
    ) -> str | None:
        """Read a third party's part named as the condition of a speaker's commitment
        ("troops if the United States provides a backstop", "not without Russia at the
        table") as what the speaker insists on (`demanded_topics:` in topics.yaml)."""
        if stance != CONDITIONAL:
            return stance
        position = condition_position(path, self.cues)
        if position is None:
            return stance
        # Only a third party's part is demanded so: the seeds' reference reads "will not
        # accept formal agreements without substantive commitments" as conditional on the
        # guarantees.
        if topic not in self.demanded_topics:
            return stance
        provider = self.demanded_topics.get(topic)
        if provider is not None and owner.actor.country == provider:
            return stance  # the provider's own "not without us" keeps it open
        return SUPPORT

    def _model_stance(self, tokens: list[Token]) -> str:
        """The classifier's stance for a clause, once per clause: several topics of one
        sentence ask for the same reading."""
        assert self.classifier is not None
        key = (id(tokens[0].doc), tokens[0].i, tokens[-1].i, len(tokens))
        if key not in self._stances:
            self._stances[key] = self.classifier.stance(tokens)
        return self._stances[key]

    def _in_field(self, tokens: list[Token]) -> bool:
        assert self.field_words is not None
        return self._has_words(tokens, self.field_words)

    @staticmethod
    def _has_words(tokens: list[Token], pattern: re.Pattern[str]) -> bool:
        first, last = tokens[0], tokens[-1]
        text = doc_text(first.doc)[first.idx : last.idx + len(last.text)]
        return pattern.search(text) is not None

    def _model_statement(
        self,
        topic: str,
        tokens: list[Token],
        sentence: Span,
        owner: Owner,
        ctx: ArticleContext,
    ) -> Statement:
        unit = owner.unit
        stop = unit.verb if unit.verb is not None and unit.verb.doc is sentence.doc else None
        start = content_head(tokens, stop)
        stance = None
        if start is not None:
            conjunct = self._conjunct_naming(start, topic, tokens)
            if conjunct.i != start.i:
                # "would not send troops but would fund air defence": the conjunct that
                # names the topic is an assertion of its own.
                stance = own_polarity(conjunct, self.cues)
                start = conjunct
        if start is not None and stance is None:
            path = dependency_path(start, stop)
            if stop is not None and path[-1].i != stop.i:
                path.append(stop)
            stance = stance_on_path(path, sentence, self.cues)
            stance = self._demanded(topic, path, owner, stance)
        if stance is None:
            stance = unit.verb_stance
        if stance is None and stop is not None:
            stance = complement_verdict(stop, sentence, self.cues)
        defaulted = stance is None
        if stance is None:
            assert self.classifier is not None
            stance = self._model_stance(tokens)
        return _evidenced(owner, topic, stance, sentence, ctx, defaulted)

    def _statement(
        self, match: TopicMatch, token: Token, sentence: Span, owner: Owner, ctx: ArticleContext
    ) -> Statement:
        unit = owner.unit
        stop = unit.verb if unit.verb is not None and unit.verb.doc is token.doc else None
        if stop is not None and stop.sent.start != sentence.start:
            stop = None
        path = dependency_path(token, stop)
        if stop is not None and path[-1].i != stop.i:
            path.append(stop)
        shift = ctx_offset(token)
        span = (match.start - shift, match.end - shift)
        if _asked_about(token, self.cues):
            # "Asked about reports that China might join, Guo said ...": the question's
            # words ("might") are not the speaker's; the answer gives the stance.
            path, stance = [token], _bare_answer(stop, self.cues)
        else:
            stance = stance_on_path(path, sentence, self.cues, span)
            stance = self._demanded(match.topic, path, owner, stance)
        last = _last_cue_token(match, token)
        if last is not None and passed_over(dependency_path(last, stop), self.cues):
            # "send trainers rather than troops": the cue's own last word is passed over.
            stance = OPPOSE
        deprived = any(t.lower_ in self.cues.deprivatives for t in path)
        defaulted = False
        if not deprived and warns_of_harm(unit.verb, sentence, self.cues):
            # "warned against a deal that would cap the army": against capping it.
            stance = SUPPORT if halted_on(path, self.cues) else OPPOSE
        if stance is None:
            stance = unit.verb_stance
        if stance is None:
            quote = ctx.in_quote(match.start)
            sentence_end = absolute(sentence[-1]) + len(sentence[-1].text)
            if quote is not None and quote.end > sentence_end and not quote.turn:
                # A quote that runs on: its next sentence may carry the verdict
                # ("... changes nothing. For us, this is unacceptable").
                rest = ctx.text[sentence_end : min(quote.end, sentence_end + 250)]
                stance = stance_of_words(rest, self.cues)
        if stance is None and stop is not None:
            stance = complement_verdict(stop, sentence, self.cues)
        if stance is None and self.classifier is not None:
            # Nothing on the path or in the verb: the classifier reads the whole clause
            # ("hatching plans for an intervention" is no endorsement), without the
            # clauses others speak in it ("..., an idea that Kyiv regards as absurd").
            stance = self._model_stance(_without_others_clauses(sentence, path))
            defaulted = True
        if stance is None:
            stance, defaulted = SUPPORT, True
        if match.opposite and stance in _REVERSED:
            stance = _REVERSED[stance]  # "insists on neutral status": against membership
        topic = match.topic
        if topic == GENERAL and self.provider_topics:
            # Convention 5: guarantees the United States gives are the US backstop.
            giver = provider_country(token, owner.actor, self.registry, self.cues)
            topic = self.provider_topics.get(giver or "", topic)
        return _evidenced(owner, topic, stance, sentence, ctx, defaulted)


_REVERSED = {SUPPORT: OPPOSE, OPPOSE: SUPPORT}


def _without_others_clauses(sentence: Span, path: list[Token]) -> list[Token]:
    """The sentence's tokens less relative and appositive clauses with a subject of their
    own that the path does not pass through."""
    on_path = {t.i for t in path}
    others: set[int] = set()
    for token in sentence:
        if (
            token.dep_ in ("relcl", "appos", "acl")
            and token.i not in on_path
            and any(
                c.dep_ in ("nsubj", "nsubjpass") for c in token.subtree if c.head.dep_ == "relcl"
            )
        ):
            others |= {t.i for t in token.subtree}
    kept = [t for t in sentence if t.i not in others]
    return kept or list(sentence)


def _evidenced(
    owner: Owner, topic: str, stance: str, sentence: Span, ctx: ArticleContext, defaulted: bool
) -> Statement:
    """Make the statement of a decided actor, topic and stance, with its sentence as
    evidence and the date its attribution gives."""
    unit = owner.unit
    start, end = evidence_bounds(sentence, ctx.text)
    stated_on, inferred = statement_date(
        ctx.text[unit.sentence[0] : unit.sentence[1]],
        unit.anchor - unit.sentence[0],
        ctx.published,
    )
    return Statement(
        actor=owner.actor,
        topic=topic,
        stance=stance,
        evidence=ctx.text[start:end],
        start=start,
        end=end,
        stated_on=stated_on,
        confidence=_confidence(owner, defaulted or stance == NEUTRAL),
        stated_on_inferred=inferred,
    )


_WORKER: RuleExtractor | None = None


def _init_worker(extractor: RuleExtractor) -> None:
    """Keep the (forked) extractor of a pool process; it extracts in-process."""
    global _WORKER
    keep_freed_memory()
    _WORKER = extractor
    _WORKER.workers = 1
    _WORKER._pool = None


def _extract_in_worker(articles: list[ArticleText]) -> list[list[Statement]]:
    assert _WORKER is not None
    return list(_WORKER._extract_serial(articles))


_CLAUSE_DEPS = frozenset({"ROOT", "ccomp", "advcl", "conj", "relcl", "parataxis", "xcomp"})


def clause_head(token: Token) -> Token:
    """Return the verb heading the clause a token belongs to."""
    while token.head.i != token.i:
        if token.pos_ in ("VERB", "AUX") and token.dep_ in _CLAUSE_DEPS:
            return token
        token = token.head
    return token


def _dated_by(token: Token, cues: Cues) -> bool:
    """Say whether a cue only dates its clause: it sits under a temporal preposition
    ("pending its accession to NATO", "ahead of the alliance's summit") below its verb."""
    while token.head.i != token.i:
        if token.dep_ == "prep" and token.lower_ in cues.temporal_prepositions:
            return True
        if token.pos_ in ("VERB", "AUX"):
            return False
        token = token.head
    return False


def _last_cue_token(match: TopicMatch, token: Token) -> Token | None:
    """The last token a topic cue covers (`token` is one of them, in the parsed document)."""
    shift = ctx_offset(token)
    covered = token.doc.char_span(match.start - shift, match.end - shift, alignment_mode="expand")
    return covered[-1] if covered is not None else None


def _framed_objects(
    cues_in_sentence: list[tuple[TopicMatch, Token]], framing_topics: frozenset[str]
) -> list[TopicMatch]:
    """The cues that are the object of a framing cue's closing preposition ("a veto over
    sending troops": the troops are what the veto is over)."""
    openers = []
    for match, token in cues_in_sentence:
        if match.topic not in framing_topics:
            continue
        last = _last_cue_token(match, token)
        if last is not None and last.pos_ == "ADP":
            openers.append(last)
    return [
        match
        for match, token in cues_in_sentence
        if match.topic not in framing_topics
        and any(token.i in {t.i for t in opener.subtree} for opener in openers)
    ]


# What may stand between an absorbing cue and the cue it absorbs ("Chinese troops in a
# peacekeeping force"), however the parse attaches the second.
_ABSORBED_GAP = re.compile(
    r"\s+(?:in|into|for|within|as\s+part\s+of|to\s+join)\s+(?:a|an|the|any)?\s*", re.I
)


def _absorbed(
    cues_in_sentence: list[tuple[TopicMatch, Token]],
    absorbs: dict[str, frozenset[str]],
    text: str,
) -> list[TopicMatch]:
    """The cues inside the phrase of a cue that absorbs their topic ("Chinese troops in a
    peacekeeping force")."""
    phrases = [
        (match, {t.i for t in token.subtree}, absorbs[match.topic])
        for match, token in cues_in_sentence
        if match.topic in absorbs
    ]
    return [
        match
        for match, token in cues_in_sentence
        if any(
            match.topic in topics
            and (
                token.i in inside
                or _ABSORBED_GAP.fullmatch(text, outer.end, match.start) is not None
            )
            for outer, inside, topics in phrases
        )
    ]


def _bare_answer(verb: Token | None, cues: Cues) -> str | None:
    """The stance of a one-word answer after the speech verb ("..., Peskov said: 'No.'")."""
    if verb is None:
        return None
    words = [t for t in verb.sent if t.i > verb.i and t.is_alpha]
    if not words or words[0].lower_ not in cues.answer_words:
        return None
    if len(words) > 1 and words[0].lower_ in ("yes", "no") and words[1].lower_ == "doubt":
        return None  # "no doubt"
    return cues.answer_words[words[0].lower_]


def _asked_about(token: Token, cues: Cues) -> bool:
    """Say whether a cue is what the speaker was asked about ("Asked about reports that China
    might join the mission, Guo said ..."): the topic is the question's, the stance the
    answer's."""
    while token.head.i != token.i:
        if (
            token.lemma_.lower() in cues.question_verbs
            and token.dep_ == "advcl"
            # "Asked whether ...": a participle, which the parse may tag as a past tense.
            and token.tag_ in ("VBN", "VBD")
            and not any(c.dep_ in ("nsubj", "nsubjpass") for c in token.children)
        ):
            return True
        token = token.head
    return False


def _questioned(token: Token, cues: Cues) -> bool:
    """Say whether a cue is the subject matter of an open question: its clause opens with
    "whether" or "if" ("the question is whether such a deal is achievable")."""
    while token.head.i != token.i:
        if token.pos_ in ("VERB", "AUX"):
            return any(
                c.dep_ == "mark" and c.lower_ in cues.hypothetical_marks for c in token.children
            )
        token = token.head
    return False


def _general_in_own_clause(cues_in_sentence: list[tuple[TopicMatch, Token]]) -> bool:
    """Say whether a sentence's general-guarantee cue sits in a clause coordinated with (not
    framing) every component cue's clause ("opposes the proposals on guarantees and will
    not allow troops")."""
    specific = [t for m, t in cues_in_sentence if m.topic != GENERAL]
    if not specific or all(m.topic != GENERAL for m, _ in cues_in_sentence):
        return False
    # "robust guarantees are essential, including a US backstop": the component is given
    # as an example of the guarantees, which are said too (convention 4).
    if all(_given_as_example(t) for t in specific):
        return True
    # A general cue that is the subject both clauses share ("the guarantees must be
    # collective and must include Russia") frames the component; it says nothing apart.
    general = [
        clause_head(t)
        for m, t in cues_in_sentence
        if m.topic == GENERAL and t.dep_ not in ("nsubj", "nsubjpass")
    ]
    return any(all(_coordinated_with(clause_head(s), g) for s in specific) for g in general)


_EXAMPLE_WORDS = frozenset({"including", "notably", "especially", "particularly", "like"})


def _given_as_example(token: Token) -> bool:
    """Say whether a cue is the object of "including"/"notably" ("..., including a US
    backstop")."""
    for _ in range(3):
        if token.head.i == token.i:
            return False
        token = token.head
        if token.lower_ in _EXAMPLE_WORDS and token.dep_ in ("prep", "advmod", "acl"):
            return True
    return False


def _coordinated_with(clause: Token, general: Token) -> bool:
    """Say whether a component's clause, or the verb it completes, is coordinated with the
    general's ("must receive guarantees and pledged to keep funding the army": 'keep'
    completes 'pledged', coordinated with 'receive')."""
    token = clause
    while token.dep_ == "xcomp" and token not in general.conjuncts:
        token = token.head
    return token.i != general.i and token in general.conjuncts


def _drop_subsumed_general(
    cues_in_sentence: list[tuple[TopicMatch, Token]],
) -> list[tuple[TopicMatch, Token]]:
    """Drop general-guarantee cues that only frame a specific topic in the same sentence."""
    specific = [(m, t) for m, t in cues_in_sentence if m.topic != GENERAL]
    kept = []
    for match, token in cues_in_sentence:
        if (
            match.topic == GENERAL
            and specific
            and not all(_given_as_example(t) for _, t in specific)
        ):
            clause = clause_head(token)
            if any(clause_head(t).i == clause.i for _, t in specific):
                # "Guarantees must be legally binding": the guarantees only frame the topic.
                continue
            subtree = {t.i for t in token.subtree}
            if any(t.i in subtree or token.i in {s.i for s in t.subtree} for _, t in specific):
                continue
        kept.append((match, token))
    return kept


def find_owners(
    match: TopicMatch,
    sentence: Span,
    units: UnitIndex,
    quote_owners: dict[int, Attribution],
    ctx: ArticleContext,
) -> list[Owner]:
    """Decide whose statement a topic cue is: the outermost attribution governing it."""
    sentence_start = absolute(sentence[0])
    here = [u for u in units.of_sentence(sentence_start) if not u.in_quote and asserts(u, ctx.cues)]
    governing = sorted((u for u in here if u.covers(match.start)), key=lambda u: u.depth)
    own = [
        u
        for u in governing
        if u.status == ACTOR
        and u.verb is not None
        and own_clause(u.verb, ctx.cues)
        and speaking_person(u, governing) is u
    ]
    if own:
        # "A ruled X out, while B said they were ready": B's clause, with its own subject
        # and verb, is B's, though A's verb governs it in the parse.
        governing = [u for u in governing if u.depth >= own[0].depth]
    for unit in governing:
        if unit.status == MEDIA:
            if unit.cited is not None:
                return [Owner(unit.cited, unit, "cited", False)]
            continue
        if unit.status == ACTOR and unit.speaker is not None:
            reported = unit.kind != "speech" and any(u.status == MEDIA for u in governing)
            if reported and (unit.speaker.kind != "person" or unit.verb_stance is None):
                # An outlet's account of a state's position, or of what a person is doing
                # ("reports emerged that X is trying to ..."), is the outlet's; a person's
                # act of taking a side ("X has proposed ..., the FT reports"), a named person
                # it quotes, or officials it reports speaking, keep their words.
                return []
            # Conjoined subjects ("he and Zelensky outlined ...") share one verb; a verb
            # coordinated with it has its own ("welcomed by Kyiv but rejected by Moscow").
            same_verb = [
                u
                for u in governing
                if u.status == ACTOR
                and (u.anchor == unit.anchor or _coordinated(u.verb, unit.verb))
            ]
            speakers = [speaking_person(u, here) for u in same_verb if u.speaker]
            return [Owner(u.speaker, u, u.method, False) for u in speakers if u.speaker]
        return []
    quote = ctx.in_quote(match.start)
    if quote is not None:
        return quote_speakers(quote_owners.get(ctx.quotes.index(quote)), units)
    dash = [u for u in units.dashes if u.covers(match.start)]
    if dash:
        return [Owner(dash[0].speaker, dash[0], dash[0].method, False)]
    actors = [u for u in here if u.status == ACTOR and u.speaker is not None]
    blocked = [u for u in here if u.status != ACTOR]
    # "Western troops, he said, would be targets": a parenthetical speaker owns it too.
    fallback_ok = (
        actors
        and actors[0].verb is not None
        and actors[0].verb.dep_ in ("ROOT", "relcl", "parataxis")
    )
    if len({u.anchor for u in actors}) == 1 and not blocked and fallback_ok:
        # The sentence's only attribution ("the French and the British, who have positioned
        # themselves to lead the effort") owns cues it does not govern syntactically.
        return [Owner(u.speaker, u, u.method, True) for u in actors]
    return []


def _coordinated(verb: Token | None, outer: Token | None) -> bool:
    """Say whether a verb is coordinated with another and speaks for itself."""
    return (
        verb is not None
        and outer is not None
        and verb.dep_ == "conj"
        and verb.head.i == outer.i
        and verb.doc is outer.doc
    )


def assign_quote_speakers(
    quotes: list[Quote],
    units: list[Attribution],
    paragraphs: list[tuple[int, int]],
    text: str,
) -> dict[int, Attribution]:
    """Pass 2: give each quote the attribution that introduces it.

    Units and quotes are looked up by sorted offsets and by paragraph, never scanned whole
    for each quote: a long page with many quotes stays linear.
    """
    owners: dict[int, Attribution] = {}
    speaking = [u for u in units if not u.in_quote and u.status in (ACTOR, MEDIA, ANONYMOUS)]
    ranges = sorted(
        ((start, end, n) for n, u in enumerate(speaking) for start, end in u.content),
        key=lambda r: r[0],
    )
    range_starts = [r[0] for r in ranges]
    by_paragraph: dict[int, list[Attribution]] = {}
    for unit in speaking:
        by_paragraph.setdefault(unit.paragraph, []).append(unit)
    paragraph_starts = [start for start, _ in paragraphs]
    quote_starts = [q.start for q in quotes]
    for number, quote in enumerate(quotes):
        # A unit's content lies in one parsed stretch, at most MAX_PARSE_CHARS long.
        low = bisect_left(range_starts, quote.start - MAX_PARSE_CHARS)
        high = bisect_left(range_starts, quote.end)
        found = {n for start, end, n in ranges[low:high] if quote.start < end}
        governing = [speaking[n] for n in sorted(found)]
        if governing:
            owners[number] = min(governing, key=lambda u: (u.kind != "dash", u.depth))
    for number, quote in enumerate(quotes):
        if number in owners:
            continue
        paragraph = _paragraph_index(paragraphs, paragraph_starts, quote.start)
        nearby = [
            u for u in by_paragraph.get(paragraph, []) if u.kind in ("speech", "according", "dash")
        ]
        after = [u for u in nearby if u.anchor >= quote.end]
        before = [u for u in nearby if u.anchor < quote.start]
        if after:
            owners[number] = min(after, key=lambda u: u.anchor)
        elif before:
            owners[number] = max(before, key=lambda u: u.anchor)
    by_group: dict[int, Attribution] = {}
    for number, quote in enumerate(quotes):
        if number in owners:
            by_group.setdefault(quote.group, owners[number])
    for number, quote in enumerate(quotes):
        if number not in owners and quote.group in by_group:
            owners[number] = by_group[quote.group]
    for number, quote in enumerate(quotes):
        if number in owners:
            continue
        paragraph = _paragraph_index(paragraphs, paragraph_starts, quote.start)
        if paragraph <= 0:
            continue
        previous = paragraphs[paragraph - 1]
        lead = [u for u in by_paragraph.get(paragraph - 1, []) if u.kind != "position"]
        opens_paragraph = quote.start == paragraphs[paragraph][0]
        # An earlier quote starting in the previous paragraph (quotes are in order).
        first_there = bisect_left(quote_starts, previous[0], 0, number)
        quoted_before = first_there < number and quotes[first_there].start < previous[1]
        # "X said:" introduces the next paragraph; a paragraph that is all quote, after a
        # quoted paragraph, continues the same speaker; so does a paragraph that opens
        # with a quote right after a named person's reported speech ("X stressed that ...").
        speaker_before = bool(lead) and lead[-1].status == ACTOR and lead[-1].kind == "speech"
        if lead and (
            text[previous[0] : previous[1]].rstrip().endswith(":")
            or (opens_paragraph and (quoted_before or speaker_before))
        ):
            owners[number] = lead[-1]
    return owners


def _paragraph_index(paragraphs: list[tuple[int, int]], starts: list[int], offset: int) -> int:
    """Return the number of the paragraph holding `offset`, or -1."""
    index = bisect_right(starts, offset) - 1
    if index >= 0 and offset < paragraphs[index][1]:
        return index
    return -1


def _confidence(owner: Owner, defaulted: bool) -> float:
    unit = owner.unit
    base = _BASE_CONFIDENCE.get((unit.kind, owner.method))
    if base is None:
        base = _METHOD_CONFIDENCE.get(owner.method, 0.6)
    if owner.inherited:
        base -= 0.1
    if defaulted:
        base -= 0.05
    return round(max(0.05, min(1.0, base)), 2)
