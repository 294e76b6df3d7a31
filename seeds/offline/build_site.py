"""Render the offline corpus (articles.py) into site/: article pages with each outlet's chrome,
RSS and Atom feeds, robots.txt and a home page.

The rendered files are committed; run this only after editing articles.py or a template:
    .venv/bin/python seeds/offline/build_site.py
Absolute links use ORIGIN; the offline server rewrites it when it listens elsewhere.
"""

from __future__ import annotations

import html
import json
import sys
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from articles import ARTICLES, UKRAINIAN_ARTICLE  # noqa: E402

ORIGIN = "http://127.0.0.1:8123"
SITE = HERE / "site"

OUTLETS = {
    "courier": {"name": "The Northern Courier", "home": "/courier/"},
    "ledger": {"name": "Baltic Ledger", "home": "/ledger/"},
    "dispatch": {"name": "Danube Dispatch", "home": "/dispatch/"},
}

FEEDS = {
    "world": {
        "kind": "rss",
        "path": "/feeds/world.rss",
        "title": "The Northern Courier - Top stories",
        "home": "/courier/",
        "description": "Top stories from The Northern Courier",
    },
    "europe": {
        "kind": "atom",
        "path": "/feeds/europe.atom",
        "title": "The Northern Courier - Europe",
        "home": "/courier/",
        "description": "Europe news from The Northern Courier",
    },
    "ledger": {
        "kind": "rss",
        "path": "/feeds/ledger.rss",
        "title": "Baltic Ledger",
        "home": "/ledger/",
        "description": "News and analysis from the Baltic Ledger",
    },
}

e = html.escape


def human_date(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M} GMT"


def paragraphs_html(paragraphs: list[str], related: str = "", inline_box: str = "") -> str:
    out = []
    for number, text in enumerate(paragraphs):
        out.append(f"        <p>{e(text)}</p>")
        if number == 2 and related:
            out.append(related)
        if number == 4 and inline_box:
            out.append(inline_box)
    return "\n".join(out)


def related_links(article: dict) -> list[dict]:
    others = [a for a in ARTICLES if a["outlet"] == article["outlet"] and a is not article]
    return others[:3]


# --- The Northern Courier --------------------------------------------------------------------


def courier_page(article: dict) -> str:
    url = ORIGIN + article["path"]
    related = "\n".join(
        f'          <li><a href="{a["path"]}">{e(a["title"])}</a></li>'
        for a in related_links(article)
    )
    related_box = (
        '        <aside class="related-links" aria-label="Related">\n'
        "          <h3>Read more</h3>\n          <ul>\n"
        f"{related}\n          </ul>\n        </aside>"
    )
    live_note = (
        '      <div class="live-badge">LIVE</div>\n' if article.get("live") else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(article["title"])} | The Northern Courier</title>
  <meta name="description" content="{e(article["standfirst"])}">
  <meta name="author" content="{e(article["author"])}">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{e(article["title"])}">
  <meta property="og:description" content="{e(article["standfirst"])}">
  <meta property="og:site_name" content="The Northern Courier">
  <meta property="og:url" content="{url}">
  <meta property="og:image" content="{ORIGIN}/static/courier/share-card.png">
  <meta property="article:published_time" content="{article["published"]}">
  <meta property="article:section" content="{e(article["section"])}">
  <link rel="canonical" href="{url}">
  <link rel="alternate" type="application/rss+xml" title="Top stories" href="{ORIGIN}/feeds/world.rss">
  <link rel="stylesheet" href="/static/courier/site.css">
  <script>window.dataLayer = window.dataLayer || []; dataLayer.push({{"section": "{e(article["section"])}"}});</script>
