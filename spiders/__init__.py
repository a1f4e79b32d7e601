"""Scrapy spiders, one per kind of source; they import nothing of deportwatch but the item types."""
