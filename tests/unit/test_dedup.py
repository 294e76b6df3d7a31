"""Deduplication: exact and near copies, first copy wins, persistence and rebuild."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.documents.dedup import (
    EXACT,
    NEAR,
    DedupParams,
    NearDuplicateIndex,
    deduplicate,
    shingles,
)
from pipeline.documents.extract import content_hash, document_event
from pipeline.documents.model import Document, document_id
from pipeline.events import DUPLICATE_DETECTED

WIRE = [
    "Russia will not accept the deployment of troops from NATO countries on Ukrainian soil "
    "under any peace settlement, the foreign minister said on Friday, dismissing a plan by "
    "a group of European states to station a reassurance force in Ukraine.",
    "Any foreign military contingent in Ukraine, whatever flag it flies and whatever name "
    "it is given, is unacceptable to us, the minister told a news conference after talks "
    "with a counterpart from Central Asia.",
    "The Kremlin echoed the message, saying that security guarantees for Ukraine could only "
    "be discussed together with guarantees for Russia and its legitimate interests.",
    "About thirty countries, led by Britain and France, have been working on plans for a "
    "multinational force that would help regenerate the Ukrainian armed forces and deter "
    "a renewed offensive once the fighting stops.",
    "Kyiv rejected the idea that Moscow could decide which partners help Ukraine defend "
    "itself, saying the aggressor cannot choose the guarantees of its victim.",
    "European diplomats said the Russian position was expected and would not change the "
    "planning, and that the question of consent would be addressed in ceasefire talks.",
    "The United States has said it will support the European effort but has not committed "
    "ground forces, and its role in a backstop remains under discussion.",
]
OTHER = [
    "Italy proposed a mutual-defence clause modelled on the alliance's Article 5 that would "
    "commit partners to come to Ukraine's aid if it is attacked again, without membership.",
    "The prime minister said the idea would make peace last without opening the question of "
    "membership, and presented it as more acceptable to Washington than troops.",
    "The alliance's secretary general said the idea deserved study but that the guarantee "
    "could not be extended to a non-member, and that any offer must be credible.",
    "Legal experts said such a clause would need ratification by national parliaments to be "
    "binding, and that its value would depend on what countries would actually do.",
    "Moscow dismissed the plan, saying any arrangement bringing such obligations to its "
    "borders would be unacceptable, whatever it was called.",
]


def make_doc(paragraphs: list[str], url: str, *, header: str = "", footer: str = "") -> Document:
    text = "\n\n".join(p for p in [header, *paragraphs, footer] if p)
    return Document(
        doc_id=document_id(text),
        source="test",
        url=url,
        title=paragraphs[0][:40],
        text=text,
        raw_text=text,
        published=date(2025, 9, 5),
    )


def syndicated_copy(url: str) -> Document:
    """The wire story as a second outlet runs it: own header/footer, a few words edited."""
    edited = list(WIRE)
    edited[0] = edited[0].replace("the foreign minister", "Russia's top diplomat")
    edited[1] = edited[1].replace("told a news conference", "told reporters")
    edited[3] = edited[3].replace("About thirty", "Some 30").replace("renewed", "new")
    return make_doc(
        edited,
        url,
        header="Moscow rules out Western troops in Ukraine under any peace deal",
        footer="Additional reporting by Ledger staff. Sign up for our morning newsletter.",
    )


@pytest.fixture
def original() -> Document:
    return make_doc(
        WIRE, "https://courier.example/wire", header="Russia rejects any troop presence"
    )


def test_syndicated_copy_is_a_near_duplicate_of_the_original(original):
    index = NearDuplicateIndex()
    copy = syndicated_copy("https://ledger.example/wire")
    unique, events = deduplicate([original, copy], index, producer="dedup/test")
    assert unique == [original]
    [event] = events
    assert event.event_type == DUPLICATE_DETECTED
    assert event.stream == f"document:{original.doc_id}"
    assert event.payload["doc_id"] == copy.doc_id
    assert event.payload["canonical_doc_id"] == original.doc_id
    assert event.payload["url"] == copy.url
    assert event.payload["method"] == NEAR
    assert 0.6 <= event.payload["similarity"] < 1.0


def test_distinct_articles_on_the_same_topic_are_both_kept(original):
    other = make_doc(OTHER, "https://ledger.example/meloni")
    unique, events = deduplicate([original, other], NearDuplicateIndex())
    assert unique == [original, other]
    assert events == []


def test_exact_copy_at_another_url_is_an_exact_duplicate(original):
    index = NearDuplicateIndex()
    deduplicate([original], index)
    copy = make_doc(WIRE, "https://mirror.example/wire", header="Russia rejects any troop presence")
    unique, [event] = deduplicate([copy], index)
    assert unique == []
    assert event.payload["method"] == EXACT
    assert event.payload["similarity"] == 1.0
    assert event.payload["canonical_doc_id"] == original.doc_id
    assert event.payload["canonical_url"] == original.url


def test_first_copy_in_a_batch_wins(original):
    copy = syndicated_copy("https://ledger.example/wire")
    unique, [event] = deduplicate([copy, original], NearDuplicateIndex())
    assert unique == [copy]
    assert event.payload["canonical_doc_id"] == copy.doc_id


def test_the_same_page_twice_in_a_batch_is_kept_once(original):
    unique, events = deduplicate([original, original], NearDuplicateIndex())
    assert unique == [original]
    assert events == []


def test_a_page_seen_in_an_earlier_run_passes_through_again(original):
    index = NearDuplicateIndex()
    deduplicate([original], index)
    unique, events = deduplicate([original], index)
    assert unique == [original]
    assert events == []
    assert len(index) == 1


def test_known_hashes_from_the_store_count_as_exact_duplicates(original):
    known = {content_hash(original.text): "https://elsewhere.example/a"}
    unique, [event] = deduplicate([original], NearDuplicateIndex(), known)
    assert unique == []
    assert event.payload["method"] == EXACT
    assert event.payload["canonical_url"] == "https://elsewhere.example/a"


def test_duplicate_events_are_deterministic(original):
    copy = syndicated_copy("https://ledger.example/wire")
    _, first = deduplicate([original, copy], NearDuplicateIndex())
    _, again = deduplicate([original, copy], NearDuplicateIndex())
    assert [e.event_id for e in first] == [e.event_id for e in again]


def test_empty_batch_changes_nothing():
    index = NearDuplicateIndex()
    assert deduplicate([], index) == ([], [])
    assert len(index) == 0


def test_shingles_of_short_and_empty_texts():
    assert shingles("") == set()
    assert shingles("one two three") == {b"one two three"}
    assert len(shingles("a b c d e f g", 5)) == 3


def test_index_survives_a_save_and_load(tmp_path, original):
    path = tmp_path / "dedup.npz"
    index = NearDuplicateIndex()
    other = make_doc(OTHER, "https://ledger.example/meloni")
    deduplicate([original, other], index)
    index.save(path)
    loaded = NearDuplicateIndex.load(path)
    assert len(loaded) == 2
    assert original.doc_id in loaded
    assert loaded.url_of(other.doc_id) == other.url
    unique, [event] = deduplicate([syndicated_copy("https://ledger.example/wire")], loaded)
    assert unique == []
    assert event.payload["canonical_doc_id"] == original.doc_id


def test_save_leaves_no_temporary_files(tmp_path, original):
    index = NearDuplicateIndex()
    deduplicate([original], index)
    index.save(tmp_path / "dedup.npz")
    index.save(tmp_path / "dedup.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["dedup.npz"]


def test_missing_index_is_rebuilt_from_ingested_events(tmp_path, original):
    path = tmp_path / "dedup.npz"
    events = [document_event(original, "documents/test")]
    index = NearDuplicateIndex.load_or_rebuild(path, lambda: events)
    assert original.doc_id in index
    assert path.exists()  # saved after the rebuild
    unique, [dup] = deduplicate([syndicated_copy("https://ledger.example/wire")], index)
    assert dup.payload["canonical_doc_id"] == original.doc_id


def test_corrupt_index_is_rebuilt(tmp_path, original):
    path = tmp_path / "dedup.npz"
    path.write_bytes(b"not an npz file")
    index = NearDuplicateIndex.load_or_rebuild(path, [original])
    assert len(index) == 1
    assert len(NearDuplicateIndex.load(path)) == 1


def test_index_built_with_other_parameters_is_rebuilt(tmp_path, original):
    path = tmp_path / "dedup.npz"
    old = NearDuplicateIndex(DedupParams(num_perm=64))
    old.add("doc_stale", "some stale text that is not in the log any more")
    old.save(path)
    index = NearDuplicateIndex.load_or_rebuild(path, [original])
    assert list(index._doc_ids) == [original.doc_id]


def test_valid_index_is_loaded_without_reading_the_events(tmp_path, original):
    path = tmp_path / "dedup.npz"
    NearDuplicateIndex.rebuild([original]).save(path)

    def events():
        raise AssertionError("events must not be read when the index loads")

    assert len(NearDuplicateIndex.load_or_rebuild(path, events)) == 1


def test_rebuild_ignores_other_event_types(original):
    from pipeline.events import new_event

    other = new_event(DUPLICATE_DETECTED, "document:x", date(2025, 1, 1), {"doc_id": "x"}, "a/1")
    index = NearDuplicateIndex.rebuild([other, document_event(original, "documents/test")])
    assert len(index) == 1


def variants(count: int, seed: int = 3) -> list[str]:
    """Texts from the wire story with 0-15% of words replaced: a spread of similarities."""
    import random

    rng = random.Random(seed)
    words = " ".join(WIRE + OTHER).split()
    texts = []
    for n in range(count):
        rate = 0.15 * n / count
        texts.append(" ".join(rng.choice(words) if rng.random() < rate else w for w in words))
    return texts


@pytest.mark.parametrize("tail", [4096, 3])  # 3: rows spread over several sorted runs
def test_band_candidates_match_datasketch_minhash_lsh(tail, monkeypatch):
    from datasketch import MinHashLSH

    from pipeline.documents import dedup

    monkeypatch.setattr(dedup._Bands, "_TAIL", tail)
    index = NearDuplicateIndex()
    lsh = MinHashLSH(threshold=index.params.threshold, num_perm=index.params.num_perm)
    texts = variants(40)
    sketches = [index.sketch(t) for t in texts]
    for n, sketch in enumerate(sketches[::2]):
        index.add(f"doc{n}", texts[2 * n], minhash=sketch)
        lsh.insert(n, sketch)
    for sketch in sketches[1::2]:
        ours = index._bands.candidates(index._bands.hashes(sketch.hashvalues)[0])
        assert ours == set(lsh.query(sketch))


def test_candidates_survive_merging_the_tail_and_reloading(tmp_path, monkeypatch, original):
    from pipeline.documents import dedup

    monkeypatch.setattr(dedup._Bands, "_TAIL", 3)
    index = NearDuplicateIndex()
    texts = variants(10, seed=9)
    for n, text in enumerate(texts[:5]):
        index.add(f"doc_early_{n}", text[::-1])  # unrelated text
    index.add(original.doc_id, original.text, url=original.url)
    for n, text in enumerate(texts[5:]):
        index.add(f"doc_late_{n}", text[::-1])
    copy = syndicated_copy("https://ledger.example/wire")
    assert index.near(index.sketch(copy.text)).doc_id == original.doc_id
    index.save(tmp_path / "dedup.npz")
    loaded = NearDuplicateIndex.load(tmp_path / "dedup.npz")
    assert loaded.near(loaded.sketch(copy.text)).doc_id == original.doc_id
    loaded.add("doc_after_load", "a brand new text about something else entirely " * 5)
    assert len(loaded) == 12
