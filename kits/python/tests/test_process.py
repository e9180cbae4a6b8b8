"""A kit service as a process of its own (``serve()`` reading its environment), behind the
real gateway: graceful shutdown on SIGTERM, JSON logs without emails, the gateway's traces."""

import asyncio
import json
import re
import sys
from pathlib import Path

import grpc
import pytest
from otlp import Collector

from cardmesh.v1 import card_service_pb2 as pb
from cardmesh.v1 import card_service_pb2_grpc as pb_grpc
from cardmesh_kit.testing import Gateway, ServiceProcess, wait_until

SAMPLE = [sys.executable, str(Path(__file__).with_name("sample_service.py"))]
ADA = {"id": "c_ada", "email": "ada@example.com", "externalId": "cus_1"}


@pytest.fixture
def closing():
    opened = []
    yield opened.append
    for thing in reversed(opened):
        (thing.close if hasattr(thing, "close") else thing.stop)()


async def test_sigterm_lets_the_in_flight_call_finish(tmp_path, closing):
    release = tmp_path / "release"
    service = ServiceProcess(SAMPLE, {"SAMPLE_RELEASE_FILE": str(release)})
    closing(service)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{service.port}") as channel:
        call = asyncio.ensure_future(pb_grpc.CardServiceStub(channel).GetCards(
            pb.GetCardsRequest(card_keys=["slow"], customer=pb.Customer(id="c_1", email="ada@example.com"))))
        await asyncio.to_thread(service.wait_for_output, "drawing slow card")
        service.child.terminate()
        await asyncio.to_thread(service.wait_for_output, "draining in-flight calls")
        assert service.child.poll() is None, "the service quit with a call in flight"
        release.touch()
        answer = await asyncio.wait_for(call, 20)
    assert answer.results[0].components.components[0].text.text == "slow drawn"
    assert await asyncio.to_thread(service.child.wait, 20) == 0
    assert "card service stopped" in service.output()
    assert "ada@example.com" not in service.output()
    # No traceparent and no tracing here: the call's lines still share a (random) trace id.
    drawing = next(line for line in service.output().splitlines() if "drawing slow card" in line)
    assert re.search(r'trace_id="[0-9a-f]{32}"', drawing), drawing


def test_json_logs_carry_the_trace_id_and_never_the_email(closing):
    collector = Collector()  # the gateway traces (and sends traceparent); the service does not
    closing(collector)
    service = ServiceProcess(SAMPLE, {"CARDMESH_LOG_FORMAT": "json"})
    closing(service)
    gateway = Gateway([service.endpoint], {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint}).wait_ready()
    closing(gateway)
    status, body = gateway.cards(["broken", "hello"], ADA)
    assert status == 200 and body["cards"][1]["components"] == [{"componentText": {"text": "hello drawn"}}]
    service.wait_for_output("card could not be drawn")
    lines = [json.loads(line) for line in service.output().splitlines()]
    failed = next(line for line in lines if line["message"] == "card could not be drawn")
    assert failed["key"] == "broken" and failed["customer_id"] == "c_ada"
    assert len(failed["trace_id"]) == 32
    assert f"trace_id={failed['trace_id']}" in gateway.output()
    assert "ada@example.com" not in service.output()


def test_the_service_span_joins_the_gateways_trace(closing):
    collector = Collector()
    closing(collector)
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    service = ServiceProcess(SAMPLE, otel)
    closing(service)
    gateway = Gateway([service.endpoint], otel).wait_ready()
    closing(gateway)
    status, _ = gateway.cards(["hello"], ADA)
    assert status == 200

    def joined():
        spans = collector.spans()
        ours = [s for name, s in spans if name == "sample" and s.name == "card_service_request"]
        calls = {s.span_id: s for name, s in spans if s.name == "card_service_call"}
        return [(s, calls[s.parent_span_id]) for s in ours if s.parent_span_id in calls]

    (span, parent), = wait_until(joined, "the service's span under the gateway's card_service_call")
    assert span.trace_id == parent.trace_id
    attributes = {a.key: a.value for a in span.attributes}
    assert attributes["rpc.method"].string_value == "cardmesh.v1.CardService/GetCards"
