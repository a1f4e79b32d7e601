"""Synthetic articles for benchmarks: on-topic and off-topic stories of realistic page sizes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from monitor.newssite.site import SiteArticle

OUTLETS = ("wirewatch", "daily-meridian", "lakeshore-tribune")
RECEIVERS = (
    "Kosovo", "Rwanda", "Eswatini", "Uganda", "Ghana", "Palau", "Belize", "Paraguay", "Equatorial Guinea",
)
ORIGINS = ("Vietnam", "Jamaica", "Laos", "Cuba", "Yemen", "Nigeria", "Gambia", "Eritrea", "Peru")
STAGES = (
    ("agrees to accept up to {n} deportees from the United States",
     "{c} has agreed to receive up to {n} third-country nationals removed from the United States, "
     "officials said."),
    ("receives first group of {n} migrants deported by the U.S.",
     "A deportation flight carrying {n} people who are not citizens of {c} landed on {d}, the first under "
     "the country's agreement with Washington."),
    ("in talks with Washington on taking migrants from other countries",
     "Officials in {c} said they were in early discussions with the United States about receiving deportees "
     "whose home countries will not take them back."),
    ("second flight of U.S. deportees arrives",
     "A second group of {n} deportees from {o} and {o2} arrived in {c} on {d}, authorities confirmed."),
)
CONTEXT = (
    "The Trump administration has sought agreements with governments willing to receive people whose own "
    "countries are slow to accept them, a practice known as third-country deportation.",
    "Lawyers for some of the deportees said their clients had been given little notice before the flight and "
    "had protection orders barring their return to their countries of origin.",
    "Rights groups have criticised the arrangements, saying migrants are sent to countries where they have "
    "no ties, no legal status and no support network.",
    "The government said those received would be housed temporarily while their onward return was arranged.",
    "A spokesperson for the Department of Homeland Security said the removals were lawful and that the "
    "receiving government had provided diplomatic assurances.",
)
OFF_TOPICS = (
    ("City council approves budget for new tram line", "Transport"),
    ("Storm brings flooding to coastal towns", "Climate"),
    ("Central bank holds interest rates steady", "Business"),
    ("National team reaches quarter-finals after penalty shoot-out", "Sport"),
    ("Museum reopens after three-year renovation", "Culture"),
    ("Deportation flight returns Guatemalans home", "Americas"),
    ("Parliament debates new data protection law", "Politics"),
    ("Farmers warn of poor harvest after dry spring", "Business"),
)
FILLER = (
    "Officials said further details would be released in the coming days.",
    "The announcement followed weeks of negotiations between the parties involved.",
    "Critics said the plan lacked transparency and called for a public consultation.",
    "Residents interviewed on Monday expressed mixed feelings about the decision.",
    "Analysts said the move was likely to face legal challenges before it takes effect.",
    "The ministry did not respond to a request for comment on the figures.",
    "Local media reported that the measure had been under discussion since last year.",
    "Opposition lawmakers said they would push for a vote on the issue next month.",
)


def _paragraph(rng: random.Random, lead: str | None, sentences: int) -> str:
    chosen = [lead] if lead else []
    chosen += rng.sample(FILLER, k=sentences)
    return " ".join(chosen)


def synthetic_article(rng: random.Random, index: int, relevant: bool, published: datetime) -> SiteArticle:
    """One generated article; about one in twelve is a long read whose page is ~150 KB."""
    long_read = rng.random() < 1 / 12
    count, sentences = (rng.randint(140, 160), 6) if long_read else (rng.randint(3, 5), 3)
    if relevant:
        country = rng.choice(RECEIVERS)
        origin, origin2 = rng.sample(ORIGINS, k=2)
        headline, lead = rng.choice(STAGES)
        values = {"c": country, "n": rng.choice((5, 7, 9, 14, 19, 50, 75, 160, 250)), "o": origin,
                  "o2": origin2, "d": f"{published:%A}"}
        title = f"{country} {headline.format(**values)}"
        body = [_paragraph(rng, rng.choice(CONTEXT), sentences - 1) for _ in range(count - 1)]
        paragraphs = [lead.format(**values), *body]
        section = "World"
    else:
        title, section = rng.choice(OFF_TOPICS)
        paragraphs = [_paragraph(rng, None, sentences) for _ in range(count)]
    slug = "-".join(title.lower().replace(".", "").replace(",", "").split()[:8]) + f"-{index:05d}"
    return SiteArticle(slug=slug, outlet=OUTLETS[index % len(OUTLETS)], title=title,
                       paragraphs=tuple(paragraphs), published=published, section=section)


def generate_articles(n: int, relevant_fraction: float = 0.2, seed: int = 0) -> list[SiteArticle]:
    """*n* synthetic articles (mostly ~7 KB pages, some ~150 KB), one every 37 minutes from June 2025."""
    rng = random.Random(seed)
    start = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
    return [
        synthetic_article(rng, i, rng.random() < relevant_fraction, start + timedelta(minutes=37 * i))
        for i in range(n)
    ]
