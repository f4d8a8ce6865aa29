"""A verify run's offers index is the same whether a block's offers are taken at once or one
by one: the most recently offered keys (at most INDEX_LIMIT), each with its latest Supplier,
in the order they were last offered."""

from __future__ import annotations

import random
from collections import OrderedDict

import pytest

from certcheck.audit import pairing
from certcheck.audit.pairing import OFFER, WANT, BatchPairing, PackedOffers, offers_of
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


def _as_the_pipeline_leaves_them(blocks: list[BlockResult], packed: str) -> list[BlockResult]:
    """The same blocks with their offers as verify_block leaves them: one dict for a block
    of offers alone; packed, as a worker process sends it ("all"), or some ("some", as
    after the first block of a run with workers)."""
    rng = random.Random(len(blocks))
    compact = []
    for block in blocks:
        copy = BlockResult(text=block.text, pairing=list(block.pairing))
        offered = offers_of(copy.pairing)
        if offered is not None:
            pack = packed == "all" or (packed == "some" and rng.random() < 0.7)
            copy.offers = PackedOffers.pack(offered) if pack else offered
            copy.pairing = []
        compact.append(copy)
    return compact


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("wants", [False, True])
@pytest.mark.parametrize("compact", ["entries", "none", "all", "some"])
def test_offers_index_as_one_by_one(monkeypatch, seed: int, wants: bool, compact: str) -> None:
    """Keys repeat within and across blocks, and more are offered than the index holds;
    whether a block's offers come as entries, as one dict, packed or some of each, and
    however long they wait to be added to the index, the outcome is the same."""
    monkeypatch.setattr(pairing, "INDEX_LIMIT", 100)
    blocks = _blocks(seed, wants)
    fed = blocks if compact == "entries" else _as_the_pipeline_leaves_them(blocks, compact)
    if compact != "entries":
        assert any(b.offers for b in fed)
    batch = BatchPairing()
    released = list(batch.feed(fed))
    assert len(released) == len(blocks)
    assert list(batch.offers.items()) == list(_one_by_one(blocks).items())
    reference = list(BatchPairing().feed(_blocks(seed, wants)))
    assert [r.as_text() for r in released] == [r.as_text() for r in reference]


class _LookThroughAll(BatchPairing):
    """Finds a held block's waiting wants by looking through every one, as a reference."""

    def _waiting_in(self, result: BlockResult) -> dict:  # type: ignore[type-arg]
        return {
            key: [w for w in wants if w[0] is result]
            for key, wants in self.waiting.items()
            if any(w[0] is result for w in wants)
        }


def _wanting_blocks(seed: int) -> list[BlockResult]:
    rng = random.Random(seed)
    blocks = []
    for _ in range(60):
        count = rng.randint(0, 10)
        result = BlockResult(text="".join(f'{{"n":{i},"supplier":null}}\n' for i in range(count)))
        for index in range(count):
            key = (f"device-{rng.randint(0, 40)}", "digests")
            role = OFFER if rng.random() < 0.05 else WANT
            result.pairing.append((index, role, key, f"supplier-{rng.randint(0, 3)}"))
        blocks.append(result)
    return blocks


@pytest.mark.parametrize("seed", range(20))
def test_blocks_given_up_ask_the_store_for_their_own_wants(monkeypatch, seed: int) -> None:
    """More blocks wait than are held: each released oldest first, its unanswered wants
    asked of the store, with the same outcome as a look through every waiting want."""
    monkeypatch.setattr(pairing, "HOLD_LIMIT", 3)
    outcomes = []
    for kind in (BatchPairing, _LookThroughAll):
        asked: list[str] = []

        def lookup(pair_key: str, asked: list[str] = asked) -> str | None:
            asked.append(pair_key)
            return "stored" if hash(pair_key) % 2 else None

        released = list(kind(lookup).feed(_wanting_blocks(seed)))
        outcomes.append(([r.as_text() for r in released], sorted(asked)))
    assert outcomes[0] == outcomes[1]
    texts, asked = outcomes[0]
    assert asked and any('"supplier":"stored"' in text for text in texts)


def test_suppliers_set_in_a_block_reach_its_text_in_one_pass() -> None:
    lines = [f'{{"n":{i},"supplier":null,"findings":[{{"supplier":null}}]}}' for i in range(5)]
    result = BlockResult(utf8=("\n".join(lines) + "\n").encode())
    result.set_supplier(3, "Third")
    result.set_supplier(1, 'Fi"rst')
    assert not result.utf8  # the bytes as they came are no longer the records
    records = list(result.records())
    assert [r["supplier"] for r in records] == [None, 'Fi"rst', None, "Third", None]
    assert all(r["findings"] == [{"supplier": None}] for r in records)
    assert result.as_text() == result.as_text()
    result.set_supplier(0, "Zeroth")
    assert [r["supplier"] for r in result.records()][:2] == ["Zeroth", 'Fi"rst']


def test_packed_offers_waiting_for_the_index_stay_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A batch of requests alone never reads the index, but what waits to be added to it
    stays under LATER_BYTES however long the batch, and the index is the same."""
    monkeypatch.setattr(pairing, "INDEX_LIMIT", 50)
    monkeypatch.setattr(pairing, "LATER_BYTES", 2000)
    batch = BatchPairing()
    blocks = [
        BlockResult(offers=PackedOffers.pack({(f"device-{b}-{i}", "d"): "s" for i in range(7)}))
        for b in range(100)
    ]
    waiting = []
    for _ in batch.feed(blocks):
        waiting.append(batch._later_bytes)
    assert max(waiting) < pairing.LATER_BYTES and len(waiting) == 100
    assert max(waiting) > 1000  # they did wait
    offered = [(f"device-{b}-{i}", "d") for b in range(100) for i in range(7)]
    assert list(batch.offers) == offered[-pairing.INDEX_LIMIT :]
