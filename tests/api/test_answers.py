"""Kept answers: served while the key (with the index's head) is the same, the least recently used
dropped past the byte bound, nothing larger than the bound kept."""

from __future__ import annotations

from rwakit.api.answers import Answers


def test_kept_answers_are_bounded_and_keyed_on_the_head() -> None:
    answers = Answers(max_bytes=10)
    answers.put(("cap-table", "HVT", 5, "0xaa"), b"12345")
    assert answers.get(("cap-table", "HVT", 5, "0xaa")) == b"12345"
    assert answers.get(("cap-table", "HVT", 6, "0xbb")) is None  # the index moved: another key
    answers.put(("cap-table", "PRIF", 5, "0xaa"), b"abcde")
    answers.get(("cap-table", "HVT", 5, "0xaa"))  # HVT used last: PRIF goes first
    answers.put(("cap-table", "X", 5, "0xaa"), b"z")
    assert answers.get(("cap-table", "PRIF", 5, "0xaa")) is None
    assert answers.get(("cap-table", "HVT", 5, "0xaa")) == b"12345" and answers.get(("cap-table", "X", 5, "0xaa"))
    answers.put("huge", b"x" * 11)  # larger than the bound: never kept, nothing dropped for it
    assert answers.get("huge") is None and answers.get(("cap-table", "X", 5, "0xaa")) == b"z"
    answers.put(("cap-table", "X", 5, "0xaa"), b"other")  # the same key: the first answer stays
    assert answers.get(("cap-table", "X", 5, "0xaa")) == b"z"
    answers.clear()
    assert answers.get(("cap-table", "HVT", 5, "0xaa")) is None
