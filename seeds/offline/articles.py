"""The synthetic articles of the offline corpus (see README.md): data only, rendered by build_site.py.

Every quote below is written for this test corpus. It paraphrases positions the named people
are widely reported to hold, in deliberately generic words; it is not a record of what they
said on a given day.
"""

# Fields: key, outlet, path, title, standfirst, author, published (ISO), date_mode
# (visible | meta | jsonld | none), section, feeds (names), paragraphs.
# date_mode: where the page states its publication date.
#   visible - a <time> in the byline plus article:published_time
#   meta    - only <meta property="article:published_time">
#   jsonld  - only JSON-LD datePublished
#   none    - nowhere on the page (the feed entry's date is the only one)

WIRE_RUSSIA_TROOPS = [
    "MOSCOW, Sept 5 (Continental Wire) - Russia will not accept the deployment of troops "
    "from NATO countries on Ukrainian soil under any peace settlement, Foreign Minister "
    "Sergei Lavrov said on Friday, dismissing a plan by a group of European states to "
    "station a reassurance force in Ukraine once the fighting stops.",
    "\u201cAny foreign military contingent in Ukraine, whatever flag it flies and whatever "
    "name it is given, is unacceptable to us,\u201d Lavrov told a news conference after talks "
    "with his counterpart from a Central Asian state. He said Western governments were "
    "trying to \u201cpresent an intervention as a guarantee.\u201d",
    "Kremlin spokesman Dmitry Peskov echoed the message in his daily call with reporters, "
    "saying that security guarantees for Ukraine could only be discussed together with "
    "guarantees for Russia. \u201cA settlement that ignores Russia\u2019s legitimate "
    "interests will not be durable,\u201d Peskov said.",
    "About thirty countries, led by Britain and France, have been working on plans for a "
    "multinational force that would help regenerate Ukraine\u2019s armed forces and deter a "
    "renewed offensive. Officials involved say the mission would be based away from the "
    "front line and would rely on air and naval components as much as on ground units.",
    "Ukrainian Foreign Minister Andrii Sybiha rejected the idea that Moscow could decide "
    "which partners help Ukraine defend itself. \u201cRussia does not have a veto over "
    "Ukraine\u2019s security arrangements. The aggressor cannot choose the guarantees "
    "of its victim,\u201d Sybiha wrote on social media.",
    "European diplomats said the Russian position was expected and would not change the "
    "planning. One senior official, speaking on condition of anonymity because the talks "
    "are confidential, said the question of Russia\u2019s consent would be addressed in "
    "any ceasefire negotiations rather than in advance.",
    "The United States has said it will support the European effort but has not committed "
    "ground forces. Washington\u2019s role in a so-called backstop - intelligence, air "
    "defence and logistics - remains under discussion between military planners.",
    "Russia has repeatedly said that Ukraine\u2019s aspiration to join NATO was one of the "
    "causes of the war and has demanded that Kyiv adopt a neutral status as part of any "
    "agreement. Ukraine and its allies reject that demand.",
]


def _ledger_wire_copy(paragraphs):
    """The same wire story as the Baltic Ledger runs it: its own edits and a closing line."""
    edited = [p for p in paragraphs]
    edited[0] = edited[0].replace(
        "MOSCOW, Sept 5 (Continental Wire) - ", "MOSCOW (Continental Wire) - "
    ).replace("Foreign Minister Sergei Lavrov", "Russia\u2019s top diplomat Sergei Lavrov")
    edited[1] = edited[1].replace("told a news conference", "told reporters")
    edited[3] = edited[3].replace("About thirty countries", "Some 30 countries").replace(
        "renewed offensive", "new offensive"
    )
    edited[6] = edited[6].replace("has not committed", "has so far not committed")
    edited.append("Reporting by Continental Wire; additional reporting by Baltic Ledger staff.")
    return edited


