"""The hash chain of the audit log: canonical serialization, entry hashes, verification.

No ORM here. An entry is a flat mapping of the keys in :data:`CONTENT_KEYS`, each a string,
an integer, a boolean or ``None`` (the model turns dates into ISO strings and before/after
values into canonical JSON text before they get here, so what is hashed is exactly what is
stored). Each entry's hash covers its content and the previous entry's hash, so altering an
entry changes its hash, and deleting one breaks the link of the next one; sequence numbers
without holes make a deletion visible even where someone recomputed the hashes after it.

A retention purge removes the oldest entries and records, in a chained ``purge`` entry, the
sequence and hash of the last one it removed: the chain may then start right after that
anchor instead of at sequence 1.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: The "previous hash" of a chain's first entry.
GENESIS_HASH = "0" * 64

#: The hashed content of an entry, in no particular order (serialization sorts the keys).
CONTENT_KEYS = (
    "sequence",
    "company_id",
    "logged_at",
    "user_id",
    "backend_id",
    "action",
    "res_model",
    "res_id",
    "res_name",
    "before_values",
    "after_values",
    "previous_hash",
)

#: The action of the entry that records a retention purge, and its anchor's keys.
PURGE_ACTION = "purge"
PURGED_THROUGH_SEQUENCE = "purged_through_sequence"
PURGED_THROUGH_HASH = "purged_through_hash"

#: What verification can find.
ALTERED = "altered"  # the content no longer gives the stored hash
BROKEN_LINK = "broken_link"  # the previous-hash field is not the previous entry's hash
GAP = "gap"  # sequence numbers are missing: entries were deleted
BAD_START = "bad_start"  # the oldest entries were removed without a purge anchor
TRUNCATED = "truncated"  # the newest entries are gone: the chain ends before its head

_SCALARS = (str, int, bool, type(None))


def canonical_json(value):
    """One text for one value: sorted keys, no spaces, UTF-8, no NaN.

    Used both for the before/after values stored on an entry and for the entry itself.
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def canonical(content: Mapping) -> str:
    """The serialization an entry's hash is computed over.

    Every key of :data:`CONTENT_KEYS` must be present, and nothing else: a key added
    without being hashed would be an unprotected field. Floats are refused: their text form
    is not one per value across systems (store them inside the before/after JSON text).
    """
    keys = set(content)
    missing = set(CONTENT_KEYS) - keys
    extra = keys - set(CONTENT_KEYS)
    if missing or extra:
        raise ValueError(
            f"audit entry content keys: missing {sorted(missing)}, unexpected {sorted(extra)}"
        )
    for key in CONTENT_KEYS:
        if not isinstance(content[key], _SCALARS):
            raise TypeError(f"audit entry field {key!r}: {type(content[key]).__name__} value")
    return canonical_json({key: content[key] for key in CONTENT_KEYS})


def entry_hash(content: Mapping) -> str:
    """SHA-256 (hex) of the canonical content, which includes the previous hash."""
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()


def seal(entries: Iterable[Mapping], last_sequence: int, last_hash: str):
    """Chain ``entries`` (content without sequence and previous hash) after a chain head.

    :return: a list of ``(sequence, previous_hash, hash)`` tuples, one per entry, in order.
    """
    sealed = []
    for entry in entries:
        last_sequence += 1
        content = {**entry, "sequence": last_sequence, "previous_hash": last_hash}
        digest = entry_hash(content)
        sealed.append((last_sequence, last_hash, digest))
        last_hash = digest
    return sealed


@dataclass(frozen=True)
class Problem:
    """One defect of a chain: what, at which sequence number, and on which stored entry."""

    kind: str
    sequence: int
    entry_id: int | None = None
    # For a gap: the first sequence number that is missing and the last one.
    missing_from: int | None = None
    missing_to: int | None = None


@dataclass
class Report:
    """The result of :func:`verify` over one chain."""

    count: int = 0
    first_sequence: int | None = None
    last_sequence: int | None = None
    last_hash: str | None = None
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


def purge_anchor(content: Mapping):
    """``(sequence, hash)`` of the last entry a purge entry says it removed, else None."""
    if content.get("action") != PURGE_ACTION:
        return None
    try:
        after = json.loads(content.get("after_values") or "{}")
        sequence = after[PURGED_THROUGH_SEQUENCE]
        digest = after[PURGED_THROUGH_HASH]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(sequence, int) or not isinstance(digest, str):
        return None
    return sequence, digest


def verify(entries: Iterable[Mapping], head_sequence=None, head_hash=None) -> Report:
    """Walk one chain in sequence order and report every defect found.

    :param entries: mappings with the :data:`CONTENT_KEYS`, plus ``hash`` (the stored hash)
        and optionally ``id`` (the stored entry's id), ordered by sequence. Any iterable:
        a chain of millions of entries is read one by one.
    :param head_sequence: the sequence number the chain's head says was given last, if
        known: entries after the last one read were deleted when it is larger.
    :param head_hash: the hash the chain's head says was given last.
    """
    report = Report()
    previous = None
    first = None
    anchor = None
    for entry in entries:
        report.count += 1
        sequence = entry["sequence"]
        entry_id = entry.get("id")
        content = {key: entry[key] for key in CONTENT_KEYS}
        if entry_hash(content) != entry["hash"]:
            report.problems.append(Problem(ALTERED, sequence, entry_id))
        if previous is None:
            first = entry
        elif sequence != previous["sequence"] + 1:
            report.problems.append(
                Problem(
                    GAP,
                    sequence,
                    entry_id,
                    missing_from=previous["sequence"] + 1,
                    missing_to=sequence - 1,
                )
            )
        elif entry["previous_hash"] != previous["hash"]:
            report.problems.append(Problem(BROKEN_LINK, sequence, entry_id))
        anchor = purge_anchor(content) or anchor
        previous = entry
    if first is not None:
        report.first_sequence = first["sequence"]
        report.last_sequence = previous["sequence"]
        report.last_hash = previous["hash"]
        expected_start = (0, GENESIS_HASH) if anchor is None else anchor
        if (first["sequence"] - 1, first["previous_hash"]) != expected_start:
            report.problems.insert(
                0,
                Problem(
                    BAD_START,
                    first["sequence"],
                    first.get("id"),
                    missing_from=expected_start[0] + 1,
                    missing_to=first["sequence"] - 1,
                ),
            )
    if head_sequence:
        last = report.last_sequence or 0
        if last < head_sequence or (last == head_sequence and head_hash != report.last_hash):
            report.problems.append(
                Problem(TRUNCATED, head_sequence, missing_from=last + 1, missing_to=head_sequence)
            )
    return report
