"""The risk classifier is trained once and kept on disk as plain arrays (no pickle): a later process loads
it and reads messages exactly as the freshly trained one did; a damaged file is trained again."""

from __future__ import annotations

from bot.safety.classifier import cached_classifier

MESSAGES = ["i wana jump", "hello", "i feel empty and numb all the time", "waiting to start", ""]


def test_a_cached_classifier_reads_exactly_as_the_trained_one(tmp_path):
    trained, file, was_trained = cached_classifier(tmp_path)
    loaded, same_file, trained_again = cached_classifier(tmp_path)
    assert was_trained and not trained_again and file == same_file and file.suffix == ".npz"
    assert [trained.read(m) for m in MESSAGES] == [loaded.read(m) for m in MESSAGES]


def test_a_damaged_cache_file_is_trained_again(tmp_path):
    _, file, _ = cached_classifier(tmp_path)
    file.write_bytes(b"not a model")
    model, _, trained = cached_classifier(tmp_path)
    assert trained and model.read("hello").p_at_risk < 0.7