</head>
<body class="article-page">
  <div id="cookie-consent" class="cookie-banner" role="dialog">
    <p>We use cookies and similar technologies to personalise content and ads, to provide
    social media features and to analyse our traffic. You can manage your preferences at
    any time.</p>
    <button class="accept">Accept all cookies</button> <button class="manage">Manage preferences</button>
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
        <li><a href="/courier/opinion/">Opinion</a></li>
      </ul>
    </nav>
    <form class="search" action="/courier/search"><input name="q" placeholder="Search"></form>
    <a class="subscribe" href="/courier/subscribe">Subscribe from 1 a month</a>
  </header>
  <div class="ad-slot ad-leaderboard">Advertisement</div>
  <main id="content">
    <article class="story">
{live_note}      <p class="kicker"><a href="/courier/{article["section"].lower()}/">{e(article["section"])}</a></p>
      <h1 class="headline">{e(article["title"])}</h1>
      <p class="standfirst">{e(article["standfirst"])}</p>
      <div class="byline">By <a rel="author" href="/courier/authors/">{e(article["author"])}</a>
        <time datetime="{article["published"]}">{human_date(article["published"])}</time></div>
      <figure class="lead-image"><img src="/static/courier/lead.jpg" alt="">
        <figcaption>Photograph: Courier picture desk</figcaption></figure>
      <div class="story-body">
{paragraphs_html(article["paragraphs"], related_box)}
      </div>
      <div class="share-tools">Share this story: <a href="#">Facebook</a> <a href="#">X</a> <a href="#">Email</a> <a href="#">Copy link</a></div>
      <p class="topics">Topics: <a href="#">{e(article["section"])}</a></p>
    </article>
    <section id="comments" class="comments">
      <h2>Comments (3)</h2>
      <div class="comment"><p class="comment-author">northern_reader</p>
        <p>Good to see someone finally saying it plainly. About time.</p></div>
      <div class="comment"><p class="comment-author">GeoffW</p>
        <p>And who is going to pay for all of this? Not a word about the cost.</p></div>
      <div class="comment"><p class="comment-author">m.k.</p>
        <p>Excellent reporting as always, thank you.</p></div>
      <p><a href="/courier/login">Log in to comment</a></p>
    </section>
  </main>
  <aside class="sidebar">
    <h2>Most read</h2>
    <ol>
      <li><a href="/courier/2025/10/12/harbour-city-late-header-derby.html">Late header earns Harbour City a point in rain-soaked derby</a></li>
      <li><a href="/courier/business/">Energy prices: what the new cap means for you</a></li>
      <li><a href="/courier/world/">Ten pictures of the week</a></li>
    </ol>
    <div class="ad-slot ad-mpu">Advertisement</div>
    <div class="newsletter-box"><h3>The Morning Courier</h3><p>Our editors' pick of the day's news, in your inbox at 7am.</p><a href="/courier/newsletters">Sign up</a></div>
  </aside>
  <footer class="site-footer">
    <ul>
      <li><a href="/courier/about">About us</a></li>
      <li><a href="/courier/contact">Contact</a></li>
      <li><a href="/courier/privacy">Privacy policy</a></li>
      <li><a href="/courier/cookies">Cookie settings</a></li>
      <li><a href="/courier/terms">Terms and conditions</a></li>
    </ul>
    <p>&copy; 2026 The Northern Courier Ltd. All rights reserved. Registered in England and Wales.</p>
  </footer>
  <script src="/static/courier/app.js" async></script>
