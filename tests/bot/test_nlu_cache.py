"""The trained NLU model is kept on disk, keyed by what it was trained from, so starts do not retrain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.engine import nlu

EXAMPLES = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hiya
- intent: goodbye
  examples: |
    - bye
    - see you later
    - goodbye then
    - ta ra
- intent: inform
  examples: |
    - i'm [34](age)
    - my postcode is S1 2AB
    - i have anxiety
    - i live with psychosis
"""


@pytest.fixture
def examples_file(tmp_path: Path) -> Path:
    path = tmp_path / "nlu.yml"
    path.write_text(EXAMPLES, encoding="utf-8")
    return path


def test_a_cached_model_parses_exactly_like_the_one_just_trained(examples_file, tmp_path):
    cache = tmp_path / "cache"
    trained, file, was_trained = nlu.cached_model(examples_file, cache)
    loaded, same_file, retrained = nlu.cached_model(examples_file, cache)
    assert was_trained and not retrained and same_file == file
    assert [p.name for p in cache.iterdir()] == [file.name]  # no temporary file left behind
    for text in ["hello there", "bye for now", "i'm 27 and live in S10 2TN", "", "zzz"]:
        assert np.array_equal(trained.scores(text), loaded.scores(text))
        assert nlu.Interpreter(model=trained).parse(text) == nlu.Interpreter(model=loaded).parse(text)


def test_the_arrays_reproduce_scikit_learns_own_scores(examples_file):
    # Checked on the training texts every time a model is trained; here also on texts it never saw.
    examples = nlu.load_examples(examples_file)
    pipeline = nlu.build_pipeline().fit([t for t, _ in examples], [i for _, i in examples])
    model = nlu.IntentModel.from_pipeline(pipeline, [t for t, _ in examples])
    texts = ["Hello!!  how  are you", "my number is 07700 900123", "cheerio", "I’m 45, anxiety and psychosis", ""]
    assert np.allclose(pipeline.decision_function(texts), np.vstack([model.scores(t) for t in texts]))


def test_changed_examples_get_a_new_model(examples_file, tmp_path):
    cache = tmp_path / "cache"
    _, first, _ = nlu.cached_model(examples_file, cache)
    examples_file.write_text(EXAMPLES + "    - i have depression\n", encoding="utf-8")
    _, second, trained = nlu.cached_model(examples_file, cache)
    assert trained and second != first


def test_a_file_that_is_not_our_data_is_never_unpickled_but_replaced(examples_file, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    file = cache / f"intents-{nlu.model_key(examples_file)}.npz"
    np.savez(file, intents=np.array([object()], dtype=object))  # would need pickle to read
    model, path, trained = nlu.cached_model(examples_file, cache)
    assert trained and path == file and "greet" in model.intents
    assert nlu.IntentModel.load(file).intents == model.intents


def test_a_cache_that_cannot_be_written_still_gives_a_working_model(examples_file, tmp_path):
    cache = tmp_path / "a-file-not-a-directory"
    cache.write_text("")
    model, _, trained = nlu.cached_model(examples_file, cache)
    assert trained and nlu.Interpreter(model=model).parse("hello")["intent"]["name"] == "greet"


def test_loading_a_cached_model_does_not_import_scikit_learn(examples_file, tmp_path):
    cache = tmp_path / "cache"
    nlu.cached_model(examples_file, cache)
    code = ("import sys; from pathlib import Path; from bot.engine.nlu import cached_model, Interpreter; "
            f"model, _, trained = cached_model(Path({str(examples_file)!r}), Path({str(cache)!r})); "
            "assert not trained; assert Interpreter(model=model).parse('hi there')['intent']['name'] == 'greet'; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {'sklearn', 'scipy'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
