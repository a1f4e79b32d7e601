"""HTML pages and RSS 2.0 / Atom feeds of the generated news site, with realistic boilerplate."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from email.utils import format_datetime
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.newssite.site import SiteArticle

OUTLET_NAMES = {
    "wirewatch": "Wirewatch",
    "daily-meridian": "The Daily Meridian",
    "lakeshore-tribune": "Lakeshore Tribune",
    "state-dept": "U.S. Department of State",
}
AUTHORS = ("Dana Whitfield", "Marco Reyes", "Aida Berisha", "Samuel Okoro", "Lena Fischer", "Priya Natarajan")
SECTIONS = ("World", "Politics", "Business", "Climate", "Sport", "Culture", "Opinion")

STYLE = (
    "<style>body{font-family:Georgia,serif;margin:0;color:#1a1a1a}.site-header{background:#0b2545;"
    "color:#fff;padding:12px 24px}.site-header a{color:#fff;text-decoration:none}nav ul{list-style:none;"
    "display:flex;gap:16px;padding:0}main{max-width:720px;margin:0 auto;padding:24px}.kicker{text-transform:"
    "uppercase;color:#b00020;font-size:13px}.byline{color:#555;font-size:14px}.related li{margin:6px 0}"
    "#cookie-banner{position:fixed;bottom:0;left:0;right:0;background:#222;color:#eee;padding:16px}"
    "footer{background:#f2f2f2;padding:24px;font-size:13px}</style>"
)
ANALYTICS = (
    "<script>(function(w,d){w.dataLayer=w.dataLayer||[];function t(){w.dataLayer.push(arguments);}"
    "t('js',new Date());t('config','G-NEWS0001',{anonymize_ip:true});var s=d.createElement('script');"
    "s.async=true;s.src='/static/analytics.js';d.head.appendChild(s);})(window,document);</script>"
)
COOKIE_BANNER = (
    '<div id="cookie-banner" class="cookie-consent" role="dialog"><p>We use cookies and similar '
    "technologies to personalise content, measure audiences and improve your experience. You can change "
    'your choices at any time in Privacy settings.</p><button class="accept">Accept all</button> '
    '<button class="manage">Manage preferences</button></div>'
)


def outlet_name(outlet: str) -> str:
    return OUTLET_NAMES.get(outlet, outlet.replace("-", " ").title())


def _author(article: SiteArticle) -> str:
    return AUTHORS[zlib.crc32(article.slug.encode()) % len(AUTHORS)]


def _page(lang: str, head: str, body: str) -> bytes:
    return f'<!DOCTYPE html>\n<html lang="{lang}"><head>{head}</head><body>{body}</body></html>\n'.encode()


def _nav(outlet: str) -> str:
    name = escape(outlet_name(outlet))
    items = "".join(f'<li><a href="/outlets/{outlet}/#{s.lower()}">{s}</a></li>' for s in SECTIONS)
    return (
        f'<header class="site-header"><a class="logo" href="/">{name}</a><nav aria-label="Main"><ul>'
        f'{items}</ul></nav><form class="search" action="/search"><input name="q" placeholder="Search">'
        "<button>Go</button></form><a class=\"subscribe\" href=\"/subscribe\">Subscribe</a></header>"
    )


def _footer(outlet: str, year: int) -> str:
    links = ("About us", "Contact", "Careers", "Advertise", "Privacy policy", "Cookie settings", "Terms")
    items = "".join(f'<li><a href="/{t.lower().replace(" ", "-")}">{t}</a></li>' for t in links)
    return (
        f"<footer><ul class=\"footer-links\">{items}</ul><p>&copy; {year} {escape(outlet_name(outlet))}. "
        "All rights reserved. Do not reproduce without permission.</p></footer>"
    )


def render_article(base: str, article: SiteArticle, related: Sequence[SiteArticle], feed_path: str) -> bytes:
    """An article page; official releases get a government-style page instead."""
    if article.official:
        return render_release(base, article)
    url = base + article.path
    title, iso = escape(article.title), article.published.isoformat()
    head = (
        f'<meta charset="utf-8"><title>{title} | {escape(outlet_name(article.outlet))}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="description" content="{escape(article.paragraphs[0][:160])}">'
        f'<meta property="og:title" content="{title}"><meta property="og:type" content="article">'
        f'<meta property="og:url" content="{url}"><meta property="og:site_name" '
        f'content="{escape(outlet_name(article.outlet))}"><meta property="article:published_time" '
        f'content="{iso}"><meta property="article:section" content="{escape(article.section)}">'
        f'<meta name="author" content="{_author(article)}"><link rel="canonical" href="{url}">'
        f'<link rel="alternate" type="application/rss+xml" href="{base}{feed_path}">{STYLE}{ANALYTICS}'
        f'<script type="application/ld+json">{_ld_json(article, url)}</script>'
    )
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    links = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in related)
    body = (
        f"{COOKIE_BANNER}{_nav(article.outlet)}<main><article><header>"
        f'<p class="kicker">{escape(article.section)}</p><h1>{title}</h1><p class="byline">By '
        f'{_author(article)} · <time datetime="{iso}">{article.published:%d %B %Y, %H:%M} UTC</time></p>'
        f'</header><div class="article-body">{paragraphs}</div><aside class="share">Share this story: '
        '<a href="#">Email</a> <a href="#">Facebook</a> <a href="#">X</a> <a href="#">WhatsApp</a></aside>'
        f'</article><section class="related"><h2>Related stories</h2><ul>{links}</ul></section>'
        '<section class="newsletter"><h2>Morning Briefing</h2><p>The day\'s essential stories, in your '
        'inbox before breakfast.</p><form action="/newsletter"><input type="email" name="email">'
        f"<button>Sign up</button></form></section></main>{_footer(article.outlet, article.published.year)}"
        f"{_state_script(article)}"
    )
    return _page(article.language, head, body)


def _ld_json(article: SiteArticle, url: str) -> str:
    data = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
        "datePublished": article.published.isoformat(), "mainEntityOfPage": url,
        "author": {"@type": "Person", "name": _author(article)},
        "publisher": {"@type": "Organization", "name": outlet_name(article.outlet)},
    }
    return json.dumps(data).replace("</", "<\\/")


def _state_script(article: SiteArticle) -> str:
    # Client-side rendering state, as many news sites embed it: the body text a second time.
    state = {"page": {"type": "article", "slug": article.slug, "section": article.section,
                      "blocks": [{"type": "paragraph", "text": p} for p in article.paragraphs]}}
    data = json.dumps(state).replace("</", "<\\/")
    return f'<script id="__APP_STATE__" type="application/json">{data}</script>'


def render_release(base: str, article: SiteArticle) -> bytes:
    """A press release styled like a State Department or U.S. embassy page."""
    url, title = base + article.path, escape(article.title)
    head = (
        f'<meta charset="utf-8"><title>{title} - United States Department of State</title>'
        f'<meta property="og:title" content="{title}"><meta property="og:type" content="article">'
        '<meta property="og:site_name" content="United States Department of State">'
        f'<meta property="article:published_time" content="{article.published.isoformat()}">'
        f'<link rel="canonical" href="{url}">{STYLE}{ANALYTICS}'
    )
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    body = (
        '<section class="usa-banner" aria-label="Official website of the United States government"><div>'
        "<p>An official website of the United States government</p><button>Here's how you know</button>"
        "<p>Official websites use .gov. A .gov website belongs to an official government organization in the "
        "United States.</p><p>Secure .gov websites use HTTPS.</p></div></section>"
        '<header class="site-header"><a class="logo" href="/">U.S. DEPARTMENT <em>of</em> STATE</a><nav><ul>'
        '<li><a href="/outlets/state-dept/">Press Releases</a></li><li><a href="#">Travel</a></li>'
        '<li><a href="#">Countries &amp; Areas</a></li><li><a href="#">Bureaus &amp; Offices</a></li>'
        '<li><a href="#">About</a></li></ul></nav></header><main><article>'
        '<p class="kicker">Press Release</p>'
        f"<h1>{title}</h1><p class=\"byline\">Office of the Spokesperson</p><p class=\"byline\">"
        f'<time datetime="{article.published.isoformat()}">{article.published:%B} {article.published.day}, '
        f'{article.published.year}</time></p><div class="entry-content">{paragraphs}<p>###</p></div>'
        '</article><section class="related"><h2>Tags</h2><ul><li><a href="#">Bureau of Population, '
        'Refugees, and Migration</a></li><li><a href="#">Office of the Spokesperson</a></li></ul></section>'
        "</main><footer><p>White House · USA.gov · Office of the Inspector General · Archives · Contact Us"
        "</p><p>Privacy Policy · Accessibility Statement · Copyright Information · FOIA · No FEAR Act</p>"
        "</footer>"
    )
    return _page(article.language, head, body)


def render_home(base: str, by_outlet: Mapping[str, Sequence[SiteArticle]],
                feed_format: Callable[[str], str]) -> bytes:
    sections = []
    for outlet, articles in sorted(by_outlet.items()):
        links = "".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in articles[:20])
        sections.append(
            f'<section><h2><a href="/outlets/{outlet}/">{escape(outlet_name(outlet))}</a></h2>'
            f'<p><a href="/feeds/{outlet}.{feed_format(outlet)}">Feed</a></p><ul>{links}</ul></section>'
        )
    head = f'<meta charset="utf-8"><title>News</title>{STYLE}'
    return _page("en", head, "<main>" + "".join(sections) + "</main>")


def render_listing(base: str, outlet: str, articles: Sequence[SiteArticle]) -> bytes:
    items = "".join(
        f'<li><a href="{a.path}">{escape(a.title)}</a> <time datetime="{a.published.isoformat()}">'
        f"{a.published:%d %b %Y}</time></li>"
        for a in articles
    )
    head = f'<meta charset="utf-8"><title>Latest | {escape(outlet_name(outlet))}</title>{STYLE}'
    body = f'{_nav(outlet)}<main><ul class="latest">{items}</ul></main>{_footer(outlet, 2025)}'
    return _page("en", head, body)


def render_rss(base: str, feed_url: str, outlet: str, articles: Sequence[SiteArticle]) -> bytes:
    items = "".join(
        f"<item><title>{escape(a.title)}</title><link>{base}{a.path}</link>"
        f'<guid isPermaLink="true">{base}{a.path}</guid>'
        f"<pubDate>{format_datetime(a.published, usegmt=True)}</pubDate>"
        f"<category>{escape(a.section)}</category><description>{escape(a.paragraphs[0])}</description></item>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{escape(outlet_name(outlet))}</title><link>{base}/outlets/{outlet}/</link>"
        f'<atom:link href="{feed_url}" rel="self" type="application/rss+xml"/>'
        f"<description>Latest from {escape(outlet_name(outlet))}</description><language>en</language>"
        f"{items}</channel></rss>\n"
    ).encode()


def render_atom(base: str, feed_url: str, outlet: str, articles: Sequence[SiteArticle]) -> bytes:
    updated = max((a.published for a in articles), default=None)
    entries = "".join(
        f"<entry><title>{escape(a.title)}</title>"
        f'<link rel="alternate" type="text/html" href="{base}{a.path}"/>'
        f"<id>tag:{outlet}.example,{a.published:%Y-%m-%d}:{a.slug}</id>"
        f"<published>{a.published.isoformat()}</published><updated>{a.published.isoformat()}</updated>"
        f"<author><name>{_author(a)}</name></author><summary>{escape(a.paragraphs[0])}</summary></entry>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(outlet_name(outlet))}</title><id>{feed_url}</id>"
        f'<link rel="self" href="{feed_url}"/><link rel="alternate" href="{base}/outlets/{outlet}/"/>'
        f"<updated>{(updated.isoformat() if updated else '1970-01-01T00:00:00+00:00')}</updated>"
        f"{entries}</feed>\n"
    ).encode()
