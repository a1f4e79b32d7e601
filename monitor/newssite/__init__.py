"""A generated news site (articles, RSS/Atom feeds, an official release) served on 127.0.0.1."""

from monitor.newssite.demo import demo_articles
from monitor.newssite.site import FEED_FORMATS, NewsSite, PathStats, SiteArticle
from monitor.newssite.synthetic import generate_articles

__all__ = ["FEED_FORMATS", "NewsSite", "PathStats", "SiteArticle", "demo_articles", "generate_articles"]
