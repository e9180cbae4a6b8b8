"""The provider's default batching, the request order, and who a card is drawn for."""

import asyncio
from datetime import timedelta

import pytest

from cardmesh.v1 import card_service_pb2 as pb
from cardmesh_kit import Card, CardContext, CardProvider, CardSpec, Customer, CustomerIndex
from cardmesh_kit.build import text
from cardmesh_kit.card import check_specs
from cardmesh_kit.context import MissingCustomerError, context_from_request
from cardmesh_kit.server import in_request_order


class Rendezvous(CardProvider):
    """Cards ``a`` and ``b`` each wait for the other: they finish only if drawn concurrently."""

    name = "rendezvous"

    def __init__(self):
        self.arrived = 0
        self.both = asyncio.Event()

    def cards(self):
        return [CardSpec("a", "A"), CardSpec("b", "B"), CardSpec("boom", "Boom")]

    async def card(self, key, ctx):
        if key == "boom":
            raise RuntimeError(f"backend said no for {ctx.customer.email}")
        self.arrived += 1
        if self.arrived == 2:
            self.both.set()
        await self.both.wait()
        return Card([text(key)])


CTX = CardContext(customer=Customer("c_1", "ada@example.com"))


async def test_draws_concurrently_and_answers_unknown_keys_with_no_data():
    answers = await asyncio.wait_for(Rendezvous().get_cards(["b", "nope", "a"], CTX), 5)
    assert answers == {"b": Card([text("b")]), "nope": Card.no_data(), "a": Card([text("a")])}


async def test_a_raising_card_becomes_an_error_without_the_email(caplog):
    answers = await asyncio.wait_for(Rendezvous().get_cards(["boom"], CTX), 5)
    assert answers["boom"].kind == "error"
    assert "RuntimeError" in answers["boom"].error_reason
    assert "ada@example.com" not in answers["boom"].error_reason
    assert "ada@example.com" not in caplog.text


def test_results_keep_request_order_and_fill_gaps():
    results = in_request_order(["b", "a", "missing", "b"], {"a": Card.no_data(), "b": Card.error("x"),
                                                             "extra": Card.no_data()})
    assert [r.key for r in results] == ["b", "a", "missing", "b"]
    assert [r.WhichOneof("outcome") for r in results] == ["error", "no_data", "error", "error"]
    assert results[2].error.reason == "the provider returned no answer for this key"


def test_context_from_request_treats_absent_and_empty_as_none():
    request = pb.GetCardsRequest(card_keys=["a"], workspace_id="w_1",
                                 customer=pb.Customer(id="c_1", external_id=""),
                                 thread=pb.Thread(id="th_1", external_id="ext"))
    ctx = context_from_request(request)
    assert ctx.customer == Customer("c_1", None, None)
    assert ctx.thread.external_id == "ext" and ctx.tenant is None and ctx.workspace_id == "w_1"
    with pytest.raises(MissingCustomerError):
        context_from_request(pb.GetCardsRequest(card_keys=["a"]))


def test_repr_redacts_the_email():
    shown = repr(Customer("c_1", "ada@example.com", "cus_1"))
    assert "c_1" in shown and "cus_1" in shown and "ada@example.com" not in shown
    assert "ada@example.com" not in repr(CardContext(customer=Customer("c_1", "ada@example.com")))


def test_index_finds_by_external_id_then_email():
    index = CustomerIndex()
    index.insert("cus_1", "Ada@Example.com", "ada")
    index.insert(None, "grace@example.com", "grace")
    index.insert("cus_3", None, "linus")
    assert index.find(Customer("c", "other@example.com", "cus_1")) == "ada"
    assert index.find(Customer("c", "ADA@example.COM", "cus_unknown")) == "ada"
    assert index.find(Customer("c", " grace@example.com ")) == "grace"
    assert index.find(Customer("c", None, "cus_3")) == "linus"
    assert index.find(Customer("c", None, None)) is None
    with pytest.raises(ValueError, match="cus_1"):
        index.insert("cus_1", None, "again")
    with pytest.raises(ValueError, match="record 1") as error:
        index.insert(None, "GRACE@example.com", "again")
    assert "grace" not in str(error.value)
    assert len(index) == 3


def test_spec_keys_are_checked():
    check_specs([CardSpec("a-b_1", "ok")])
    with pytest.raises(ValueError, match="does not match"):
        check_specs([CardSpec("a b", "space")])
    with pytest.raises(ValueError, match="twice"):
        check_specs([CardSpec("a", "1"), CardSpec("a", "2")])
    with pytest.raises(ValueError, match="outside the 15 to 31536000 seconds"):
        check_specs([CardSpec("a", "A", ttl=timedelta(seconds=5))])
