"""Raw store: content-addressed, compressed, atomic, with a sidecar of fetch metadata."""

from __future__ import annotations

import gzip
import hashlib
import os

import pytest

from pipeline.documents.raw_store import RawStore, RawStoreError, content_address, write_atomic

PAGE = b"<html><body><p>Security guarantees for Ukraine</p></body></html>" * 20


def test_put_then_get_returns_the_same_bytes(tmp_path):
    store = RawStore(tmp_path)
    ref = store.put(PAGE, {"url": "https://example.org/a", "headers": {"etag": '"x"'}})
    assert ref == "sha256:" + hashlib.sha256(PAGE).hexdigest()
    assert ref == content_address(PAGE)
    assert store.exists(ref)
    assert store.get(ref) == PAGE


def test_bytes_are_stored_compressed_under_their_hash(tmp_path):
    store = RawStore(tmp_path)
    ref = store.put(PAGE)
    blob = store.blob_path(ref)
    assert blob.parent.name == ref[7:9]
    assert blob.stat().st_size < len(PAGE)
    assert gzip.decompress(blob.read_bytes()) == PAGE


def test_sidecar_keeps_url_headers_and_time(tmp_path):
    store = RawStore(tmp_path)
    meta = {"url": "https://example.org/a", "headers": {"content-type": "text/html"},
            "fetched_at": "2026-01-01T00:00:00+00:00"}  # fmt: skip
    ref = store.put(PAGE, meta)
    sidecar = store.meta(ref)
    assert sidecar["url"] == "https://example.org/a"
    assert sidecar["headers"] == {"content-type": "text/html"}
    assert sidecar["fetched_at"] == "2026-01-01T00:00:00+00:00"
    assert sidecar["size"] == len(PAGE)


def test_putting_the_same_bytes_twice_keeps_one_copy_and_the_first_sidecar(tmp_path):
    store = RawStore(tmp_path)
    first = store.put(PAGE, {"url": "https://a.example/"})
    second = store.put(PAGE, {"url": "https://b.example/"})
    assert first == second
    assert store.meta(first)["url"] == "https://a.example/"
    assert len(list(tmp_path.rglob("*.gz"))) == 1


def test_empty_body_round_trips(tmp_path):
    store = RawStore(tmp_path)
    assert store.get(store.put(b"")) == b""


def test_missing_ref_raises(tmp_path):
    store = RawStore(tmp_path)
    ref = content_address(b"never stored")
    assert not store.exists(ref)
    assert store.meta(ref) == {}
    with pytest.raises(RawStoreError, match="not in"):
        store.get(ref)


def test_corrupt_blob_is_detected(tmp_path):
    store = RawStore(tmp_path)
    ref = store.put(PAGE)
    store.blob_path(ref).write_bytes(gzip.compress(b"something else"))
    with pytest.raises(RawStoreError, match="does not match"):
        store.get(ref)
    store.blob_path(ref).write_bytes(b"not gzip at all")
    with pytest.raises(RawStoreError, match="unreadable"):
        store.get(ref)


def test_malformed_ref_is_refused(tmp_path):
    with pytest.raises(RawStoreError, match="not a raw-store ref"):
        RawStore(tmp_path).get("../../etc/passwd")


def test_no_temporary_files_are_left_behind(tmp_path):
    store = RawStore(tmp_path)
    for n in range(5):
        store.put(PAGE + bytes([n]), {"n": n})
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix not in {".gz", ".json"}]
    assert leftovers == []


def test_failed_write_keeps_the_old_file_and_removes_the_temp(tmp_path, monkeypatch):
    target = tmp_path / "file.bin"
    write_atomic(target, b"old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]
