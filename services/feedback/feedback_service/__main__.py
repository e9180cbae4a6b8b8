"""``python -m feedback_service``: serves the feedback cards (see ``cardmesh_kit.serve``)."""

from cardmesh_kit import run

from .cards import FeedbackCards

if __name__ == "__main__":
    run(FeedbackCards.from_env())
