"""countermark: open anti-counterfeiting platform for online marketplaces."""

__version__ = "0.1.0"
