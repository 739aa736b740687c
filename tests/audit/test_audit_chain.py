"""The audit log's hash chain, without Odoo: serialization, sealing and verification."""

import json

import pytest
from kashoo_logic import audit_chain as chain


def _content(number, **overrides):
    content = {
        "company_id": 1,
        "logged_at": f"2025-01-0{number % 9 + 1} 10:00:00.000000",
        "user_id": 2,
        "backend_id": 3,
        "action": "config",
        "res_model": "kashoo.backend",
        "res_id": 3,
        "res_name": "Kashoo",
        "before_values": chain.canonical_json({"name": f"old {number}"}),
        "after_values": chain.canonical_json({"name": f"new {number}"}),
    }
    content.update(overrides)
    return content


def _chain(count, last_sequence=0, last_hash=chain.GENESIS_HASH, contents=None):
    contents = contents or [_content(number) for number in range(count)]
    entries = []
    for entry_id, (content, (sequence, previous, digest)) in enumerate(
        zip(contents, chain.seal(contents, last_sequence, last_hash), strict=True), start=1
    ):
        entries.append(
            {
                **content,
                "id": entry_id,
                "sequence": sequence,
                "previous_hash": previous,
                "hash": digest,
            }
        )
    return entries


def test_the_serialization_is_canonical():
    content = {**_content(1), "sequence": 1, "previous_hash": chain.GENESIS_HASH}
    reordered = dict(reversed(list(content.items())))
    assert chain.canonical(content) == chain.canonical(reordered)
    assert chain.entry_hash(content) == chain.entry_hash(reordered)
    assert " " not in chain.canonical_json({"a": 1, "b": [1, 2]})
    assert chain.canonical_json({"é": "ü"}) == '{"é":"ü"}'


def test_every_content_key_is_hashed_and_nothing_else_is_accepted():
    content = {**_content(1), "sequence": 1, "previous_hash": chain.GENESIS_HASH}
    digest = chain.entry_hash(content)
    for key in chain.CONTENT_KEYS:
        changed = {**content, key: "x" if content[key] != "x" else "y"}
        assert chain.entry_hash(changed) != digest, key
    with pytest.raises(ValueError):
        chain.canonical({**content, "unhashed": 1})
    with pytest.raises(ValueError):
        chain.canonical({key: value for key, value in content.items() if key != "res_id"})
    with pytest.raises(TypeError):
        chain.canonical({**content, "res_id": 1.5})


def test_sealing_links_each_entry_to_the_previous_one():
    entries = _chain(3)
    assert [entry["sequence"] for entry in entries] == [1, 2, 3]
    assert entries[0]["previous_hash"] == chain.GENESIS_HASH
    assert entries[1]["previous_hash"] == entries[0]["hash"]
    assert entries[2]["previous_hash"] == entries[1]["hash"]
    report = chain.verify(entries, head_sequence=3, head_hash=entries[2]["hash"])
    assert report.ok
    assert (report.count, report.first_sequence, report.last_sequence) == (3, 1, 3)


def test_an_altered_entry_is_reported_by_its_sequence():
    entries = _chain(5)
    entries[2]["after_values"] = chain.canonical_json({"name": "forged"})
    report = chain.verify(entries)
    assert [(p.kind, p.sequence, p.entry_id) for p in report.problems] == [(chain.ALTERED, 3, 3)]


def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link():
    entries = _chain(5)
    entries[2]["after_values"] = chain.canonical_json({"name": "forged"})
    entries[2]["hash"] = chain.entry_hash({key: entries[2][key] for key in chain.CONTENT_KEYS})
    report = chain.verify(entries)
    assert [(p.kind, p.sequence) for p in report.problems] == [(chain.BROKEN_LINK, 4)]


def test_a_deleted_entry_leaves_a_gap():
    entries = _chain(5)
    del entries[1]
    report = chain.verify(entries)
    assert [(p.kind, p.sequence, p.missing_from, p.missing_to) for p in report.problems] == [
        (chain.GAP, 3, 2, 2)
    ]


def test_renumbered_entries_after_a_deletion_still_break_the_link():
    entries = _chain(4)
    del entries[1]
    entries[1]["sequence"] = 2  # no gap any more, but entry 3 was chained to entry 2
    entries[2]["sequence"] = 3
    kinds = {problem.kind for problem in chain.verify(entries).problems}
    assert chain.BROKEN_LINK in kinds or chain.ALTERED in kinds


def test_removing_the_oldest_entries_without_a_purge_is_reported():
    entries = _chain(4)[2:]
    report = chain.verify(entries)
    assert [(p.kind, p.missing_from, p.missing_to) for p in report.problems] == [
        (chain.BAD_START, 1, 2)
    ]


def test_removing_the_newest_entries_is_reported_against_the_head():
    entries = _chain(4)
    head_hash = entries[-1]["hash"]
    report = chain.verify(entries[:2], head_sequence=4, head_hash=head_hash)
    assert [(p.kind, p.missing_from, p.missing_to) for p in report.problems] == [
        (chain.TRUNCATED, 3, 4)
    ]


def test_a_purge_anchor_lets_the_chain_start_later():
    entries = _chain(4)
    removed = entries[:2]
    anchor = {
        chain.PURGED_THROUGH_SEQUENCE: removed[-1]["sequence"],
        chain.PURGED_THROUGH_HASH: removed[-1]["hash"],
    }
    purge = _content(
        9, action=chain.PURGE_ACTION, before_values="{}", after_values=json.dumps(anchor)
    )
    last = entries[-1]
    entries += _chain(1, last["sequence"], last["hash"], contents=[purge])
    kept = entries[2:]
    assert chain.verify(kept).ok
    # The same start with a forged anchor is refused.
    forged = json.dumps({**anchor, chain.PURGED_THROUGH_HASH: "f" * 64})
    kept[-1]["after_values"] = forged
    kinds = [problem.kind for problem in chain.verify(kept).problems]
    assert chain.BAD_START in kinds and chain.ALTERED in kinds


def test_an_empty_chain_is_fine_unless_its_head_says_otherwise():
    assert chain.verify([]).ok
    assert not chain.verify([], head_sequence=2, head_hash="a" * 64).ok