ARTICLES = [
    {
        "key": "C1",
        "outlet": "courier",
        "path": "/courier/2025/02/17/starmer-ready-to-deploy-troops-ukraine.html",
        "title": "Starmer says Britain is ready to put troops in Ukraine to secure a peace deal",
        "standfirst": "The prime minister\u2019s offer raises pressure on European allies "
        "ahead of emergency talks in Paris on security guarantees for Kyiv.",
        "author": "Helen Marsh",
        "published": "2025-02-17T06:30:00+00:00",
        "date_mode": "visible",
        "section": "Europe",
        "feeds": ["world", "europe"],
        "paragraphs": [
            "LONDON - Britain is prepared to deploy its own troops to Ukraine as part of a "
            "reassurance force if a peace agreement is reached, Prime Minister Keir Starmer "
            "said, becoming the first European leader to commit ground forces in public.",
            "\u201cSending British forces anywhere is a decision we take with great care. "
            "But helping to secure Ukraine is helping to secure our continent and our own "
            "country,\u201d Starmer wrote in a newspaper article.",
            "Starmer said a lasting peace would need the United States to remain engaged. "
            "\u201cAmerican support behind any guarantee is what will make it credible,"
            "\u201d he said.",
            "French President Emmanuel Macron, who is hosting European leaders in Paris, "
            "has floated a similar idea for months. Aides to Macron said France was "
            "willing to contribute forces to a mission that would be deployed only after a "
            "ceasefire and away from the line of contact.",
            "Not every ally is ready to follow. Polish Prime Minister Donald Tusk said "
            "Poland would not send soldiers to Ukraine but would provide logistical and "
            "political support to countries that do. \u201cWe are not planning to send "
            "Polish troops to Ukraine,\u201d Tusk told reporters in Warsaw, adding that "
            "Poland\u2019s role was to secure NATO\u2019s eastern flank.",
            "German officials were also cautious, describing talk of troop numbers as "
            "premature while the shape of any ceasefire remained unknown.",
            "Ukrainian President Volodymyr Zelensky welcomed the British offer. He has "
            "argued that the presence of allied forces would be one of the strongest "
            "security guarantees Ukraine could receive short of NATO membership.",
            "Military analysts say a credible force would need tens of thousands of troops "
            "with rotation, air cover and a clear chain of command - demands that would "
            "stretch European armies that have shrunk since the end of the Cold War.",
        ],
    },
    {
        "key": "C2",
        "outlet": "courier",
        "path": "/courier/2025/08/19/trump-no-us-troops-air-support-backstop.html",
        "title": "Trump rules out US troops but says Washington could help \u2018by air\u2019",
        "standfirst": "European leaders press for an American backstop to any guarantee "
        "for Ukraine as the White House signals support would stop short of ground forces.",
        "author": "Daniel Okafor",
        "published": "2025-08-19T14:05:00+00:00",
        "date_mode": "visible",
        "section": "World",
        "feeds": ["world"],
        "paragraphs": [
            "WASHINGTON - President Donald Trump said the United States would not send "
            "ground troops to Ukraine to police a peace deal, but suggested American air "
            "power could support a European-led force.",
            "\u201cThe Europeans will have people on the ground. We can help them, "
            "probably by air, but there will be no American soldiers in Ukraine,\u201d "
            "Trump said in a television interview.",
            "The comments came a day after European leaders met Trump at the White House "
            "and urged him to commit to a US backstop, which they see as the element that "
            "would make their own deployment credible to Moscow.",
            "Vice President JD Vance said Europe had to take the lead. \u201cThe Europeans "
            "are going to have to take the lion\u2019s share of the burden. It is their "
            "continent, it is their security,\u201d Vance said, while not ruling out US "
            "intelligence and air-defence support.",
            "Ukrainian President Volodymyr Zelensky called the talks a step forward. "
            "\u201cAmerica taking part in the guarantees is a very important signal. Now "
            "the details have to be put on paper,\u201d Zelensky said.",
            "French President Emmanuel Macron said the United States had shown readiness "
            "to participate, but stressed that details had to be worked out by military "
            "planners. \u201cA strong Ukrainian army must come first in any guarantee,\u201d "
            "Macron said.",
            "Kremlin spokesman Dmitry Peskov said Russia would oppose any scenario "
            "involving troops from NATO countries in Ukraine.",
            "US officials said the backstop under discussion could include intelligence "
            "sharing, air surveillance and the protection of supply routes, but no "
            "decision had been taken.",
        ],
    },
    {
        "key": "C3",
        "outlet": "courier",
        "path": "/courier/2025/09/05/russia-rejects-foreign-troops-ukraine-lavrov.html",
        "title": "Russia rejects any Western troop presence in Ukraine, Lavrov says",
        "standfirst": "Moscow dismisses the European reassurance force; Kyiv says Russia has "
        "no veto over its security.",
        "author": "Continental Wire",
        "published": "2025-09-05T11:20:00+00:00",
        "date_mode": "visible",
        "section": "World",
        "feeds": ["world"],
        "paragraphs": WIRE_RUSSIA_TROOPS,
    },
    {
        "key": "C4",
        "outlet": "courier",
        "path": "/courier/2025/10/12/harbour-city-late-header-derby.html",
        "title": "Late header earns Harbour City a point in rain-soaked derby",
        "standfirst": "Okoye\u2019s stoppage-time goal denies the leaders a fifth win in a row.",
        "author": "Sam Whitlock",
        "published": "2025-10-12T19:45:00+00:00",
        "date_mode": "visible",
        "section": "Sport",
        "feeds": ["world"],
        "paragraphs": [
            "Harbour City came from behind to draw 2-2 with Riverside Athletic on Sunday, "
            "as substitute Tunde Okoye headed in a corner in the fourth minute of stoppage "
            "time to stun the home crowd.",
            "Riverside had looked set for a fifth straight league win after goals either "
            "side of half-time from captain Luca Ferri and winger Jonas Berg, who curled a "
            "free kick into the top corner from 25 yards.",
            "Heavy rain made the pitch treacherous and both managers complained about the "
            "conditions. \u201cIt was more like water polo in the second half,\u201d said "
            "Harbour City coach Marta Lindqvist. \u201cBut the players never stopped "
            "believing and I am proud of the reaction.\u201d",
            "Harbour City pulled one back through a penalty by Emeka Nwosu after Berg was "
            "judged to have handled in the area, a decision the Riverside bench disputed "
            "at length.",
            "Riverside manager Paul Grainger said his side had lost concentration at the "
            "end. \u201cWe were two minutes from three points. We have to manage games "
            "better than that,\u201d he said.",
            "The result keeps Riverside top of the table, two points clear of the chasing "
            "pack, while Harbour City climb to seventh. The two sides meet again in the "
            "cup quarter-final next month.",
        ],
    },
    {
        "key": "C5",
        "outlet": "courier",
        "path": "/courier/2025/06/25/nato-summit-ukraine-membership-path.html",
        "title": "NATO summit keeps Ukraine\u2019s membership hopes alive but sets no date",
        "standfirst": "Allies reaffirm long-term support while avoiding a fight over "
        "accession language.",
        "author": "Helen Marsh",
        "published": "2025-06-25T17:10:00+00:00",
        "date_mode": "visible",
        "section": "World",
        "feeds": ["world"],
        "paragraphs": [
            "THE HAGUE - NATO leaders ended their summit with a commitment to keep "
            "supporting Ukraine but without new language on when, or whether, Kyiv could "
            "join the alliance, reflecting deep divisions among members over membership.",
            "Secretary General Mark Rutte said the alliance\u2019s door remained open but "
            "that membership was not part of current peace negotiations. \u201cThere was "
            "never a commitment that Ukraine would join as part of a peace deal. The path "
            "is there, but it is a long-term issue,\u201d Rutte told reporters.",
            "Ukrainian President Volodymyr Zelensky, who attended a dinner with leaders, "
            "said membership remained the cheapest and most reliable guarantee. \u201cNATO "
            "membership is the best security guarantee for Ukraine and for Europe,\u201d "
            "Zelensky said.",
            "US President Donald Trump has said Ukraine\u2019s membership is not realistic, "
            "and several European governments privately share that view, fearing a direct "
            "confrontation with Russia.",
            "German Chancellor Friedrich Merz said the question would not be settled "
            "quickly. \u201cUkraine\u2019s future is in the Euro-Atlantic community. But "
            "membership of NATO is not on the agenda for the foreseeable future,\u201d "
            "Merz said, adding that Germany would keep up military aid in the meantime.",
            "Russia has long described Ukraine\u2019s NATO aspirations as a red line. "
            "Foreign Minister Sergei Lavrov said this week that a neutral, non-aligned "
            "Ukraine was a precondition for any settlement.",
            "Diplomats said the summit communique had been kept deliberately short to "
            "avoid a public clash, focusing instead on defence spending targets that "
            "allies agreed to raise over the next decade.",
        ],
    },
    {
        "key": "C6",
        "outlet": "courier",
        "path": "/courier/2025/03/06/live-eu-leaders-brussels-ukraine.html",
        "title": "Live: EU leaders gather in Brussels for Ukraine talks",
        "standfirst": "Follow our live coverage.",
        "author": "Courier live team",
        "published": "2025-03-06T08:00:00+00:00",
        "date_mode": "visible",
        "section": "Europe",
        "feeds": ["europe"],
        "live": True,
        "paragraphs": [
            "EU leaders are arriving in Brussels for a special summit on Ukraine.",
            "This page will be updated throughout the day.",
        ],
    },
    {
        "key": "C7",
        "outlet": "courier",
        "path": "/courier/2026/01/14/black-sea-demining-escort-plan-europe.html",
        "title": "European navies draw up Black Sea plan to protect shipping after a ceasefire",
        "standfirst": "Mine clearance and escorts would form the maritime part of Ukraine\u2019s "
        "security guarantees, officials say.",
        "author": "Ingrid Solberg",
        "published": "2026-01-14T09:15:00+00:00",
        "date_mode": "visible",
        "section": "Europe",
        "feeds": ["europe"],
        "paragraphs": [
            "BRUSSELS - European navies are preparing plans to clear mines and protect "
            "merchant shipping in the Black Sea once a ceasefire takes hold, in what "
            "officials describe as the maritime component of security guarantees for "
            "Ukraine.",
            "EU foreign policy chief Kaja Kallas said freedom of navigation was essential "
            "to Ukraine\u2019s economic survival. \u201cA peace that leaves Ukraine\u2019s "
            "ports at the mercy of Russian warships is not a peace. Europe must be ready "
            "to protect the sea lanes,\u201d Kallas told reporters after a meeting of "
            "defence ministers.",
            "Turkey, which controls access to the Black Sea through the straits, would "
            "play a central role, diplomats said. A mine-countermeasures group of Turkish, "
            "Romanian and Bulgarian vessels already operates in the western Black Sea.",
            "Italian Prime Minister Giorgia Meloni said Italy would not send ground troops "
            "but was open to a naval and air contribution. \u201cItaly is ready to do its "
            "part at sea and in the skies, within a framework that is agreed with our "
            "allies and with the United States,\u201d Meloni said.",
            "Ukrainian President Volodymyr Zelensky has called for guarantees that cover "
            "land, air and sea. Ukraine\u2019s navy has pushed Russia\u2019s fleet away "
            "from the western Black Sea with drones and missiles, reopening a grain "
            "corridor that carries most of the country\u2019s exports.",
            "Kremlin spokesman Dmitry Peskov said any Western naval presence near Russian "
            "waters would be regarded as a threat.",
            "Naval officers involved in the planning said a mission could start with "
            "surveillance flights and mine clearance before moving to escorts, depending "
            "on the terms of a ceasefire.",
        ],
    },
    {
        "key": "L1",
        "outlet": "ledger",
        "path": "/ledger/news/moscow-rules-out-western-troops-ukraine-48213.html",
        "title": "Moscow rules out Western troops in Ukraine under any peace deal",
        "standfirst": "Lavrov and Peskov reject the European plan for a reassurance force.",
        "author": "Continental Wire",
        "published": "2025-09-05T12:02:00+00:00",
        "date_mode": "visible",
        "section": "Russia",
        "feeds": ["ledger"],
        "paragraphs": _ledger_wire_copy(WIRE_RUSSIA_TROOPS),
    },
    {
        "key": "L2",
        "outlet": "ledger",
        "path": "/ledger/news/meloni-article-5-style-guarantee-ukraine-47102.html",
        "title": "Meloni pushes Article 5-style guarantee for Ukraine outside NATO",
        "standfirst": "Rome\u2019s proposal would borrow the alliance\u2019s mutual-defence "
        "logic without making Kyiv a member.",
        "author": "Marco Bellini",
        "published": "2025-03-02T10:40:00+00:00",
        "date_mode": "visible",
        "section": "Europe",
        "feeds": ["ledger"],
        "paragraphs": [
            "ROME - Italian Prime Minister Giorgia Meloni is promoting a plan to extend a "
            "mutual-defence commitment modelled on NATO\u2019s Article 5 to Ukraine "
            "without granting it membership of the alliance.",
            "\u201cWe propose a security guarantee inspired by Article 5, which would commit "
            "partners to come to Ukraine\u2019s aid if it is attacked again. It is a way "
            "to make peace last without opening the question of membership,\u201d Meloni "
            "said at a press conference in Rome.",
            "Italy has ruled out sending its own troops to Ukraine, and Meloni presented "
            "the idea as an alternative that could be more acceptable to Washington than "
            "a European deployment.",
            "NATO Secretary General Mark Rutte said the idea deserved study but stressed "
            "that the alliance\u2019s own guarantee could not be extended to a "
            "non-member. \u201cArticle 5 applies to allies. What partners offer Ukraine "
            "bilaterally is for them to decide, and it must be credible,\u201d Rutte said.",
            "Ukrainian officials welcomed the proposal as a sign that allies were taking "
            "guarantees seriously, but said Kyiv still regarded NATO membership as its "
            "ultimate goal.",
            "Kremlin spokesman Dmitry Peskov dismissed the plan. \u201cWhatever it is "
            "called, an arrangement that brings NATO\u2019s obligations to our borders is "
            "unacceptable,\u201d Peskov said.",
            "Legal experts said an Article 5-style clause would need ratification by "
            "national parliaments to be binding, and that its value would depend on what "
            "each country was actually prepared to do if Russia attacked.",
        ],
    },
    {
        "key": "L3",
        "outlet": "ledger",
        "path": "/ledger/news/g7-long-term-security-commitments-ukraine-31877.html",
        "title": "G7 leaders pledge long-term security commitments to Ukraine",
        "standfirst": "The joint declaration opens bilateral talks on military aid for years "
        "to come.",
        "author": "Ruta Kalnina",
        "published": "2023-07-12T18:30:00+00:00",
        "date_mode": "visible",
        "section": "World",
        "feeds": ["ledger"],
        "paragraphs": [
            "VILNIUS - The Group of Seven industrialised nations agreed to negotiate "
            "long-term bilateral security commitments with Ukraine, promising military aid, "
            "training and intelligence for years to come while Kyiv waits for a path into "
            "NATO.",
            "The joint declaration, announced on the sidelines of the NATO summit in "
            "Vilnius, commits each signatory to work with Ukraine on modern equipment "
            "across land, air and sea, and on support for its defence industry.",
            "European Commission President Ursula von der Leyen said the European Union "
            "would play its part. \u201cUkraine\u2019s security is Europe\u2019s security. "
            "We will stand by Ukraine with long-term, predictable support for as long as "
            "it takes,\u201d von der Leyen said.",
            "Ukrainian President Volodymyr Zelensky called the declaration an important "
            "security victory for Ukraine, while regretting that the summit had not set a "
            "timeline for membership. \u201cThese guarantees are a bridge, not a "
            "substitute, for NATO,\u201d Zelensky said.",
            "Russian Foreign Minister Sergei Lavrov said the commitments would only "
            "prolong the conflict. \u201cThose who promise Kyiv weapons for years are "
            "promising years of war,\u201d Lavrov said.",
            "Dozens of countries later joined the declaration. Officials said the bilateral "
            "agreements would be negotiated one by one and would not amount to a mutual "
            "defence obligation.",
        ],
    },
    {
        "key": "L4",
        "outlet": "ledger",
        "path": "/ledger/news/air-shield-western-ukraine-european-air-forces-47590.html",
        "title": "Air shield over western Ukraine gains backing among European air forces",
        "standfirst": "Planners look at fighter patrols from Poland and Romania to protect "
        "cities and power plants.",
        "author": "Ruta Kalnina",
        "published": "2025-04-10T07:55:00+00:00",
        "date_mode": "meta",
        "section": "Defence",
        "feeds": ["ledger"],
        "feed_date": False,
        "paragraphs": [
            "WARSAW - European air forces are studying how to patrol the skies over western "
            "Ukraine after a ceasefire, an option that could protect cities, nuclear power "
            "plants and airports without putting large numbers of soldiers on the ground.",
            "French President Emmanuel Macron has argued that an air mission could be one "
            "of the first pieces of a guarantee to be put in place. \u201cWe can protect "
            "Ukraine\u2019s skies together. That is a concrete way to deter a new attack,"
            "\u201d Macron said during a visit to an air base.",
            "British Prime Minister Keir Starmer said the United Kingdom would contribute "
            "aircraft. \u201cWe will help secure Ukraine\u2019s skies, its seas and its "
            "borders. The coalition is moving from planning to operational detail,\u201d "
            "Starmer said.",
            "Polish Prime Minister Donald Tusk said Poland was ready to host aircraft and "
            "logistics, on condition that the mission was coordinated with NATO. "
            "\u201cPoland will be the hub, but it must be a common effort with clear "
            "rules,\u201d Tusk said.",
            "Ukrainian air-force officials said allied patrols would free up their own "
            "air-defence systems for the east and the south of the country.",
            "Military experts warned that rules of engagement would be the hardest "
            "question: whether allied pilots would be allowed to shoot down Russian "
            "missiles or drones crossing into the protected zone.",
        ],
    },
    {
        "key": "L5",
        "outlet": "ledger",
        "path": "/ledger/print/article-44921.html",
        "title": "Zelensky: only legally binding guarantees can end the war",
        "standfirst": "",
        "author": "Baltic Ledger",
        "published": "2024-11-28T16:00:00+00:00",
        "date_mode": "none",
        "section": "Print",
        "feeds": ["ledger"],
        "print_view": True,
        "paragraphs": [
            "KYIV - Ukraine will not accept a ceasefire unless it comes with security "
            "guarantees that are legally binding and backed by real military capability, "
            "President Volodymyr Zelensky said.",
            "\u201cWe have already had one piece of paper, the Budapest Memorandum. It did "
            "not protect us. This time the guarantees must be legally binding and ratified "
            "by parliaments,\u201d Zelensky said in an interview.",
            "Foreign Minister Andrii Sybiha said Kyiv was working with partners on "
            "documents that would be voted on in national legislatures. \u201cPolitical "
            "declarations are not enough. We need obligations that outlive any single "
            "government,\u201d Sybiha said.",
            "Kaja Kallas, who is about to take office as the EU\u2019s top diplomat, said "
            "Europe should be ready to provide guarantees of its own. \u201cThe best "
            "security guarantee is a strong Ukrainian army, and the European Union must be "
            "able to back that with binding commitments,\u201d Kallas said.",
            "Critics in Kyiv warn that parliamentary ratification could take years, and "
            "that a binding treaty would be hard to secure from governments facing "
            "elections.",
            "Russia has called Western guarantees a provocation and insists that any "
            "settlement must take its own security demands into account.",
        ],
    },
    {
        "key": "D1",
        "outlet": "dispatch",
        "path": "/dispatch/politics/peskov-guarantees-without-moscow-path-to-nowhere.html",
        "title": "Peskov: guarantees drawn up without Moscow are \u2018a path to nowhere\u2019",
        "standfirst": "The Kremlin insists Russia must be at the table when Ukraine\u2019s "
        "security is decided.",
        "author": "Alina Hrytsenko",
        "published": "2025-09-04T13:25:00+00:00",
        "date_mode": "jsonld",
        "section": "Politics",
        "paragraphs": [
            "The Kremlin said on Thursday that any security guarantees for Ukraine agreed "
            "without Russia\u2019s participation would be worthless, setting out a demand "
            "that Western capitals see as an attempt to obtain a veto.",
            "\u201cDiscussing guarantees without Russia is a path to nowhere. Such "
            "decisions cannot be made behind Moscow\u2019s back,\u201d Kremlin spokesman "
            "Dmitry Peskov told reporters.",
            "Foreign Minister Sergei Lavrov has suggested that Russia itself could be one "
            "of the guarantor states, alongside permanent members of the UN Security "
            "Council, an idea based on a draft discussed in Istanbul in 2022.",
            "Ukrainian officials rejected that model. Foreign Minister Andrii Sybiha said "
            "it would give the aggressor a say over Ukraine\u2019s defence. \u201cA "
            "guarantee in which Russia can block help to Ukraine is not a guarantee,"
            "\u201d Sybiha said.",
            "European diplomats said a settlement would eventually need Russia\u2019s "
            "signature on a ceasefire, but that the guarantees themselves were a matter "
            "between Ukraine and its partners.",
            "British Prime Minister Keir Starmer said this week that the coalition would "
            "not give Moscow a say over who helps Ukraine. \u201cIt is for Ukraine to "
            "decide, not for Russia,\u201d Starmer said.",
            "Analysts say the dispute over Russia\u2019s consent is likely to become one "
            "of the main obstacles in any negotiation on ending the war.",
        ],
    },
    {
        "key": "D2",
        "outlet": "dispatch",
        "path": "/dispatch/world/sybiha-china-influence-ukraine-guarantees.html",
        "title": "Sybiha urges Beijing to use its influence as China weighs a role in guarantees",
        "standfirst": "Kyiv wants China to press Moscow; European officials doubt Beijing "
        "can be a neutral guarantor.",
        "author": "Tomas Weber",
        "published": "2025-11-18T10:00:00+00:00",
        "date_mode": "jsonld",
        "section": "World",
        "paragraphs": [
            "Ukraine\u2019s Foreign Minister Andrii Sybiha called on China to use its "
            "influence over Russia to help end the war, as diplomats debated whether "
            "Beijing could have any part in future security guarantees for Ukraine.",
            "\u201cChina has real leverage over Moscow. If Beijing wants to be seen as a "
            "peacemaker, it can start by urging Russia to stop the strikes on our "
            "cities,\u201d Sybiha said after talks with European counterparts.",
            "Chinese officials have said Beijing supports all efforts conducive to peace "
            "and has floated a group of countries from the global south to promote talks. "
            "A foreign ministry spokesperson said China was ready to play a constructive "
            "role, without giving details.",
            "European Commission President Ursula von der Leyen was sceptical. \u201cChina "
            "cannot claim neutrality while its exports keep Russia\u2019s war machine "
            "running,\u201d von der Leyen said in a speech.",
            "Ukrainian President Volodymyr Zelensky has said that China could be one of "
            "several guarantors only if it respected Ukraine\u2019s territorial "
            "integrity, setting a condition that diplomats see as hard to meet.",
            "Russian Foreign Minister Sergei Lavrov said Moscow would welcome Chinese "
            "participation in any guarantee arrangement, calling Beijing a responsible "
            "partner.",
            "Western officials said China\u2019s role was more likely to be economic, in "
            "reconstruction, than military.",
        ],
    },
    {
        "key": "D3",
        "outlet": "dispatch",
        "path": "/dispatch/politics/merz-germany-legally-binding-guarantee-framework.html",
        "title": "Merz says Germany would join a legally binding guarantee framework",
        "standfirst": "Berlin signals it could put commitments to a Bundestag vote.",
        "author": "Tomas Weber",
        "published": "2026-02-10T15:40:00+00:00",
        "date_mode": "meta",
        "section": "Politics",
        "paragraphs": [
            "German Chancellor Friedrich Merz said Germany was prepared to take part in a "
            "legally binding framework of security guarantees for Ukraine and would ask "
            "the Bundestag to approve it.",
            "\u201cIf we give guarantees, they must be real. Germany is ready to commit "
            "itself in a binding way, and the German parliament will have the final "
            "word,\u201d Merz told a news conference in Berlin.",
            "Merz said Germany\u2019s main contribution would be air defence, training and "
            "financing of Ukraine\u2019s armed forces rather than troops on the ground, "
            "which he said was not a question for now.",
            "Italian Prime Minister Giorgia Meloni, speaking after a call with Merz, said "
            "Europe and the United States had to move together. \u201cGuarantees only "
            "work if the Americans are part of them,\u201d Meloni said.",
            "US Vice President JD Vance said Washington could support a binding framework "
            "if Europe carried most of the cost. \u201cWe will help, but Europe has to "
            "own this,\u201d Vance said in an interview.",
            "Ukrainian officials welcomed the German position, which they said moved the "
            "discussion from political declarations to obligations.",
            "Kremlin spokesman Dmitry Peskov said Moscow would regard a binding Western "
            "pact with Ukraine as hostile.",
        ],
    },
    {
        "key": "D4",
        "outlet": "dispatch",
        "path": "/dispatch/world/buffer-zone-idea-divides-ukraine-partners.html",
        "title": "Buffer-zone idea divides Ukraine\u2019s partners",
        "standfirst": "A demilitarised strip along the front line is gaining attention in "
        "Washington and meeting resistance in Kyiv.",
        "author": "Alina Hrytsenko",
        "published": "2025-05-22T08:45:00+00:00",
        "date_mode": "jsonld",
        "section": "World",
        "paragraphs": [
            "A proposal to freeze the front line and create a demilitarised buffer zone "
            "between Russian and Ukrainian forces is dividing Ukraine\u2019s partners, "
            "with some in Washington presenting it as the fastest route to a ceasefire.",
            "US Vice President JD Vance said a buffer zone could be part of a deal. "
            "\u201cYou freeze the lines roughly where they are, you create a zone where "
            "neither army can operate, and then you build a lasting settlement,\u201d Vance "
            "told reporters.",
            "Ukrainian President Volodymyr Zelensky rejected any arrangement that would "
            "amount to recognising occupation. \u201cA buffer zone on our land, without "
            "guarantees, would just be a pause before the next invasion,\u201d Zelensky said.",
            "EU foreign policy chief Kaja Kallas warned against rewarding aggression. "
            "\u201cAny line that Russia can cross again whenever it wants is not security. "
            "Without guarantees, a buffer zone is an invitation,\u201d Kallas said.",
            "Kremlin spokesman Dmitry Peskov said Russia was open to discussing "
            "demilitarisation but that the terms had to reflect \u201cthe realities on the "
            "ground.\u201d",
            "Military planners said monitoring such a zone would require hundreds of "
            "observers, drones and satellites, and a mechanism to respond to violations.",
        ],
    },
]

# A Ukrainian-language article (served as windows-1251): skipped as wrong-language.
UKRAINIAN_ARTICLE = {
    "key": "R1",
    "outlet": "review",
    "path": "/review/statti/harantii-bezpeky-yurydychno-oboviazkovi.html",
    "title": "Гарантії безпеки мають бути юридично обов'язковими",
    "published": "2025-03-12T09:00:00+02:00",
    "paragraphs": [
        "КИЇВ - Україна наполягає на тому, що гарантії безпеки від партнерів мають бути "
        "юридично обов'язковими і ратифікованими парламентами, а не лише політичними "
        "деклараціями.",
        "За словами представників Офісу президента, досвід Будапештського меморандуму "
        "показав, що обіцянки без механізму виконання не захищають країну від агресії.",
        "Європейські дипломати кажуть, що переговори щодо документів тривають, і що "
        "ключовим питанням залишається участь Сполучених Штатів у так званій страховці "
        "для європейських сил.",
        "Аналітики зауважують, що ратифікація може тривати місяцями, але саме вона "
        "зробить гарантії незалежними від зміни урядів.",
    ],
}
