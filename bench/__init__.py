"""Reproducible benchmarks of deportwatch on a generated loopback news site (`make bench`)."""
