"""Actions: declared in Describe, run over real gRPC with the gateway's context and trace, three
outcomes scrubbed, refusals that run nothing, metrics, and bad declarations refused at start."""

import re
import urllib.request

import grpc
import pytest

from cardmesh.v1 import card_service_pb2 as pb
from cardmesh.v1 import card_service_pb2_grpc as pb_grpc
from cardmesh_kit import (
    ActionContext,
    ActionOutcome,
    ActionSpec,
    Card,
    CardProvider,
    CardSpec,
    ServiceMetrics,
    start,
)
from cardmesh_kit.action import action_context_from_request, check_actions
from cardmesh_kit.testing import run_action
from conftest import REPO

CUSTOMER = {"id": "c_1", "email": "ada@example.com", "externalId": "cus_1"}


class Billing(CardProvider):
    """Extends a trial once per customer; fails, raises or answers oddly on request."""

    name = "billing"

    def __init__(self):
        self.seen: list[ActionContext] = []
        self.extended: set[str] = set()

    def cards(self):
        return [CardSpec("subscription-status", "Subscription")]

    def actions(self):
        return [ActionSpec("extend-trial", "Extends the trial by 14 days",
                           changes_cards=["subscription-status"])]

    async def card(self, key, ctx):
        return Card.no_data()

    async def action(self, name, ctx):
        self.seen.append(ctx)
        if ctx.body.get("fail"):
            return ActionOutcome.failed(f"billing is down for {ctx.customer.email}")
        if ctx.body.get("raise"):
            raise KeyError(ctx.customer.email)
        if ctx.body.get("odd"):
            return "done"
        if ctx.preview:
            return ActionOutcome.succeeded("Preview: the trial would be extended")
        if ctx.customer.id in self.extended:
            return ActionOutcome.refused("the trial was already extended")
        self.extended.add(ctx.customer.id)
        return ActionOutcome.succeeded(f"Trial extended by {ctx.body.get('days', 14)} days")


@pytest.fixture
async def service():
    provider = Billing()
    running = await start(provider, metrics_address="127.0.0.1:0")
    yield provider, running
    await running.stop(0)


async def test_describe_announces_the_actions(service):
    _, running = service
    async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
        described = await pb_grpc.CardServiceStub(channel).Describe(pb.DescribeRequest())
    assert [(a.name, a.description, list(a.changes_cards)) for a in described.actions] == [
        ("extend-trial", "Extends the trial by 14 days", ["subscription-status"])]


async def test_an_action_runs_with_the_gateways_context_and_answers_each_outcome(service):
    provider, running = service
    port = running.port
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    first = await run_action(port, "extend-trial", CUSTOMER, {"days": 7}, thread={"id": "th_1"},
                             idempotency_key="idem_1",
                             metadata=[("traceparent", f"00-{trace_id}-00f067aa0ba902b7-01")])
    assert first == ActionOutcome.succeeded("Trial extended by 7 days")
    assert await run_action(port, "extend-trial", CUSTOMER) == ActionOutcome.refused(
        "the trial was already extended")
    assert await run_action(port, "extend-trial", CUSTOMER, {"fail": True}) == ActionOutcome.failed(
        "billing is down for [email]")
    assert await run_action(port, "extend-trial", CUSTOMER, {"raise": True}) == ActionOutcome.failed(
        "the action raised KeyError")
    odd = await run_action(port, "extend-trial", CUSTOMER, {"odd": True})
    assert odd.kind == "failed" and "not an ActionOutcome" in odd.text
    assert await run_action(port, "extend-trial", CUSTOMER, preview=True) == ActionOutcome.succeeded(
        "Preview: the trial would be extended")

    ctx = provider.seen[0]
    assert (ctx.action, ctx.workspace_id, ctx.idempotency_key) == ("extend-trial", "w_test", "idem_1")
    assert ctx.customer.email == "ada@example.com" and ctx.customer.external_id == "cus_1"
    assert ctx.thread is not None and ctx.thread.id == "th_1"
    assert ctx.body == {"days": 7} and ctx.body_json == '{"days": 7}'
    assert ctx.trace_id == trace_id
    assert not ctx.preview and provider.seen[-1].preview
    assert provider.seen[1].idempotency_key != provider.seen[2].idempotency_key
    assert "ada@example.com" not in repr(ctx) and "days" not in repr(ctx)


