"""Assure: a terminal dashboard for programme assurance."""

__version__ = "0.1.0"
