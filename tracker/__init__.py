"""AI copyright tracker: lawsuits, bills, agency actions and statements on AI and copyright."""

__version__ = "0.1.0"
