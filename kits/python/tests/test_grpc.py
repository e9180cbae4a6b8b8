"""The kit's gRPC surface called directly: health, Describe, invalid requests, metrics."""

import asyncio
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cardmesh.v1 import card_service_pb2 as pb
from cardmesh.v1 import card_service_pb2_grpc as pb_grpc
from cardmesh_kit import Card, CardProvider, CardSpec, CustomerIndex, Scope, start
from cardmesh_kit.build import plain_text
from cardmesh_kit.serve import parse_address


class Lookup(CardProvider):
    name = "lookup"

    def __init__(self):
        self.index = CustomerIndex()
        self.index.insert("cus_1", "ada@example.com", "Ada")

    def cards(self):
        return [CardSpec("who", "Who", scope=Scope.TENANT)]

    async def card(self, key, ctx):
        found = self.index.find(ctx.customer)
        return Card.no_data() if found is None else Card([plain_text(found)])


@pytest.fixture
async def service():
    running = await start(Lookup(), metrics_address="127.0.0.1:0")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    yield running, channel
    await channel.close()
    await running.stop(0)


async def test_health_reports_serving_then_not_serving(service):
    running, channel = service
    health = health_pb2_grpc.HealthStub(channel)
    for name in ("", "cardmesh.v1.CardService"):
        answer = await health.Check(health_pb2.HealthCheckRequest(service=name))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    await running.health.enter_graceful_shutdown()
    answer = await health.Check(health_pb2.HealthCheckRequest(service="cardmesh.v1.CardService"))
    assert answer.status == health_pb2.HealthCheckResponse.NOT_SERVING


async def test_stop_reports_not_serving_at_once_to_a_watch_opened_before(service):
    running, channel = service
    health = health_pb2_grpc.HealthStub(channel)
    watch = health.Watch(health_pb2.HealthCheckRequest(service="cardmesh.v1.CardService"))
    first = await asyncio.wait_for(watch.read(), 30)
    assert first.status == health_pb2.HealthCheckResponse.SERVING
    # The open watch keeps the server in its grace period; the status must change before.
    stopping = asyncio.create_task(running.stop(30))
    after = await asyncio.wait_for(watch.read(), 30)
    assert after.status == health_pb2.HealthCheckResponse.NOT_SERVING
    watch.cancel()
    await asyncio.wait_for(stopping, 30)


async def test_describe_and_get_cards(service):
    _, channel = service
    stub = pb_grpc.CardServiceStub(channel)
    described = await stub.Describe(pb.DescribeRequest())
    assert described.service_name == "lookup"
    assert [(c.key, c.default_ttl_seconds, c.scope) for c in described.cards] == [
        ("who", 300, pb.CARD_SCOPE_TENANT)]
    # Without an email (Plain sent null), the customer is found by external id.
    answer = await stub.GetCards(pb.GetCardsRequest(card_keys=["who", "who"],
                                                    customer=pb.Customer(id="c_1", external_id="cus_1")))
    assert [r.components.components[0].plain_text.plain_text for r in answer.results] == ["Ada", "Ada"]
    answer = await stub.GetCards(pb.GetCardsRequest(card_keys=["who"], customer=pb.Customer(
        id="c_1", email="ADA@example.com")))
    assert answer.results[0].WhichOneof("outcome") == "components"
    answer = await stub.GetCards(pb.GetCardsRequest(card_keys=["who"], customer=pb.Customer(id="c_2")))
    assert answer.results[0].WhichOneof("outcome") == "no_data"


async def test_a_request_without_customer_is_invalid_and_counted(service):
    running, channel = service
    stub = pb_grpc.CardServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.GetCards(pb.GetCardsRequest(card_keys=["who"]))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "customer is required" in error.value.details()
    await stub.GetCards(pb.GetCardsRequest(card_keys=["who", "made-up"], customer=pb.Customer(
        id="c_1", external_id="cus_1")))
    url = f"http://127.0.0.1:{running.metrics_port}/metrics"
    text = (await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())).decode()
    assert 'cardmesh_kit_requests_total{code="invalid_argument",method="GetCards"} 1.0' in text
    assert 'cardmesh_kit_requests_total{code="ok",method="GetCards"} 1.0' in text
    assert 'cardmesh_kit_cards_total{card="who",outcome="components"} 1.0' in text
    assert 'cardmesh_kit_cards_total{card="other",outcome="no_data"} 1.0' in text
    assert "cardmesh_kit_get_cards_duration_seconds_count 1.0" in text


def test_addresses_are_checked_naming_the_variable():
    assert parse_address(None, "V", "0.0.0.0:50051") == ("0.0.0.0", 50051)
    assert parse_address(" [::1]:7 ", "V", None) == ("::1", 7)
    assert parse_address("", "V", None) is None
    with pytest.raises(ValueError, match="V='localhost' is not an address"):
        parse_address("localhost", "V", None)


async def test_duplicate_keys_refuse_to_start():
    class Twice(Lookup):
        def cards(self):
            return [CardSpec("a", "A"), CardSpec("a", "B")]

    with pytest.raises(ValueError, match="declared twice"):
        await start(Twice())