</body>
</html>
"""


# --- Baltic Ledger ---------------------------------------------------------------------------


def ledger_jsonld(article: dict, url: str, with_date: bool) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article["title"],
        "mainEntityOfPage": url,
        "author": {"@type": "Person", "name": article["author"]},
        "publisher": {"@type": "NewsMediaOrganization", "name": "Baltic Ledger"},
        "articleSection": article["section"],
    }
    if with_date:
        data["datePublished"] = article["published"]
    return json.dumps(data, ensure_ascii=False, indent=2)


def ledger_page(article: dict) -> str:
    url = ORIGIN + article["path"]
    mode = article["date_mode"]
    meta_date = (
        f'  <meta property="article:published_time" content="{article["published"]}">\n'
        if mode in ("visible", "meta")
        else ""
    )
    visible = (
        f'<span class="dateline">Published <time datetime="{article["published"]}">'
        f"{human_date(article['published'])}</time></span>"
        if mode == "visible"
        else ""
    )
    related = "\n".join(
        f'            <li><a href="{a["path"]}">{e(a["title"])}</a></li>'
        for a in related_links(article)
    )
    inline_box = (
        '        <div class="inline-newsletter">\n'
        "          <p>Sign up for Ledger Morning Brief: the Baltic and Nordic news you need, "
        "every weekday.</p>\n"
        '          <form><input type="email" placeholder="Your email"><button>Sign up</button></form>\n'
        "        </div>"
    )
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>{e(article["title"])} - Baltic Ledger</title>
  <meta name="viewport" content="width=device-width">
  <meta property="og:site_name" content="Baltic Ledger">
  <meta property="og:title" content="{e(article["title"])}">
  <meta property="og:url" content="{url}">
  <meta property="og:type" content="article">
{meta_date}  <meta name="twitter:card" content="summary_large_image">
  <link rel="canonical" href="{url}">
  <script type="application/ld+json">
{ledger_jsonld(article, url, mode in ("visible", "jsonld"))}
  </script>
</head>
<body>
  <div id="gdpr-modal" class="consent-modal">
    <h2>Your privacy</h2>
    <p>Baltic Ledger and our partners store and access information on your device to
    measure audiences and show relevant advertising. Click "I agree" to consent.</p>
    <button>I agree</button> <button>Reject non-essential</button>
  </div>
  <div class="top-bar"><span>Tuesday edition</span> <a href="/ledger/epaper">E-paper</a> <a href="/ledger/login">Sign in</a></div>
  <header class="masthead">
    <a href="/ledger/" class="brand">Baltic Ledger</a>
    <nav class="menu">
      <a href="/ledger/news/">News</a> <a href="/ledger/baltics/">Baltics</a>
      <a href="/ledger/europe/">Europe</a> <a href="/ledger/russia/">Russia</a>
      <a href="/ledger/defence/">Defence</a> <a href="/ledger/markets/">Markets</a>
      <a href="/ledger/culture/">Culture</a>
    </nav>
  </header>
  <div class="banner-ad" data-ad-unit="top">Advertisement - story continues below</div>
  <div class="layout">
    <main class="article-main">
      <div class="breadcrumbs"><a href="/ledger/">Home</a> &rsaquo; <a href="/ledger/news/">{e(article["section"])}</a></div>
      <h1>{e(article["title"])}</h1>
      <p class="lede">{e(article["standfirst"])}</p>
      <div class="meta-line"><span class="author">{e(article["author"])}</span> {visible}</div>
      <div class="article-text">
{paragraphs_html(article["paragraphs"], inline_box=inline_box)}
      </div>
      <div class="tags"><span>Tags:</span> <a href="#">Ukraine</a> <a href="#">Security</a> <a href="#">Diplomacy</a></div>
      <section class="more-from-ledger">
        <h2>More from the Ledger</h2>
        <ul>
{related}
        </ul>
      </section>
      <section class="discussion" id="reader-comments">
        <h2>Reader comments</h2>
        <article class="reader-comment"><header>Aivars_R</header><p>The same promises were made before. I will believe it when I see it.</p></article>
        <article class="reader-comment"><header>Kristiina</header><p>Thank you for a balanced article.</p></article>
      </section>
    </main>
    <aside class="rail">
      <div class="promo">Subscribe to the Baltic Ledger: first month free</div>
      <h3>Trending</h3>
      <ul><li><a href="/ledger/markets/">Baltic bourses close higher</a></li><li><a href="/ledger/culture/">Song festival tickets sold out</a></li></ul>
    </aside>
  </div>
  <footer>
    <nav><a href="/ledger/about">About</a> | <a href="/ledger/ethics">Editorial standards</a> | <a href="/ledger/privacy">Privacy</a> | <a href="/ledger/advertise">Advertise with us</a></nav>
    <p>Baltic Ledger OU, Riga. &copy; 2026. Reproduction without permission is prohibited.</p>
  </footer>
</body>
</html>
"""


def ledger_print_page(article: dict) -> str:
    """A print view: no title element, no dates anywhere; the headline sits in the body."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="robots" content="noindex">
  <link rel="stylesheet" href="/static/ledger/print.css">
</head>
<body onload="window.print()">
  <div class="print-header">Baltic Ledger - printer-friendly version</div>
  <div class="print-article">
    <h1>{e(article["title"])}</h1>
    <p class="print-author">{e(article["author"])}</p>
{paragraphs_html(article["paragraphs"])}
  </div>
  <div class="print-footer">Printed from the Baltic Ledger website. &copy; Baltic Ledger OU.</div>
</body>
</html>
"""


# --- Danube Dispatch -------------------------------------------------------------------------


