"""Synthetic survey exports with identifiers planted everywhere, and the leak search over outputs.

Identifiers are synthetic (Ofcom drama phone ranges, example.* e-mail domains, NHS numbers with a
valid check digit, the QQ specimen NI prefix) and names come from the held-out name lists of
make_pii_testset.py, which the redaction rules were never tuned on. Each planted identifier is
recorded with its type and where it was put:

- ``id``: the respondent id is an e-mail address;
- ``site``: the site column names a doctor ("Dr Mhairi Macleod Surgery") or holds a phone number;
- ``answer``: inside an answer, capitalised or in lower case;
- ``quarantine``: inside a row that is quarantined (too many fields);
- ``numeric``: a number the workbook stores as a number (NHS number, phone without its 0);
- ``formula``: inside a formula cell;
- ``long_answer``: at the end of an answer longer than 4,000 characters.

    python benchmarks/data/make_pii_exports.py OUT_DIR    # writes the exports for a look
"""

from __future__ import annotations

import html
import importlib.util
import os
import random
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
Q1, Q2 = "What worked well?", "What could be better?"
STRUCTURED = {"EMAIL", "PHONE", "NHS_NO", "NI_NO", "POSTCODE"}
FILLER = "The hub listened and the staff were kind to us all. "
CONFIG = f"""columns:
  id: Respondent ID
  questions: ["{Q1}", "{Q2}"]
  site: Site
redaction:
  id_key_file: keys/respondent-id.key
"""


