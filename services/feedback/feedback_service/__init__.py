"""Example cardmesh card service in Python: ``csat-score``, the customer's satisfaction score
from support surveys, read from a JSON fixture (``fixtures/feedback.json``, or the file named
by ``CARDMESH_FIXTURES``)."""

from .cards import CSAT_SCORE, FeedbackCards

__all__ = ["CSAT_SCORE", "FeedbackCards"]
