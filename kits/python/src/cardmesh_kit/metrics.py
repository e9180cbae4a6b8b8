"""The Prometheus metrics of one card service, on ``GET /metrics`` of its metrics listener
(``CARDMESH_SERVICE_METRICS_LISTEN``, off by default). Same names as the Rust kit:

- ``cardmesh_kit_requests_total`` (counter): ``method`` (``GetCards``, ``Describe``,
  ``RunAction``), ``code`` (``ok``, ``invalid_argument``, ``not_found``);
- ``cardmesh_kit_get_cards_duration_seconds`` (histogram);
- ``cardmesh_kit_cards_total`` (counter): ``card`` (a declared key, or ``other``), ``outcome``
  (``components``, ``no_data``, ``error``);
- ``cardmesh_kit_actions_total`` (counter): ``action`` (a declared name, or ``other``),
  ``outcome`` (``succeeded``, ``refused``, ``failed``);
- ``cardmesh_kit_run_action_duration_seconds`` (histogram).
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServiceMetrics:
    """The counters of one service, in a registry of its own (services in one process count
    apart). The ``card`` label takes declared keys only, so callers cannot grow it."""

    def __init__(self, keys: Iterable[str], actions: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry()
        self._keys = set(keys)
        self._actions = set(actions)
        self.requests = Counter("cardmesh_kit_requests", "gRPC calls answered, by method and code.",
                                ["method", "code"], registry=self.registry)
        self.duration = Histogram("cardmesh_kit_get_cards_duration_seconds",
                                  "Time to answer a GetCards call.", buckets=_BUCKETS,
                                  registry=self.registry)
        self.cards = Counter("cardmesh_kit_cards", "Cards drawn, by card key and outcome.",
                             ["card", "outcome"], registry=self.registry)
        for method, code in (("GetCards", "ok"), ("GetCards", "invalid_argument"), ("Describe", "ok")):
            self.requests.labels(method, code)
        for card in [*self._keys, "other"]:
            for outcome in ("components", "no_data", "error"):
                self.cards.labels(card, outcome)
        self.actions = Counter("cardmesh_kit_actions", "Actions run, by action name and outcome.",
                               ["action", "outcome"], registry=self.registry)
        self.action_duration = Histogram("cardmesh_kit_run_action_duration_seconds",
                                         "Time to answer a RunAction call.", buckets=_BUCKETS,
                                         registry=self.registry)
        for code in ("ok", "invalid_argument", "not_found", "unimplemented"):
            self.requests.labels("RunAction", code)
        for action in [*self._actions, "other"]:
            for outcome in ("succeeded", "refused", "failed"):
                self.actions.labels(action, outcome)

    def describe(self) -> None:
        self.requests.labels("Describe", "ok").inc()

    def invalid_get_cards(self) -> None:
        self.requests.labels("GetCards", "invalid_argument").inc()

    def get_cards(self, elapsed_seconds: float, outcomes: Iterable[tuple[str, str]]) -> None:
        """One ``GetCards`` answered after ``elapsed_seconds`` with (key, outcome) results."""
        self.requests.labels("GetCards", "ok").inc()
        self.duration.observe(elapsed_seconds)
        for key, outcome in outcomes:
            self.cards.labels(key if key in self._keys else "other", outcome).inc()

    def refused_run_action(self, code: str) -> None:
        """One ``RunAction`` refused: ``invalid_argument``, ``not_found`` (an undeclared
        action) or ``unimplemented`` (a declared action the provider does not run)."""
        self.requests.labels("RunAction", code).inc()

    def run_action(self, action: str, elapsed_seconds: float, outcome: str) -> None:
        """One ``RunAction`` of ``action`` answered after ``elapsed_seconds`` with ``outcome``
        (``succeeded``, ``refused`` or ``failed``)."""
        self.requests.labels("RunAction", "ok").inc()
        self.action_duration.observe(elapsed_seconds)
        self.actions.labels(action if action in self._actions else "other", outcome).inc()

    def render(self) -> str:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry).decode("utf-8")
