"""A deterministic synthetic news corpus on security guarantees for Ukraine, with ground truth.

    from bench.synthetic import generate, write_site
    corpus = generate(1000, seed=7)
    write_site(corpus, Path("/tmp/site"))     # pages, RSS and Atom feeds
    corpus.ground_truth()                     # {url: [(actor_id, topic, stance), ...]}

Every article is about 700 words: statement paragraphs, each carrying one KNOWN statement
(an actor of pipeline/data/actors.yaml taking a stance on one topic of the statement-event
spec) in one of several constructions (reported speech, a quote before or after the speech
verb, a title before the name, an apposition, "according to", a position verb such as
"has ruled out"), mixed with the author's own analysis paragraphs that attribute nothing to
anyone. Some articles are off topic (no statements: sport or business with titles the
feeds' keyword filter drops, or Ukraine news that never touches the guarantees), and some
are near-duplicate rewrites of an earlier article (a new headline and lede, small edits, a
trimmed ending) that deduplication should catch.

Pages are rendered in three outlet templates (navigation, header, byline, date, body,
related links, sidebar, footer) with absolute links to http://127.0.0.1:8123, which the
offline server rewrites to its real port; the feeds (RSS 2.0 and Atom) list them in chunks.
The same (count, seed) always yields the same bytes.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTORS_FILE = ROOT / "pipeline" / "data" / "actors.yaml"
ORIGIN = "http://127.0.0.1:8123"
FEED_CHUNK = 2500  # entries per feed file
KEYWORDS = ("security guarantee", "Ukraine", "Kyiv")

e = html.escape

# -- actors ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SynActor:
    actor_id: str
    name: str
    kind: str  # person | state | organisation
    role: str | None = None

    @property
    def surname(self) -> str:
        return self.name.split()[-1]

    def subject(self) -> str:
        """The actor as a sentence subject (states and organisations with their article)."""
        if self.kind == "person":
            return self.name
        return _THE.get(self.name, self.name)


_THE = {
    "United States": "the United States",
    "United Kingdom": "the United Kingdom",
    "Netherlands": "the Netherlands",
    "Czech Republic": "the Czech Republic",
    "European Union": "the European Union",
    "Coalition of the Willing": "the Coalition of the Willing",
    "United Nations": "the United Nations",
    "G7": "the G7",
    "OSCE": "the OSCE",
}
# Names that double as topic vocabulary or are too odd as speakers in generated prose.
_SKIP_STATES = {"Ukraine", "Russia", "China", "United States", "Georgia", "Israel", "Belarus"}
_SKIP_ORGS = {"NATO", "Coalition of the Willing"}


def load_actors(path: Path = ACTORS_FILE) -> list[SynActor]:
    """People (with their role), states and organisations from the extractor's registry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    actors = [
        SynActor(p["id"], p["name"], "person", p.get("role"))
        for p in data.get("people", [])
        if p.get("role") and not str(p.get("role")).lower().startswith("former")
    ]
    actors += [
        SynActor(s["id"], s["name"], "state")
        for s in data.get("states", [])
        if s["name"] not in _SKIP_STATES
    ]
    actors += [
        SynActor(o["id"], o["name"], "organisation")
        for o in data.get("organisations", [])
        if o["name"] not in _SKIP_ORGS
    ]
    return actors


# -- what actors say ---------------------------------------------------------------------------

