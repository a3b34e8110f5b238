"""chartclaim: chart to cash for medical practices."""

__version__ = "0.1.0"
