"""deportwatch: watches the news for U.S. third-country deportation developments."""

__version__ = "0.1.0"