# (topic, stance) -> clauses in the present tense that state the position; each names the
# topic with the extractor's cue words and the stance with an unambiguous stance word, and
# names no other actor. They read as reported speech ("X said that ...") or as a quote.
CLAIMS: dict[tuple[str, str], list[str]] = {
    ("guarantees_general", "support"): [
        "robust security guarantees for Ukraine are essential to any lasting peace",
        "Kyiv must receive credible security guarantees before any settlement is signed",
        "binding and concrete security guarantees are the only way to stop another war",
    ],
    ("guarantees_general", "oppose"): [
        "the security guarantees now being drafted in Western capitals are unacceptable",
        "the proposed security guarantees are dangerous and unrealistic",
    ],
    ("guarantees_general", "conditional"): [
        "security guarantees could be considered only if the fighting stops first",
        "the security framework remains open to discussion under certain conditions",
    ],
    ("troops_in_ukraine", "support"): [
        "European troops should be deployed to Ukraine as soon as a ceasefire holds",
        "a reassurance force on Ukrainian soil is essential to deter a new invasion",
        "the government is ready to send its own troops to Ukraine after the war",
    ],
    ("troops_in_ukraine", "oppose"): [
        "the deployment of foreign troops in Ukraine is unacceptable",
        "sending Western soldiers to Ukraine is out of the question",
        "the government will never station its troops on Ukrainian soil",
    ],
    ("troops_in_ukraine", "conditional"): [
        "a small peacekeeping mission could be considered only if both sides agree",
        "the government is still weighing whether to deploy troops to Ukraine",
    ],
    ("us_backstop", "support"): [
        "an American backstop is crucial for any European plan",
        "U.S. support for the guarantees is essential and must be written down",
    ],
    ("us_backstop", "oppose"): [
        "an American backstop for the European plan is out of the question",
    ],
    ("us_backstop", "conditional"): [
        "a US backstop could be considered only if Europe carries most of the burden",
    ],
    ("article5_like", "support"): [
        "Ukraine should receive an Article 5-like commitment from its partners",
        "an Article 5-style collective defence pledge is the best guarantee available",
    ],
    ("article5_like", "oppose"): [
        "an Article 5-like clause for Kyiv is unacceptable",
    ],
    ("article5_like", "conditional"): [
        "an Article 5-like commitment could be considered under certain conditions",
    ],
    ("nato_membership", "support"): [
        "Ukraine must be given a clear path to NATO membership",
        "NATO membership for Ukraine is essential and cannot be postponed forever",
    ],
    ("nato_membership", "oppose"): [
        "NATO membership for Ukraine is out of the question",
        "Ukraine's accession to NATO is unacceptable",
    ],
    ("nato_membership", "conditional"): [
        "NATO membership could be considered only after the war ends",
    ],
    ("military_aid", "support"): [
        "a strong Ukrainian army is the first and most important guarantee",
        "sustained military aid to Kyiv must continue for years to come",
        "partners must keep providing air defence systems and ammunition to Ukraine",
    ],
    ("military_aid", "oppose"): [
        "further military aid to Kyiv is dangerous and only prolongs the war",
    ],
    ("air_sea_protection", "support"): [
        "partners must help protect Ukraine's skies and its coast",
        "an air policing mission over western Ukraine is essential",
    ],
    ("air_sea_protection", "oppose"): [
        "a no-fly zone over Ukraine is out of the question",
    ],
    ("air_sea_protection", "conditional"): [
        "a naval mission in the Black Sea could be considered only under a ceasefire",
    ],
    ("legally_binding", "support"): [
        "the guarantees must be legally binding and ratified by parliaments",
    ],
    ("legally_binding", "oppose"): [
        "a legally binding treaty for Kyiv is unrealistic",
    ],
    ("buffer_zone", "support"): [
        "a demilitarised zone along the line of contact is essential",
    ],
    ("buffer_zone", "oppose"): [
        "a buffer zone carved out of Ukrainian land is unacceptable",
    ],
    ("buffer_zone", "conditional"): [
        "a buffer zone could be considered only if it is monitored internationally",
    ],
    ("russia_consent", "support"): [
        "no arrangement can work without Russia's consent",
    ],
    ("russia_consent", "oppose"): [
        "Russia's consent to the guarantees is unnecessary and a Russian veto is unacceptable",
    ],
}

# Noun phrases for position verbs ("has ruled out ...", "calls for ..."), by topic.
PHRASES: dict[str, list[str]] = {
    "guarantees_general": ["long-term security guarantees for Ukraine"],
    "troops_in_ukraine": [
        "the deployment of European troops to Ukraine",
        "a multinational reassurance force in Ukraine",
    ],
    "nato_membership": ["Ukraine's NATO membership"],
    "buffer_zone": ["a demilitarised buffer zone"],
    "air_sea_protection": ["a no-fly zone over Ukraine"],
}
POSITION_VERBS: dict[str, list[str]] = {
    "support": ["called for", "backs", "has endorsed"],
    "oppose": ["has ruled out", "rejected", "opposes"],
    "conditional": ["is considering", "is weighing"],
}
SPEECH = ["said", "told reporters", "said on {day}", "told a news conference on {day}", "stressed"]
QUOTE_VERBS = ["said", "told reporters", "added", "said in a statement"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]