async def test_an_undeclared_action_or_a_bad_request_is_refused_and_runs_nothing(service):
    provider, running = service
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await run_action(running.port, "refund", CUSTOMER)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert "'refund'" in (refused.value.details() or "")
    request = pb.RunActionRequest(action="extend-trial", customer=pb.Customer(id="c_1"),
                                  body_json='{"email": "ada@example.com"', idempotency_key="k")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as invalid:
            await pb_grpc.CardServiceStub(channel).RunAction(request)
    assert invalid.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = invalid.value.details() or ""
    assert "body_json" in details and "ada@example.com" not in details
    assert provider.seen == []


async def test_metrics_count_actions_by_name_and_outcome(service):
    _, running = service
    await run_action(running.port, "extend-trial", CUSTOMER)
    await run_action(running.port, "extend-trial", CUSTOMER)
    with pytest.raises(grpc.aio.AioRpcError):
        await run_action(running.port, "refund", CUSTOMER)
    with urllib.request.urlopen(f"http://127.0.0.1:{running.metrics_port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    for line in [
        'cardmesh_kit_actions_total{action="extend-trial",outcome="succeeded"} 1.0',
        'cardmesh_kit_actions_total{action="extend-trial",outcome="refused"} 1.0',
        'cardmesh_kit_requests_total{code="ok",method="RunAction"} 2.0',
        'cardmesh_kit_requests_total{code="not_found",method="RunAction"} 1.0',
        "cardmesh_kit_run_action_duration_seconds_count 2.0",
    ]:
        assert line in text, text
    assert "refund" not in text


async def test_bad_action_declarations_are_refused_before_serving():
    class Bad(Billing):
        def actions(self):
            return [ActionSpec("Extend Trial", "bad name")]

    with pytest.raises(ValueError, match=r"action name 'Extend Trial' does not match \[a-z0-9\]"):
        await start(Bad())
    twice = [ActionSpec("a", "1"), ActionSpec("a", "2")]
    with pytest.raises(ValueError, match="declared twice"):
        check_actions(twice, [])
    with pytest.raises(ValueError, match="'no key'"):
        check_actions([ActionSpec("a", "x", ["no key"])], [])
    with pytest.raises(ValueError, match="at most 64 bytes"):
        check_actions([ActionSpec("a" * 65, "x")], [])
    assert check_actions([ActionSpec("a", "x", ["mine"])], ["mine"]) == []
    warnings = check_actions([ActionSpec("a", "x", ["latest-invoice"])], ["mine"])
    assert len(warnings) == 1 and "'latest-invoice'" in warnings[0]


def test_an_empty_body_reads_as_none():
    request = pb.RunActionRequest(action="a", customer=pb.Customer(id="c_1"), idempotency_key="k")
    assert action_context_from_request(request, "t").body is None


def test_the_kit_serves_the_metric_names_and_types_of_the_generated_reference():
    """The metrics reference is generated from the Rust kit: the Python kit serves the same."""
    page = (REPO / "docs/src/reference/metrics.md").read_text("utf-8")
    section = page.split("## Card services")[1].split("\n## ")[0]
    documented = sorted(re.findall(r"^\| `([a-z_]+)` \| (counter|histogram) \|", section, re.MULTILINE))
    assert ("cardmesh_kit_actions_total", "counter") in documented, section
    served = sorted((family.name + ("_total" if family.type == "counter" else ""), family.type)
                    for family in ServiceMetrics(["k"], ["a"]).registry.collect())
    assert served == documented


class Unhandled(CardProvider):
    """Declares an action and leaves ``action`` to its default."""

    name = "unhandled"

    def cards(self):
        return [CardSpec("subscription-status", "Subscription")]

    def actions(self):
        return [ActionSpec("extend-trial", "Extends the trial")]

    async def card(self, key, ctx):
        return Card.no_data()


async def test_a_declared_action_without_a_handler_is_unimplemented_not_a_kept_refusal():
    running = await start(Unhandled(), metrics_address="127.0.0.1:0")
    try:
        with pytest.raises(grpc.aio.AioRpcError) as unimplemented:
            await run_action(running.port, "extend-trial", CUSTOMER)
        assert unimplemented.value.code() == grpc.StatusCode.UNIMPLEMENTED
        assert "'extend-trial'" in (unimplemented.value.details() or "")
        with urllib.request.urlopen(f"http://127.0.0.1:{running.metrics_port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
        assert 'cardmesh_kit_requests_total{code="unimplemented",method="RunAction"} 1.0' in text, text
        assert 'outcome="refused"} 1.0' not in text, text
    finally:
        await running.stop(0)
