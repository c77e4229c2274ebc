"""botstats: Botpress analytics in Slack."""

__version__ = "0.1.0"