def _role_phrase(actor: SynActor) -> str:
    role = actor.role or ""
    return role if role.split()[0] in {"President", "Prime", "Chancellor"} else role.lower()


def statement_sentence(actor: SynActor, topic: str, stance: str, rng: random.Random) -> str:
    """One sentence in which `actor` takes `stance` on `topic`."""
    claim = rng.choice(CLAIMS[(topic, stance)])
    day = rng.choice(DAYS)
    subject = actor.subject()
    person = actor.kind == "person"
    forms = ["reported", "quote_first", "quote_last", "according"]
    if person:
        forms += ["title", "apposition", "said_first"]
    if topic in PHRASES and stance in POSITION_VERBS:
        forms.append("position")
    form = rng.choice(forms)
    speech = rng.choice(SPEECH).format(day=day)
    if form == "position":
        verb = rng.choice(POSITION_VERBS[stance])
        return f"{_capital(subject)} {verb} {rng.choice(PHRASES[topic])}."
    if form == "reported":
        return f"{_capital(subject)} {speech} that {claim}."
    if form == "title":
        return f"{actor.role} {actor.name} {speech} that {claim}."
    if form == "apposition":
        return f"{actor.name}, the {_role_phrase(actor)}, {speech} that {claim}."
    if form == "according":
        return f"According to {subject}, {claim}."
    verb = rng.choice(QUOTE_VERBS)
    if form == "quote_first":
        speaker = (
            f"{actor.name}, the {_role_phrase(actor)},"
            if person and rng.random() < 0.3
            else subject
        )
        return f"\u201c{_capital(claim)},\u201d {speaker} {verb}."
    if form == "said_first":
        return f"{actor.name} {verb} on {day}: \u201c{_capital(claim)}.\u201d"
    return f"{_capital(subject)} {verb}: \u201c{_capital(claim)}.\u201d"  # quote_last


# -- filler: the author's own analysis ---------------------------------------------------------

