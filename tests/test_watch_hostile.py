"""The watcher against hostile folders: symlinks out and back, failed waves and renames."""

from __future__ import annotations

import os

from cls_text.run import watch


def _write(p, text="id,answer\n1,hello\n"):
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_symlinks_out_of_and_back_into_the_folder_are_refused(tmp_path):
    incoming, outside = tmp_path / "incoming", tmp_path / "outside"
    _write(incoming / "2026-W1.csv")
    secret = _write(outside / "secret.csv")
    os.symlink(secret, incoming / "linked.csv")
    os.symlink(outside, incoming / "linked-folder")
    os.symlink(incoming, incoming / "loop")
    _write(incoming / "2026-W2" / "a.csv")
    os.symlink(secret, incoming / "2026-W2" / "b.csv")
    refused: list[str] = []
    items = watch.scan(incoming, refused=refused)
    assert [p.name for p in items] == ["2026-W1.csv"]
    assert len(refused) == 4
    assert all("symlink" in line and "never follows" in line for line in refused)
    assert any("'linked.csv'" in line for line in refused)
    ready = watch.find_stable(incoming, settle_seconds=0, sleep=lambda s: None, refused=[])
    assert [i.path.name for i in ready] == ["2026-W1.csv"]


def test_symlinked_file_inside_a_folder_is_never_read(tmp_path):
    folder = tmp_path / "w"
    _write(folder / "a.csv")
    os.symlink(_write(tmp_path / "x.csv", "id,answer\n9,outside\n"), folder / "b.csv")
    assert watch._survey_files(folder) == [folder / "a.csv"]


def test_failed_wave_is_retried_after_rename_and_publishes_nothing(tmp_path):
    incoming, out_root, state = tmp_path / "in", tmp_path / "out", tmp_path / "state"
    bad = _write(incoming / "2026-W1.csv")
    calls: list[str] = []

    def run(item):
        calls.append(item.path.name)
        out = out_root / item.wave
        out.mkdir(parents=True, exist_ok=True)
        (out / "manifest.json").write_text("{}")  # published, then the run fails
        if item.path.name == "2026-W1.csv":
            raise RuntimeError("store update failed")
        return str(out)

    def out_dir_of(item):
        return out_root / item.wave

    items = list(watch.scan(incoming).values())
    first = watch.process_ready(items, run, state_dir=state, out_dir_of=out_dir_of)
    assert [o.action for o in first] == ["failed"]
    assert not (out_root / "2026-W1").exists()  # nothing published
    again = watch.process_ready(items, run, state_dir=state, out_dir_of=out_dir_of)
    assert [o.action for o in again] == ["skipped-seen"]  # same name: not retried each pass
    fixed = bad.rename(incoming / "2026-W1b.csv")
    items = list(watch.scan(incoming).values())
    third = watch.process_ready(items, run, state_dir=state, out_dir_of=out_dir_of)
    assert [o.action for o in third] == ["ran"] and fixed.exists()
    assert calls == ["2026-W1.csv", "2026-W1b.csv"]
    assert (out_root / "2026-W1b" / "manifest.json").exists()


def test_failed_rerun_restores_previous_outputs(tmp_path):
    out = tmp_path / "out" / "W1"
    _write(out / "tagged.csv", "old outputs\n")

    def publish_then_fail():
        new = tmp_path / "out" / ".staging"
        _write(new / "tagged.csv", "half-baked\n")
        os.replace(out, tmp_path / "out" / ".gone")
        os.replace(new, out)
        raise RuntimeError("boom")

    try:
        with watch.keep_outputs_on_failure(out):
            publish_then_fail()
    except RuntimeError:
        pass
    assert (out / "tagged.csv").read_text() == "old outputs\n"
    assert not any(p.name.startswith(".W1.before") for p in out.parent.iterdir())
