"""Items and GBCS signatures, filled in as drafts, are the frozen dataclasses they declare."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError, fields, replace

import pytest

from certcheck.audit.model import Item, ItemKind, SignatureInfo


def _item(**changes: object) -> Item:
    signature = SignatureInfo("90-B3-D5-1F-30-00-00-02", b"signed", bytes(64), "present")
    return Item(
        source="a.hex", kind=ItemKind.GBCS_COMMAND, counter=7, signature=signature, **changes
    )


def test_an_item_is_a_frozen_hashable_dataclass_with_its_defaults() -> None:
    item = _item()
    assert type(item) is Item and type(item.signature) is SignatureInfo
    assert item.details == {} and item.placements == () and item.inner is None
    assert [f.name for f in fields(item)][:3] == ["source", "kind", "digest"]
    with pytest.raises(FrozenInstanceError):
        item.source = "b.hex"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        item.signature.state = "null"  # type: ignore[misc, union-attr]
    assert item == _item() and item != _item(digest="x")
    assert replace(item, counter=8).counter == 8 and item.counter == 7


def test_an_item_copies_and_pickles_alike() -> None:
    item = _item(details={"recipient": "00-00-00-00-00-00-00-01"})
    for twin in (copy.copy(item), copy.deepcopy(item), pickle.loads(pickle.dumps(item))):
        assert type(twin) is Item and twin == item
    signature = item.signature
    assert signature is not None and hash(signature) == hash(pickle.loads(pickle.dumps(signature)))