_OPENERS = [
    "For now,",
    "In practice,",
    "Behind closed doors,",
    "Over the past {n} weeks,",
    "Since the spring,",
    "At the heart of the debate,",
    "On paper,",
    "Across the continent,",
    "In {city},",
    "By most accounts,",
]
_SUBJECTS = [
    "the planning",
    "the arithmetic of the proposed mission",
    "the question of who pays",
    "the logistics of rotating {n} thousand personnel",
    "the timetable for any settlement",
    "the debate over command structures",
    "the cost of rebuilding air defences",
    "the legal basis for a long deployment",
    "public opinion in the contributing countries",
    "the shape of the final text",
    "the sequencing of a ceasefire and the guarantees",
    "the role of the defence industry",
]
_PREDICATES = [
    "has moved more slowly than many expected",
    "remains the hardest part of the negotiation",
    "depends on decisions that have not yet been taken",
    "is likely to dominate the next round of meetings",
    "has exposed differences between large and small contributors",
    "could take {n} months to settle",
    "has been complicated by elections in several capitals",
    "looks very different from what was discussed in {month}",
    "is still being worked out by military planners",
    "will shape how credible the whole arrangement looks",
    "has drawn comparisons with the peacekeeping missions of the 1990s",
    "is tied to budgets that parliaments have yet to approve",
]
_CODAS = [
    "",
    " That matters because deterrence rests on what an adversary believes.",
    " The details are expected to be refined at a meeting in {city} in {month}.",
    " None of this is likely to be resolved quickly.",
    " Planners say a realistic figure is closer to {n} thousand.",
    " The map of the front line adds another layer of difficulty.",
    " Much will depend on the wording of any ceasefire.",
    " A draft circulated in {month} ran to {n} pages.",
]
_CITIES = ["Paris", "London", "Brussels", "Berlin", "Warsaw", "Rome", "Helsinki", "Vilnius"]
_CITIES += ["Geneva", "Istanbul", "Copenhagen", "Madrid", "Prague", "Tallinn", "Oslo"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August"]
_MONTHS += ["September", "October", "November", "December"]
_FACTS = [
    "The front line runs for more than {n} hundred kilometres.",
    "Energy infrastructure has been hit repeatedly over the winter.",
    "Air-raid alerts sounded in {n} regions overnight.",
    "Grain exports through the southern ports rose for a {ord} month.",
    "The next round of talks has not been scheduled.",
    "Defence ministers are due to meet again within {n} weeks.",
    "Budget talks in several parliaments are running late.",
    "Satellite images published this week show new fortifications.",
]
_ORD = ["second", "third", "fourth", "fifth", "sixth"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        n=rng.randint(2, 40),
        city=rng.choice(_CITIES),
        month=rng.choice(_MONTHS),
        ord=rng.choice(_ORD),
    )


def analysis_paragraph(rng: random.Random, sentences: int = 4) -> str:
    """An analysis paragraph that attributes nothing to anyone."""
    out = []
    for _ in range(sentences):
        if rng.random() < 0.25:
            out.append(_fill(rng.choice(_FACTS), rng))
            continue
        opener = _fill(rng.choice(_OPENERS), rng)
        subject = _fill(rng.choice(_SUBJECTS), rng)
        predicate = _fill(rng.choice(_PREDICATES), rng)
        coda = _fill(rng.choice(_CODAS), rng)
        out.append(f"{opener} {subject} {predicate}.{coda}")
    return " ".join(out)


_CONTEXT = [
    "The remarks came as governments in {city} and elsewhere prepared for another round of talks "
    "on what would happen after a ceasefire, and how to stop the fighting from starting again.",
    "The comments were made on the sidelines of a meeting in {city}, where delegations spent "
    "{n} hours on the wording of a joint statement.",
    "The exchange followed weeks of consultations between defence staffs about the size, "
    "location and mandate of any future mission.",
]

_OFF_TOPIC = {
    "sport": (
        [
            "Late goal earns {city} a draw in rain-soaked derby",
            "Injury crisis deepens as {city} prepare for cup tie",
        ],
        [
            "The visitors had led for most of the second half before a header in the {n}th "
            "minute levelled the score.",
            "The manager said his side had created enough chances to win and would learn from "
            "the result.",
            "Attendance was {n} thousand despite the weather, the club said.",
            "The next fixture is away from home in {month}, with two players suspended.",
            "Supporters' groups have complained about ticket prices for the third season running.",
        ],
    ),
    "business": (
        [
            "Energy prices: what the new cap in {city} means for households",
            "Retailers report weaker sales ahead of the holiday season",
        ],
        [
            "Analysts expect inflation to ease by {n} tenths of a point over the coming months.",
            "Shares in the largest utilities fell after the announcement.",
            "The regulator said the cap would be reviewed in {month}.",
            "Smaller suppliers warned that margins were already thin.",
            "Consumer groups welcomed the move but said it came too late for many families.",
        ],
    ),
    "ukraine_other": (
        [
            "Ukraine grain exports rise for a {ord} month",
            "Kyiv residents shelter as air-raid alerts sound across Ukraine",
        ],
        [
            "Ukraine shipped more grain through its southern ports than a year earlier, "
            "traders said, as insurers cut premiums for the route.",
            "Farmers in the south reported a harvest roughly {n} per cent above expectations.",
            "Power cuts affected parts of Kyiv overnight after strikes on energy facilities.",
            "Repair crews restored supplies to most districts by the morning, the city said.",
            "Rail operators added trains to cope with demand ahead of the holidays.",
        ],
    ),
}

# -- documents ---------------------------------------------------------------------------------


@dataclass(slots=True)
class SyntheticDoc:
    """One page of the corpus and what it states."""

    path: str  # /outlet/yyyy/mm/dd/slug-n.html
    outlet: str
    kind: str  # article | offtopic | rewrite
    title: str
    standfirst: str
    author: str
    published: datetime
    paragraphs: list[str]
    statements: list[tuple[str, str, str]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)  # the statement sentences
    duplicate_of: str | None = None
    html: str = ""

    @property
    def url(self) -> str:
        return ORIGIN + self.path

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


@dataclass(slots=True)
class Corpus:
    docs: list[SyntheticDoc]
    feeds: dict[str, str]  # path -> feed text

    def ground_truth(self, origin: str = ORIGIN) -> dict[str, list[tuple[str, str, str]]]:
        """{url: [(actor_id, topic, stance), ...]} for every page (empty for off-topic ones)."""
        return {origin + d.path: list(d.statements) for d in self.docs}


AUTHORS = ["Anna Keller", "Tomas Varga", "Laura Lindqvist", "Peter Novak", "Claire Dubois"]
AUTHORS += ["Marta Kowalska", "James Whitfield", "Elena Rossi", "Jonas Berg"]
OUTLETS = {
    "courier": "The Northern Courier",
    "ledger": "Baltic Ledger",
    "dispatch": "Danube Dispatch",
}
_TOPIC_TITLES = {
    "guarantees_general": "security guarantees for Ukraine",
    "troops_in_ukraine": "troops for Ukraine",
    "us_backstop": "a US backstop for Ukraine's security guarantees",
    "article5_like": "an Article 5-style pledge for Ukraine",
    "nato_membership": "Ukraine's NATO bid",
    "military_aid": "arming Ukraine as a security guarantee",
    "air_sea_protection": "protecting Ukraine's skies",
    "legally_binding": "binding security guarantees for Ukraine",
    "buffer_zone": "a buffer zone in Ukraine",
    "russia_consent": "Russia's say over Ukraine's security guarantees",
}
_TITLE_VERBS = {
    "support": ["backs", "calls for", "pushes for"],
    "oppose": ["rejects", "rules out", "warns against"],
    "conditional": ["weighs", "open to", "considers"],
}


def _slug(text: str) -> str:
    kept = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(part for part in kept.split("-") if part)[:60]


def _short(actor: SynActor) -> str:
    return actor.surname if actor.kind == "person" else actor.subject().removeprefix("the ")


def _article(n: int, rng: random.Random, actors: list[SynActor], when: datetime) -> SyntheticDoc:
    keys = sorted(CLAIMS)
    count = rng.randint(3, 5)
    chosen = rng.sample(actors, k=count)
    statements, sentences = [], []
    for actor in chosen:
        topic, stance = rng.choice(keys)
        sentences.append(statement_sentence(actor, topic, stance, rng))
        statements.append((actor.actor_id, topic, stance))
    lead_actor = chosen[0]
    lead_topic, lead_stance = statements[0][1], statements[0][2]
    title = (
        f"{_short(lead_actor)} {rng.choice(_TITLE_VERBS[lead_stance])} {_TOPIC_TITLES[lead_topic]}"
        if lead_topic in _TOPIC_TITLES and lead_stance in _TITLE_VERBS
        else f"Talks on security guarantees for Ukraine enter {rng.choice(_ORD)} week"
    )
    standfirst = (
        "Governments disagree on what security guarantees for Ukraine should include, "
        f"report {n} from our correspondents."
    )
    paragraphs: list[str] = []
    filler = [analysis_paragraph(rng, rng.randint(3, 5)) for _ in range(8)]
    context = _fill(rng.choice(_CONTEXT), rng)
    for number, sentence in enumerate(sentences):
        paragraphs.append(sentence + (f" {context}" if number == 0 else ""))
        paragraphs.append(filler.pop())
    paragraphs.extend(filler)
    return SyntheticDoc(
        path="",
        outlet="",
        kind="article",
        title=title,
        standfirst=standfirst,
        author=rng.choice(AUTHORS),
        published=when,
        paragraphs=paragraphs,
        statements=statements,
        sentences=sentences,
    )


def _off_topic(rng: random.Random, when: datetime) -> SyntheticDoc:
    kind = rng.choice(sorted(_OFF_TOPIC))
    titles, pool = _OFF_TOPIC[kind]
    paragraphs = []
    for _ in range(9):
        sentences = [_fill(s, rng) for s in rng.sample(pool, k=3)]
        sentences.append(_fill(rng.choice(_FACTS if kind == "ukraine_other" else pool), rng))
        sentences.append(f"Reported on day {rng.randint(1, 28)} of {rng.choice(_MONTHS)}.")
        paragraphs.append(" ".join(sentences))
    return SyntheticDoc(
        path="",
        outlet="",
        kind="offtopic",
        title=_fill(rng.choice(titles), rng),
        standfirst=_fill(rng.choice(pool), rng),
        author=rng.choice(AUTHORS),
        published=when,
        paragraphs=paragraphs,
    )


def _rewrite(original: SyntheticDoc, rng: random.Random, when: datetime) -> SyntheticDoc:
    """The same story as another outlet runs it: new headline and lede, edits, a trimmed end."""
    paragraphs = list(original.paragraphs)
    paragraphs[0] = paragraphs[0].replace(" said", " told journalists", 1)
    sentences = list(original.sentences)
    sentences[0] = sentences[0].replace(" said", " told journalists", 1)
    paragraphs = paragraphs[:-1] + [
        "Additional reporting by the wire desk. This story has been updated with more detail."
    ]
    return SyntheticDoc(
        path="",
        outlet="",
        kind="rewrite",
        title=f"UPDATE: {original.title}",
        standfirst=original.standfirst,
        author=rng.choice(AUTHORS),
        published=when,
        paragraphs=paragraphs,
        statements=list(original.statements),
        sentences=sentences,
        duplicate_of=original.path,
    )


def generate(count: int, seed: int = 7, offtopic: float = 0.08, rewrites: float = 0.05) -> Corpus:
    """Make `count` pages (with feeds) deterministically from `seed`."""
    rng = random.Random(seed)
    actors = load_actors()
    start = datetime(2025, 1, 6, 7, 0, tzinfo=UTC)
    outlets = sorted(OUTLETS)
    docs: list[SyntheticDoc] = []
    originals: list[SyntheticDoc] = []
    for n in range(count):
        when = start + timedelta(minutes=37 * n + rng.randint(0, 30))
        roll = rng.random()
        if roll < offtopic:
            doc = _off_topic(rng, when)
        elif roll < offtopic + rewrites and originals:
            doc = _rewrite(rng.choice(originals[-50:]), rng, when)
        else:
            doc = _article(n, rng, actors, when)
            originals.append(doc)
        doc.outlet = outlets[n % len(outlets)]
        doc.path = f"/{doc.outlet}/{when:%Y/%m/%d}/{_slug(doc.title)}-{n}.html"
        docs.append(doc)
    for n, doc in enumerate(docs):
        related = [d for d in docs[max(0, n - 4) : n] if d.outlet == doc.outlet][-3:]
        doc.html = RENDER[doc.outlet](doc, related)
    return Corpus(docs=docs, feeds=render_feeds(docs))


# -- rendering ---------------------------------------------------------------------------------


def _human(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M} GMT"


def _body(doc: SyntheticDoc, related_box: str) -> str:
    out = []
    for number, text in enumerate(doc.paragraphs):
        out.append(f"        <p>{e(text)}</p>")
        if number == 2 and related_box:
            out.append(related_box)
    return "\n".join(out)


def _related(related: list[SyntheticDoc], indent: str = "          ") -> str:
    items = "\n".join(f'{indent}<li><a href="{d.path}">{e(d.title)}</a></li>' for d in related)
    return items or f'{indent}<li><a href="/">Home</a></li>'


def courier_page(doc: SyntheticDoc, related: list[SyntheticDoc]) -> str:
    iso = doc.published.isoformat()
    box = (
        '        <aside class="related-links" aria-label="Related">\n'
        f"          <h3>Read more</h3>\n          <ul>\n{_related(related)}\n"
        "          </ul>\n        </aside>"
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>{e(doc.title)} | The Northern Courier</title>
  <meta name="description" content="{e(doc.standfirst)}">
  <meta name="author" content="{e(doc.author)}">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{e(doc.title)}">
  <meta property="og:site_name" content="The Northern Courier">
  <meta property="og:url" content="{doc.url}">
  <meta property="article:published_time" content="{iso}">
  <link rel="canonical" href="{doc.url}">
  <link rel="stylesheet" href="/static/courier/site.css">
</head>
<body class="article-page">
  <div id="cookie-consent" class="cookie-banner" role="dialog">
    <p>We use cookies to personalise content and ads and to analyse our traffic.</p>
    <button class="accept">Accept all cookies</button>
  </div>
  <header class="site-header">
    <a class="logo" href="/courier/">The Northern Courier</a>
    <nav class="primary-nav" aria-label="Sections">
      <ul>
        <li><a href="/courier/world/">World</a></li>
        <li><a href="/courier/europe/">Europe</a></li>
        <li><a href="/courier/politics/">Politics</a></li>
        <li><a href="/courier/business/">Business</a></li>
        <li><a href="/courier/sport/">Sport</a></li>
      </ul>
    </nav>
    <a class="subscribe" href="/courier/subscribe">Subscribe from 1 a month</a>
  </header>
  <main id="content">
    <article class="story">
      <p class="kicker"><a href="/courier/world/">World</a></p>
      <h1 class="headline">{e(doc.title)}</h1>
      <p class="standfirst">{e(doc.standfirst)}</p>
      <div class="byline">By <a rel="author" href="/courier/authors/">{e(doc.author)}</a>
        <time datetime="{iso}">{_human(doc.published)}</time></div>
      <div class="story-body">
{_body(doc, box)}
      </div>
      <div class="share-tools">Share: <a href="#">Facebook</a> <a href="#">X</a>
        <a href="#">Email</a></div>
    </article>
  </main>
  <aside class="sidebar">
    <h2>Most read</h2>
    <ol>
{_related(related, "      ")}
    </ol>
    <div class="newsletter-box"><h3>The Morning Courier</h3>
      <p>Our editors' pick of the day's news.</p></div>
  </aside>
  <footer class="site-footer">
    <ul><li><a href="/courier/about">About us</a></li>
    <li><a href="/courier/privacy">Privacy policy</a></li>
    <li><a href="/courier/terms">Terms and conditions</a></li></ul>
    <p>&copy; 2026 The Northern Courier Ltd. All rights reserved.</p>
  </footer>
</body>
</html>
"""


def ledger_page(doc: SyntheticDoc, related: list[SyntheticDoc]) -> str:
    iso = doc.published.isoformat()
    jsonld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": doc.title,
            "mainEntityOfPage": doc.url,
            "datePublished": iso,
            "author": {"@type": "Person", "name": doc.author},
            "publisher": {"@type": "NewsMediaOrganization", "name": "Baltic Ledger"},
        },
        ensure_ascii=False,
    )
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>{e(doc.title)} - Baltic Ledger</title>
  <meta property="og:site_name" content="Baltic Ledger">
  <meta property="og:title" content="{e(doc.title)}">
  <meta property="og:url" content="{doc.url}">
  <link rel="canonical" href="{doc.url}">
  <script type="application/ld+json">{jsonld}</script>
</head>
<body>
  <div class="topbar"><a href="/ledger/">Baltic Ledger</a>
    <span>News | Business | Opinion | Culture</span>
    <a href="/ledger/login">Sign in</a></div>
  <nav class="menu"><a href="/ledger/news/">News</a> <a href="/ledger/baltics/">Baltics</a>
    <a href="/ledger/nordics/">Nordics</a> <a href="/ledger/world/">World</a></nav>
  <div class="wrapper">
    <div class="content-column">
      <h1>{e(doc.title)}</h1>
      <p class="lead"><strong>{e(doc.standfirst)}</strong></p>
      <p class="meta">{e(doc.author)} &middot; <span class="dateline">Published
        <time datetime="{iso}">{_human(doc.published)}</time></span></p>
      <div class="article-text">
{_body(doc, "")}
      </div>
      <div class="tags">Tags: Ukraine, Europe, Security</div>
    </div>
    <div class="right-rail">
      <h4>Related coverage</h4>
      <ul>
{_related(related)}
      </ul>
    </div>
  </div>
  <div class="footer-links"><a href="/ledger/about">About the Ledger</a>
    | <a href="/ledger/ads">Advertise</a>
    | <a href="/ledger/privacy">Privacy</a></div>
  <p class="copyright">Baltic Ledger AS, 2026.</p>
</body>
</html>
"""


def dispatch_page(doc: SyntheticDoc, related: list[SyntheticDoc]) -> str:
    iso = doc.published.isoformat()
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Danube Dispatch :: {e(doc.title)}</title>
<meta name="date" content="{iso[:10]}">
<meta property="article:published_time" content="{iso}">
<link rel="canonical" href="{doc.url}">
</head>
<body>
<table class="layout"><tr><td class="masthead"><a href="/dispatch/">DANUBE DISPATCH</a>
 <div class="tagline">Independent news from Central Europe since 1998</div></td></tr></table>
<div id="menu"><ul><li><a href="/dispatch/politics/">Politics</a></li>
<li><a href="/dispatch/world/">World</a></li><li><a href="/dispatch/economy/">Economy</a></li>
<li><a href="/dispatch/archive/">Archive</a></li></ul></div>
<div id="main">
 <div class="post">
  <h2 class="post-title">{e(doc.title)}</h2>
  <div class="post-info">Posted by {e(doc.author)} on {doc.published:%d.%m.%Y}</div>
  <div class="entry">
{_body(doc, "")}
  </div>
  <div class="post-footer">Filed under: World, Ukraine | <a href="#comments">Comments (0)</a></div>
 </div>
 <div class="see-also"><b>See also:</b>
 <ul>
{_related(related, " ")}
 </ul></div>
</div>
<div id="footer">Danube Dispatch &copy; 1998-2026 | <a href="/dispatch/contact">Contact</a> |
 <a href="/dispatch/rss">RSS</a></div>
</body>
</html>
"""


RENDER = {"courier": courier_page, "ledger": ledger_page, "dispatch": dispatch_page}


def _rss(title: str, path: str, docs: list[SyntheticDoc]) -> str:
    items = "".join(
        f"<item><title>{e(d.title)}</title><link>{d.url}</link><guid>{d.url}</guid>"
        f"<description>{e(d.standfirst)}</description>"
        f"<pubDate>{format_datetime(d.published, usegmt=True)}</pubDate></item>\n"
        for d in docs
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{e(title)}</title><link>{ORIGIN}/</link><description>{e(title)}</description>\n"
        f"{items}</channel></rss>\n"
    )


def _atom(title: str, path: str, docs: list[SyntheticDoc]) -> str:
    updated = max((d.published for d in docs), default=datetime(2025, 1, 1, tzinfo=UTC))
    entries = "".join(
        f'<entry><title>{e(d.title)}</title><link href="{d.url}"/><id>{d.url}</id>'
        f"<updated>{d.published.isoformat()}</updated><summary>{e(d.standfirst)}</summary>"
        f"<author><name>{e(d.author)}</name></author></entry>\n"
        for d in docs
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{e(title)}</title><id>{ORIGIN}{path}</id>"
        f'<link rel="self" href="{ORIGIN}{path}"/><updated>{updated.isoformat()}</updated>\n'
        f"{entries}</feed>\n"
    )


def render_feeds(docs: list[SyntheticDoc]) -> dict[str, str]:
    """Feeds per outlet (the ledger publishes Atom, the others RSS), FEED_CHUNK entries each."""
    feeds: dict[str, str] = {}
    for outlet in sorted(OUTLETS):
        mine = [d for d in docs if d.outlet == outlet]
        atom = outlet == "ledger"
        for part, low in enumerate(range(0, max(len(mine), 1), FEED_CHUNK)):
            path = f"/feeds/{outlet}-{part}.{'atom' if atom else 'rss'}"
            render = _atom if atom else _rss
            feeds[path] = render(f"{OUTLETS[outlet]} ({part})", path, mine[low : low + FEED_CHUNK])
    return feeds


def write_site(corpus: Corpus, root: Path) -> list[str]:
    """Write pages and feeds under `root`; return the feed paths."""
    for doc in corpus.docs:
        target = root / doc.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(doc.html, encoding="utf-8")
    for path, text in corpus.feeds.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return sorted(corpus.feeds)


def sources_yaml(feed_paths: list[str], origin: str) -> str:
    """A sources file listing the corpus feeds at `origin`, fetched without delay."""
    host = urlsplit(origin).netloc
    lines = ["sources:"]
    for path in feed_paths:
        name = "syn-" + path.rsplit("/", 1)[-1].replace(".", "-")
        lines.append(f"  - {{name: {name}, url: {origin}{path}, kind: feed}}")
    lines.append(f"keywords: [{', '.join(KEYWORDS)}]")
    lines.append(f"fetch:\n  allow_hosts: ['{host}']\n  per_host_delay_s: 0")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sample = generate(12)
    for doc in sample.docs:
        print(doc.kind, doc.word_count, doc.path, doc.statements)
    print(sample.docs[0].paragraphs[0])