def _testset_module():
    spec = importlib.util.spec_from_file_location("make_pii_testset", HERE / "make_pii_testset.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _names(ts) -> tuple[list[str], list[str]]:
    """Held-out names whose every word is not an English word (so a hit is a real leak)."""
    from cls_text.pii.gazetteer import load_gazetteer

    common = load_gazetteer().common_words
    return (
        [n for n in ts.H_FIRST if n.lower() not in common],
        [n for n in ts.H_SURNAMES if n.lower() not in common],
    )


def _answer(r: random.Random, ts, first: list[str], last: list[str]) -> tuple[str, tuple]:
    kind = r.choice(["PHONE", "EMAIL", "NHS_NO", "NI_NO", "POSTCODE", "NAME", "NAME_LOWER"])
    if kind == "NAME":
        value = f"{r.choice(first)} {r.choice(last)}"
        return f"Please thank {value} for the help.", (value, "NAME", "answer")
    if kind == "NAME_LOWER":
        value = f"{r.choice(first)} {r.choice(last)}".lower()
        return f"i spoke to {value} and it helped", (value, "NAME", "answer-lower-case")
    value = ts.gen_ni_lower(r) if kind == "NI_NO" and r.random() < 0.5 else ts.GEN[kind](r)
    where = "answer-lower-case" if value.islower() and kind == "NI_NO" else "answer"
    cue = {"NI_NO": "my NI number is ", "NHS_NO": "NHS number "}.get(kind, "contact ")
    return f"Good service, {cue}{value} thanks.", (value, kind, where)


def make_exports(folder: Path, *, n: int = 120, seed: int = 7) -> tuple[list[Path], list[tuple]]:
    """Write wave.csv and wave.xlsx into ``folder``; return them and the planted identifiers."""
    import openpyxl

    ts = _testset_module()
    first, last = _names(ts)
    r = random.Random(seed)
    planted: list[tuple[str, str, str]] = []
    lines = ["Respondent ID,Site,What worked well?,What could be better?"]
    for i in range(n):
        rid = f"R{i:04d}"
        if i % 3 == 0:
            rid = ts.gen_email(r)
            planted.append((rid, "EMAIL", "id"))
        site = "Northvale"
        if i % 4 == 1:
            doctor = f"{r.choice(first)} {r.choice(last)}"
            site = f"Dr {doctor} Surgery"
            planted.append((doctor, "NAME", "site"))
        elif i % 8 == 2:
            phone = ts.gen_phone(r)
            site = f"Surgery {phone}"
            planted.append((phone, "PHONE", "site"))
        a1, p1 = _answer(r, ts, first, last)
        a2, p2 = _answer(r, ts, first, last)
        cells = [rid, site, f'"{a1}"', f'"{a2}"']
        if i % 15 == 7:
            cells.append("stray field")  # quarantined row
            p1, p2 = (p1[0], p1[1], "quarantine"), (p2[0], p2[1], "quarantine")
        planted += [p1, p2]
        lines.append(",".join(cells))
    csv_path = folder / "wave.csv"
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Respondent ID", "Site", Q1, Q2])
    for i in range(n // 4):
        nhs = int(ts.gen_nhs(r).replace(" ", "").replace("-", ""))
        phone = int("".join(ch for ch in ts.gen_phone(r) if ch.isdigit()))  # the 0 is dropped
        email = ts.gen_email(r)
        doctor = f"{r.choice(first)} {r.choice(last)}"
        long_answer = FILLER * 90 + f"Ring {doctor} on {ts.GEN['PHONE'](r)}"
        ws.append([f"X{i:04d}", phone, nhs, f'=HYPERLINK("mailto:{email}","write")'])
        ws.append([f"Y{i:04d}", "Northvale", long_answer, "Fine"])
        planted += [
            (str(phone), "PHONE", "numeric"),
            (str(nhs), "NHS_NO", "numeric"),
            (email, "EMAIL", "formula"),
            (doctor, "NAME", "long_answer"),
        ]
    xlsx_path = folder / "wave.xlsx"
    wb.save(xlsx_path)
    return [csv_path, xlsx_path], planted


def _drop_big_scripts(text: str, limit: int = 200_000) -> str:
    out, pos = [], 0
    while (start := text.find("<script", pos)) >= 0:
        end = text.find("</script>", start)
        if end < 0:
            break
        out.append(text[pos:start])
        if end - start < limit:
            out.append(text[start:end])
        pos = end
    return "".join(out) + text[pos:]


def _file_text(path: Path) -> str:
    """Everything a person or program could read back from one written file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pandas as pd

        return pd.read_parquet(path).to_csv(index=False)
    if suffix in (".xlsx", ".xlsm", ".zip"):
        try:
            with zipfile.ZipFile(path) as zf:
                return html.unescape(
                    "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
                )
        except zipfile.BadZipFile:
            pass
    data = path.read_bytes()
    if suffix == ".html":
        # The report inlines the charting library (megabytes of code that happen to hold words
        # such as "Jordan" or "Shaw"); it is the same in every report and holds no answer.
        return _drop_big_scripts(data.decode("utf-8", "replace"))
    return data.decode("utf-8", "replace") + "\n" + data.decode("latin-1")


def search(folder: Path, planted: list[tuple], *, skip: set[Path]) -> dict:
    """Which planted identifiers appear in any file under ``folder`` (``skip``: inputs)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p not in skip)
    blobs = {p: _file_text(p) for p in files}
    words = {p: set(re.findall(r"\w+", t)) for p, t in blobs.items()}
    low_words = {p: {w.lower() for w in ws} for p, ws in words.items()}

    def found_in(value: str, type_: str, p: Path) -> bool:
        if type_ != "NAME":
            return value in blobs[p]
        # a name leaks when any of its words is left: "[NAME] Adeyemi" still identifies
        hay = low_words[p] if value.islower() else words[p]
        return any(w in hay for w in value.split())

    by_file: Counter[str] = Counter()
    leaked = []
    for v, t, w in planted:
        hits = [p for p in files if found_in(v, t, p)]
        by_file.update(str(p.relative_to(folder)) for p in hits)
        if hits:
            leaked.append((v, t, w))
    by_where: Counter[str] = Counter(w for _, _, w in planted)
    leak_where: Counter[str] = Counter(w for _, _, w in leaked)
    by_type: Counter[str] = Counter(t for _, t, _ in planted)
    leak_type: Counter[str] = Counter(t for _, t, _ in leaked)
    structured = [p for p in planted if p[1] in STRUCTURED]
    s_leaked = [p for p in leaked if p[1] in STRUCTURED]
    names = [p for p in planted if p[1] == "NAME"]
    n_leaked = [p for p in leaked if p[1] == "NAME"]
    return {
        "structured_leak_rate": round(len(s_leaked) / len(structured), 4) if structured else 0.0,
        "files_searched": len(blobs),
        "leaks_by_file": dict(sorted(by_file.items())),
        "n_planted": len(planted),
        "n_leaked": len(leaked),
        "leak_rate": round(len(leaked) / len(planted), 4) if planted else 0.0,
        "structured_recall": round(1 - len(s_leaked) / len(structured), 4) if structured else None,
        "name_recall": round(1 - len(n_leaked) / len(names), 4) if names else None,
        "by_location": {w: {"planted": c, "leaked": leak_where[w]} for w, c in by_where.items()},
        "by_type": {t: {"planted": c, "leaked": leak_type[t]} for t, c in by_type.items()},
        "leaked": [{"type": t, "where": w} for _, t, w in leaked],  # never the values
    }


def ingest_leaks() -> dict:
    """Ingest, redact and write the wave tables; search every written file."""
    sys.path.insert(0, str(ROOT))
    import yaml

    from cls_text.config import parse_config
    from cls_text.ingest.chunks import ingest_wave
    from cls_text.io.writers import write_csv, write_parquet, write_xlsx
    from cls_text.run.chunk_loop import redact_table

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        inputs, planted = make_exports(folder)
        cfg_data = yaml.safe_load(CONFIG)
        cfg_data["redaction"]["id_key_file"] = str(folder / "keys" / "respondent-id.key")
        cfg = parse_config(cfg_data)
        data = ingest_wave(inputs, cfg, wave="BENCH-1")
        long, _ = redact_table(data.long, cfg)
        quarantine, _ = redact_table(data.quarantine, cfg)
        out = folder / "out"
        out.mkdir()
        write_parquet(long, out / "tagged.parquet")
        write_csv(long, out / "tagged.csv")
        write_csv(quarantine, out / "quarantine.csv")
        write_xlsx({"tagged": long, "quarantine": quarantine}, out / "tagged.xlsx")
        result = search(out, planted, skip=set())
        result["answers"] = {"long": len(long), "quarantined": len(quarantine)}
    return result


def full_run_leaks() -> dict:
    """Run ``cls-text run`` on the exports in a scratch project; search every file it wrote."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        inputs, planted = make_exports(folder)
        cfg = folder / "config.yaml"
        cfg.write_text(CONFIG, encoding="utf-8")
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            PREFECT_HOME=str(folder / "prefect-home"),
            PREFECT_LOCAL_STORAGE_PATH=str(folder / "prefect-results"),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            DO_NOT_TRACK="1",
        )
        env.pop("CLS_TEXT_ID_KEY_FILE", None)
        cmd = [
            sys.executable,
            "-c",
            "from flows.cli import main; main()",
            "run",
            *map(str, inputs),
            "--wave",
            "BENCH-1",
            "--config",
            str(cfg),
            "--out-dir",
            "out",
            "--models-dir",
            str(ROOT / "models"),
        ]
        proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True)
        result = search(folder, planted, skip={*inputs, cfg})
        result["exit_code"] = proc.returncode
        if proc.returncode != 0:
            result["stderr_tail"] = proc.stderr[-2000:]
        result["files"] = sorted(
            str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()
        )[:200]
    return result


if __name__ == "__main__":
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, planted = make_exports(out_dir)
    print(f"wrote {', '.join(p.name for p in paths)} with {len(planted)} planted identifiers")
