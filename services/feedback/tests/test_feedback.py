"""The feedback service as a process, over real gRPC and behind the real gateway."""

import sys

import grpc
import pytest

from cardmesh.v1 import card_service_pb2 as pb
from cardmesh.v1 import card_service_pb2_grpc as pb_grpc
from cardmesh_kit.build import problems
from cardmesh_kit.testing import Gateway, ServiceProcess
from feedback_service.cards import draw_csat
from feedback_service.data import load_index

SERVICE = [sys.executable, "-m", "feedback_service"]
ADA = {"id": "c_ada", "email": "ada@example.com", "externalId": "cus_demo_1"}


@pytest.fixture
def service():
    process = ServiceProcess(SERVICE, name="feedback")
    yield process
    process.close()


def test_every_fixture_card_keeps_plains_rules():
    cards = [draw_csat(csat) for csat in load_index().records() if csat is not None]
    assert len(cards) == 2
    for card in cards:
        assert problems(card.components) == []


def test_csat_through_the_gateway(service):
    gateway = Gateway([service.endpoint]).wait_ready()
    try:
        status, body = gateway.cards(["csat-score"], ADA)
        assert status == 200, body
        card = body["cards"][0]
        assert card["key"] == "csat-score"
        content = card["components"][0]["componentContainer"]["containerContent"]
        assert content[0]["componentRow"]["rowAsideContent"] == [
            {"componentBadge": {"badgeLabel": "4.6 / 5", "badgeColor": "GREEN"}}]
        assert content[2]["componentRow"]["rowAsideContent"] == [
            {"componentDateTime": {"dateTimeIso8601": "2026-11-28T14:05:00Z"}}]
        # Found by email when the external id is unknown; no answers, or unknown: no data.
        status, body = gateway.cards(["csat-score"], {"id": "c_g", "email": "GRACE@example.com"})
        assert body["cards"][0]["components"][0]["componentContainer"]["containerContent"][0][
            "componentRow"]["rowAsideContent"][0]["componentBadge"]["badgeColor"] == "RED"
        unknown = [{"id": "c_l", "email": "linus@example.com"}, {"id": "c_n", "email": "n@example.com"}]
        for customer in unknown:
            status, body = gateway.cards(["csat-score"], customer)
            assert status == 200 and body["cards"][0]["components"] is None, body
    finally:
        gateway.close()
    assert "ada@example.com" not in service.output()


async def test_a_customer_without_email_is_found_by_external_id(service):
    async with grpc.aio.insecure_channel(f"127.0.0.1:{service.port}") as channel:
        answer = await pb_grpc.CardServiceStub(channel).GetCards(pb.GetCardsRequest(
            card_keys=["csat-score"], customer=pb.Customer(id="c_ada", external_id="cus_demo_1")))
    assert answer.results[0].WhichOneof("outcome") == "components"


def test_a_bad_fixture_stops_the_service_naming_the_record(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"customers": [{"externalId": "x", "csat": {"score": 9}}]}')
    with pytest.raises(RuntimeError, match=r"customers\[0\]\.csat"):
        ServiceProcess(SERVICE, {"CARDMESH_FIXTURES": str(bad)}, name="feedback-bad")
