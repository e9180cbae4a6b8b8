"""A kit service in this process, behind the real gateway binary over real gRPC: what the
gateway answers Plain."""

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from cardmesh_kit import Card, CardProvider, CardSpec, Customer, Scope, start
from cardmesh_kit.build import (
    BadgeColor,
    TextSize,
    badge,
    container,
    date_time,
    divider,
    row,
    text,
    user,
    workflow_button,
)
from cardmesh_kit.logs import JsonFormatter
from cardmesh_kit.testing import Gateway, wait_until

ADA = {"id": "c_ada", "email": "ada@example.com", "externalId": "cus_1"}


class Sample(CardProvider):
    name = "sample"

    def __init__(self):
        self.calls = 0

    def cards(self):
        return [CardSpec("plan", "Plan", ttl=timedelta(minutes=10)),
                CardSpec("nothing", "Nothing", scope=Scope.THREAD),
                CardSpec("too-long", "Too long"), CardSpec("raises", "Raises")]

    async def card(self, key, ctx):
        self.calls += 1
        if key == "plan":
            return Card([container([row([text("Plan", size=TextSize.S)],
                                        [badge(ctx.customer.external_id, color=BadgeColor.BLUE)])]),
                         divider()]).with_ttl(timedelta(seconds=60))
        if key == "too-long":
            return Card([text("x" * 10_001)])
        if key == "raises":
            raise ConnectionError("backend down")
        return Card.no_data()


class Everything(CardProvider):
    """A card with the components added last to the proto: DateTime and User."""

    name = "everything"

    def cards(self):
        return [CardSpec("when-and-who", "When and who")]

    async def card(self, key, ctx):
        at = datetime(2026, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=1)))
        return Card([date_time(at), user(user_id="u_1"),
                     container([row([date_time(at)], [user(email_address="agent@example.com")]),
                                user(machine_user_id="mu_1")]),
                     workflow_button("Escalate", workflow_key="escalate")])


class Batched(Sample):
    """Answers every key in one backend round trip."""

    def __init__(self):
        super().__init__()
        self.batches = []

    async def get_cards(self, keys, ctx):
        self.batches.append(list(keys))
        return {key: Card([text(f"{key} for {ctx.customer.id}")]) for key in keys}


@pytest.fixture
async def behind_gateway():
    started = []

    async def run(provider, **env):
        service = await start(provider)
        gateway = Gateway([f"http://127.0.0.1:{service.port}"], env)
        started.append((service, gateway))
        await asyncio.to_thread(gateway.wait_ready)
        return service, gateway

    yield run
    for service, gateway in started:
        gateway.close()
        await service.stop(0)


def fallback(card):
    return card["timeToLiveSeconds"] == 30 and "temporarily unavailable" in card["components"][0][
        "componentText"]["text"]


async def test_the_gateway_answers_the_builders_json(behind_gateway):
    provider = Sample()
    _, gateway = await behind_gateway(provider)
    status, body = await asyncio.to_thread(gateway.cards, ["plan", "nothing", "unknown"], ADA)
    assert status == 200, body
    expected = Card([container([row([text("Plan", size=TextSize.S)],
                                    [badge("cus_1", color=BadgeColor.BLUE)])]), divider()])
    assert body["cards"] == [
        {"key": "plan", "timeToLiveSeconds": 60, "components": expected.to_plain()},
        {"key": "nothing", "timeToLiveSeconds": 300, "components": None},
        {"key": "unknown", "components": None},
    ]


async def test_a_card_that_breaks_plains_rules_never_leaves(behind_gateway, caplog):
    _, gateway = await behind_gateway(Sample())
    status, body = await asyncio.to_thread(gateway.cards, ["too-long", "raises", "plan"], ADA)
    assert status == 200, body
    too_long, raises, plan = body["cards"]
    assert fallback(too_long) and fallback(raises), body
    assert plan["components"][1] == {"componentDivider": {}}
    logged = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert "components[0].componentText.text: maxChars" in logged
    assert "ConnectionError" in logged and '"customer_id": "c_ada"' in logged
    assert "ada@example.com" not in logged
    wait_until(lambda: "breaks Plain's rules" in gateway.output(), "the gateway to log the reason")


async def test_a_batched_provider_gets_all_keys_in_one_call(behind_gateway):
    provider = Batched()
    _, gateway = await behind_gateway(provider)
    status, body = await asyncio.to_thread(gateway.cards, ["plan", "too-long", "plan"], ADA)
    assert status == 200, body
    assert [card["components"] for card in body["cards"]] == [
        [{"componentText": {"text": "plan for c_ada"}}], [{"componentText": {"text": "too-long for c_ada"}}]]
    assert provider.batches == [["plan", "too-long"]]


async def test_a_stopped_service_gives_stale_then_fallback_cards(behind_gateway):
    service, gateway = await behind_gateway(Sample(), CARDMESH_CACHE_MAX_TTL="1s")
    status, fresh = await asyncio.to_thread(gateway.cards, ["plan"], ADA)
    assert status == 200 and fresh["cards"][0]["timeToLiveSeconds"] == 60
    await service.stop(0)

    def stale():
        status, body = gateway.cards(["plan"], ADA)
        card = body["cards"][0] if status == 200 else {}
        return card.get("timeToLiveSeconds") == 30 and card["components"] == fresh["cards"][0]["components"]

    await asyncio.to_thread(wait_until, stale, "the stale copy once the fresh one expired")
    assert "serving stale card" in gateway.output()
    grace = {"id": "c_grace", "email": "grace@example.com", "externalId": "cus_2"}
    status, body = await asyncio.to_thread(gateway.cards, ["plan"], grace)
    assert status == 503, body
    assert body["error"]["code"] == "services_unavailable"
    status, body = await asyncio.to_thread(gateway.cards, ["plan", "nothing"], ADA)
    assert status == 200 and fallback(body["cards"][1]), body


async def test_date_time_user_and_workflow_button_reach_plain(behind_gateway):
    _, gateway = await behind_gateway(Everything())
    status, body = await asyncio.to_thread(gateway.cards, ["when-and-who"], ADA)
    assert status == 200, body
    expected = await Everything().card("when-and-who", None)
    assert body["cards"][0]["components"] == expected.to_plain()
    assert body["cards"][0]["components"][0] == {
        "componentDateTime": {"dateTimeIso8601": "2026-03-01T09:30:00Z"}}


async def test_a_customer_without_email_reaches_the_provider_as_none(behind_gateway):
    seen = []

    class Records(Sample):
        async def card(self, key, ctx):
            seen.append(ctx.customer)
            return await super().card(key, ctx)

    _, gateway = await behind_gateway(Records())
    status, body = await asyncio.to_thread(gateway.cards, ["plan"], {"id": "c_x", "email": None,
                                                                     "externalId": "cus_9"})
    assert status == 200, body
    assert body["cards"][0]["components"][0]["componentContainer"]["containerContent"][0][
        "componentRow"]["rowAsideContent"][0]["componentBadge"]["badgeLabel"] == "cus_9"
    assert seen == [Customer("c_x", None, "cus_9")]
