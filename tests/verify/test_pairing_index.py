"""A verify run's offers index is the same whether a block's offers are taken at once or one
by one: the most recently offered keys (at most INDEX_LIMIT), each with its latest Supplier,
in the order they were last offered."""

from __future__ import annotations

import random
from collections import OrderedDict

import pytest

from certcheck.audit import pairing
from certcheck.audit.pairing import OFFER, WANT, BatchPairing
from certcheck.audit.pipeline import BlockResult


def _one_by_one(blocks: list[BlockResult]) -> OrderedDict:  # type: ignore[type-arg]
    offers: OrderedDict = OrderedDict()  # type: ignore[type-arg]
    for block in blocks:
        for _, role, key, supplier in block.pairing:
            if role == OFFER:
                offers[key] = supplier
                offers.move_to_end(key)
                if len(offers) > pairing.INDEX_LIMIT:
                    offers.popitem(last=False)
    return offers


def _blocks(seed: int, wants: bool) -> list[BlockResult]:
    rng = random.Random(seed)
    blocks = []
    for _ in range(40):
        count = rng.randint(0, 12)
        result = BlockResult(text='{"supplier":null}\n' * count)
        for index in range(count):
            key = (f"device-{rng.randint(0, 300)}", "digests")
            role = WANT if wants and rng.random() < 0.01 else OFFER
            result.pairing.append((index, role, key, f"supplier-{rng.randint(0, 3)}"))
        blocks.append(result)
    return blocks


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("wants", [False, True])
def test_offers_index_as_one_by_one(monkeypatch, seed: int, wants: bool) -> None:
    """Keys repeat within and across blocks, and more are offered than the index holds."""
    monkeypatch.setattr(pairing, "INDEX_LIMIT", 100)
    blocks = _blocks(seed, wants)
    batch = BatchPairing()
    assert len(list(batch.feed(blocks))) == len(blocks)
    assert list(batch.offers.items()) == list(_one_by_one(blocks).items())