def dispatch_page(article: dict) -> str:
    url = ORIGIN + article["path"]
    mode = article["date_mode"]
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "headline": article["title"],
                "description": article["standfirst"],
                "url": url,
                "author": [{"@type": "Person", "name": article["author"]}],
                "publisher": {
                    "@type": "Organization",
                    "name": "Danube Dispatch",
                    "logo": {"@type": "ImageObject", "url": f"{ORIGIN}/static/dispatch/logo.png"},
                },
                "inLanguage": "en",
            },
            {
                "@type": "BreadcrumbList",
                "itemListElement": [
                    {"@type": "ListItem", "position": 1, "name": "Home", "item": f"{ORIGIN}/dispatch/"},
                    {"@type": "ListItem", "position": 2, "name": article["section"]},
                ],
            },
        ],
    }
    if mode == "jsonld":
        ld["@graph"][0]["datePublished"] = article["published"]
    meta_date = (
        f'    <meta property="article:published_time" content="{article["published"]}">\n'
        if mode == "meta"
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>{e(article["title"])} &middot; Danube Dispatch</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta property="og:site_name" content="Danube Dispatch">
    <meta property="og:title" content="{e(article["title"])}">
    <meta property="og:url" content="{url}">
{meta_date}    <script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
  </head>
  <body>
    <div class="cc-window" aria-label="cookieconsent">This website uses cookies to ensure you get the best experience. <a href="/dispatch/cookies">Learn more</a> <a class="cc-btn">Got it!</a></div>
    <nav class="navbar">
      <a class="navbar-brand" href="/dispatch/">Danube Dispatch</a>
      <ul class="navbar-nav">
        <li><a href="/dispatch/politics/">Politics</a></li><li><a href="/dispatch/world/">World</a></li>
        <li><a href="/dispatch/economy/">Economy</a></li><li><a href="/dispatch/podcasts/">Podcasts</a></li>
        <li><a href="/dispatch/donate">Support us</a></li>
      </ul>
    </nav>
    <div class="container">
      <div class="row">
        <div class="col-main">
          <div class="post">
            <h1 class="post-title">{e(article["title"])}</h1>
            <p class="post-summary">{e(article["standfirst"])}</p>
            <p class="post-author">Words by <a href="/dispatch/team/">{e(article["author"])}</a></p>
            <div class="post-content">
{paragraphs_html(article["paragraphs"])}
            </div>
            <div class="support-box"><p>Danube Dispatch is independent and reader-funded. If you value our reporting, please consider supporting us.</p><a href="/dispatch/donate">Donate</a></div>
          </div>
          <div class="related-posts">
            <h4>You may also like</h4>
            <div class="card"><a href="/dispatch/economy/">Inflation eases in the region as energy prices fall</a></div>
            <div class="card"><a href="/dispatch/podcasts/">Podcast: the week in Central Europe</a></div>
          </div>
          <div id="disqus_thread" class="comments-area">
            <h3>12 comments</h3>
            <div class="comment-body"><span class="comment-author">danube_watcher</span><p>Interesting, but who will enforce any of this?</p></div>
          </div>
        </div>
        <div class="col-side"><div class="widget"><h4>Newsletter</h4><p>Get the Dispatch every Friday.</p></div><div class="ad">Sponsored</div></div>
      </div>
    </div>
    <footer class="footer"><p>Danube Dispatch &middot; Vienna &middot; Budapest &middot; Bucharest</p><p><a href="/dispatch/imprint">Imprint</a> <a href="/dispatch/privacy">Privacy</a></p></footer>
  </body>
</html>
"""


# --- Ukrainian page (windows-1251) -----------------------------------------------------------


def review_page(article: dict) -> bytes:
    body = "\n".join(f"    <p>{e(p)}</p>" for p in article["paragraphs"])
    text = f"""<!DOCTYPE html>
<html lang="uk">
<head>
  <meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
  <title>{e(article["title"])} - Київський огляд</title>
  <meta property="og:site_name" content="Київський огляд">
  <meta property="article:published_time" content="{article["published"]}">
</head>
<body>
  <div class="menu"><a href="/review/">Головна</a> <a href="/review/statti/">Статті</a> <a href="/review/kontakty">Контакти</a></div>
  <h1>{e(article["title"])}</h1>
  <div class="tekst">
{body}
  </div>
  <div class="pidval">Київський огляд. Усі права захищено.</div>
</body>
</html>
"""
    return text.encode("cp1251")


# --- feeds, home page, robots ----------------------------------------------------------------


def rss_feed(name: str, spec: dict) -> str:
    items = []
    for article in ARTICLES:
        if name not in article.get("feeds", []):
            continue
        url = ORIGIN + article["path"]
        pub = ""
        if article.get("feed_date", True):
            stamp = format_datetime(datetime.fromisoformat(article["published"]))
            pub = f"\n      <pubDate>{stamp}</pubDate>"
        items.append(
            f"""    <item>
      <title>{e(article["title"])}</title>
      <link>{url}</link>
      <guid isPermaLink="true">{url}</guid>{pub}
      <dc:creator>{e(article["author"])}</dc:creator>
      <category>{e(article["section"])}</category>
      <description>{e(article["standfirst"] or article["paragraphs"][0][:200])}</description>
    </item>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{e(spec["title"])}</title>
    <link>{ORIGIN}{spec["home"]}</link>
    <atom:link href="{ORIGIN}{spec["path"]}" rel="self" type="application/rss+xml"/>
    <description>{e(spec["description"])}</description>
    <language>en</language>
    <ttl>15</ttl>
{chr(10).join(items)}
  </channel>
</rss>
"""


def atom_feed(name: str, spec: dict) -> str:
    entries = []
    newest = ""
    for article in ARTICLES:
        if name not in article.get("feeds", []):
            continue
        url = ORIGIN + article["path"]
        newest = max(newest, article["published"])
        entries.append(
            f"""  <entry>
    <title>{e(article["title"])}</title>
    <link rel="alternate" type="text/html" href="{url}"/>
    <id>{url}</id>
    <published>{article["published"]}</published>
    <updated>{article["published"]}</updated>
    <author><name>{e(article["author"])}</name></author>
    <summary>{e(article["standfirst"])}</summary>
  </entry>"""
        )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>{e(spec["title"])}</title>
  <subtitle>{e(spec["description"])}</subtitle>
  <link rel="alternate" type="text/html" href="{ORIGIN}{spec["home"]}"/>
  <link rel="self" type="application/atom+xml" href="{ORIGIN}{spec["path"]}"/>
  <id>{ORIGIN}{spec["path"]}</id>
  <updated>{newest}</updated>
{chr(10).join(entries)}
</feed>
"""


def home_page() -> str:
    links = "\n".join(
        f'    <li><a href="{a["path"]}">{e(a["title"])}</a></li>' for a in ARTICLES
    )
    feeds = "\n".join(
        f'    <li><a href="{spec["path"]}">{e(spec["title"])}</a></li>' for spec in FEEDS.values()
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Offline corpus (synthetic test material)</title></head>
<body>
  <h1>Offline corpus</h1>
  <p>Synthetic news pages for testing the monitor without a network. Not real reporting.</p>
  <h2>Feeds</h2>
  <ul>
{feeds}
  </ul>
  <h2>Articles</h2>
  <ul>
{links}
  </ul>
</body>
</html>
"""


ROBOTS = """# Offline corpus: everything may be fetched except the drafts folder.
User-agent: *
Disallow: /drafts/
Allow: /

Sitemap: http://127.0.0.1:8123/sitemap.xml
"""


def write(path: str, data: str | bytes) -> None:
    target = SITE / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    target.write_bytes(data)


def sitemap() -> str:
    urls = [a["path"] for a in ARTICLES] + [UKRAINIAN_ARTICLE["path"]]
    body = "\n".join(f"  <url><loc>{ORIGIN}{path}</loc></url>" for path in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{body}\n</urlset>\n"
    )


def main() -> None:
    renderers = {"courier": courier_page, "ledger": ledger_page, "dispatch": dispatch_page}
    for article in ARTICLES:
        render = ledger_print_page if article.get("print_view") else renderers[article["outlet"]]
        write(article["path"], render(article))
    write(UKRAINIAN_ARTICLE["path"], review_page(UKRAINIAN_ARTICLE))
    for name, spec in FEEDS.items():
        write(spec["path"], rss_feed(name, spec) if spec["kind"] == "rss" else atom_feed(name, spec))
    write("/index.html", home_page())
    write("/robots.txt", ROBOTS)
    write("/sitemap.xml", sitemap())
    write("/drafts/embargoed.html", "<!DOCTYPE html><html lang=\"en\"><body><p>Embargoed draft.</p></body></html>\n")


if __name__ == "__main__":
    main()
