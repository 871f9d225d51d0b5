"""Exchange with qualitative analysis software through REFI-QDA projects (``.qdpx``).

REFI-QDA is the open exchange standard that NVivo, ATLAS.ti, MAXQDA and QualCoder import and
export. A ``.qdpx`` is a zip holding ``project.qde`` (XML in ``urn:QDA-XML:project:1.0``) and
``sources/`` (one ``.txt`` per text source). The export maps:

- the codebook -> codes (name = theme label, description starts with ``[theme_id]``),
- each quote -> a text source named by its ``quote_id``, with respondent id, respondent type,
  site, wave and question as variables (the form QualCoder's importer reads),
- each respondent -> a case with their respondent type and site as variables,
- each machine tag -> a coded segment on its evidence sentence (the whole quote when the tag
  has no evidence), created by the user ``cls-text tagger``.

GUIDs are derived from the ids (uuid5), so exporting the same data twice gives the same XML.
Importing reads codings back; only codings by *people* become decisions in the coded-examples
store (the tagger's own codings are skipped unless asked for), one decision per (quote, user),
so analysts can code in the tool they know. A quote a user never coded is not a decision: a
missing code in a QDA tool means "not looked at" as often as "does not apply".
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from pathlib import Path

import pandas as pd
from lxml import etree

from cls_text import schema as S
from cls_text.codebook.model import Codebook
from cls_text.errors import QdaError
from cls_text.io import coded as cs
from cls_text.io.writers import atomic_path
from cls_text.review.reviewed import ImportResult, record_import

NS = "urn:QDA-XML:project:1.0"
_Q = f"{{{NS}}}"
MACHINE_USER = "cls-text tagger"
_NAMESPACE = uuid.UUID("6f1c3c1e-5d2a-4c41-9a57-2d1f0b7e9c10")
_ID_IN_DESCRIPTION = re.compile(r"^\[([a-z][a-z0-9_]*)\]")
_FIXED_TIME = "2000-01-01T00:00:00Z"  # the XML carries no run time: bytes depend on inputs
#: The variables of every source (the respondent's type and site are also on their case).
_VAR_NAMES = (S.RESPONDENT_ID, S.RESPONDENT_TYPE, S.SITE, S.WAVE, S.QUESTION)


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))


def _el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, _Q + tag, {k: v for k, v in attrs.items() if v is not None})


def _spans(row: dict[str, object], theme_id: str, text: str) -> list[tuple[int, int]]:
    cell = row.get(S.evidence_col(theme_id))
    items = S.evidence_from_json(cell) if isinstance(cell, str) else []
    spans = sorted({(e.sent_start, e.sent_end) for e in items if 0 <= e.sent_start < e.sent_end})
    return [s for s in spans if s[1] <= len(text)] or [(0, len(text))]


def build_project(
    tagged: pd.DataFrame, codebook: Codebook, *, name: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """Build ``project.qde`` and the source texts of a wave's tagged table.

    Returns:
        The XML bytes and ``{zip path: text}`` for the ``sources/`` folder.
    """
    ids = codebook.theme_ids()
    rows = tagged[tagged[S.TEXT].fillna("").astype(str).str.strip() != ""]
    rows = rows.drop_duplicates(S.QUOTE_ID).sort_values(S.QUOTE_ID, kind="stable")
    waves = sorted(set(rows[S.WAVE].astype(str))) if S.WAVE in rows else []
    title = name or f"cls-text {codebook.id} {' '.join(waves)}".strip()
    machine = _guid("user", MACHINE_USER)
    root = etree.Element(_Q + "Project", nsmap={None: NS}, name=title, origin="cls-text",
                         creatingUserGUID=machine, creationDateTime=_FIXED_TIME)  # fmt: skip
    _el(_el(root, "Users"), "User", guid=machine, name=MACHINE_USER, id="cls-text")
    codes = _el(_el(root, "CodeBook"), "Codes")
    for theme in codebook.themes:
        code = _el(codes, "Code", guid=_guid("code", theme.id), name=theme.label, isCodable="true")
        _el(code, "Description").text = f"[{theme.id}] {theme.definition}"
    variables = _el(root, "Variables")
    for v in _VAR_NAMES:
        _el(variables, "Variable", guid=_guid("var", v), name=v, typeOfVariable="Text")
    records = rows.to_dict("records")
    _add_cases(root, records if S.RESPONDENT_ID in rows else [])
    files = _add_sources(root, records, ids, machine)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml, files


def _add_value(parent: etree._Element, var: str, val: object) -> None:
    """Give ``parent`` (a case or a source) the value of one text variable."""
    vv = _el(parent, "VariableValue")
    _el(vv, "VariableRef", targetGUID=_guid("var", var))
    _el(vv, "TextValue").text = "" if pd.isna(val) else str(val)  # type: ignore[arg-type]


def _add_cases(root: etree._Element, records: list[dict[str, object]]) -> None:
    """One case per respondent, with their type and site and their sources (none: no element)."""
    cases = _el(root, "Cases")
    by_resp: dict[str, list[dict[str, object]]] = {}
    for rec in records:
        by_resp.setdefault(str(rec[S.RESPONDENT_ID]), []).append(rec)
    for rid in sorted(by_resp):
        group = by_resp[rid]
        case = _el(cases, "Case", guid=_guid("case", rid), name=rid)
        for v in (S.RESPONDENT_TYPE, S.SITE):
            if v in group[0]:
                _add_value(case, v, group[0][v])
        for rec in group:
            _el(case, "SourceRef", targetGUID=_guid("source", str(rec[S.QUOTE_ID])))
    if not len(cases):
        root.remove(cases)


def _add_sources(
    root: etree._Element, records: list[dict[str, object]], ids: list[str], machine: str
) -> dict[str, str]:
    """One text source per quote, with its machine codings and variables (none: no element).

    Returns:
        ``{zip path: text}`` of the sources' texts.
    """
    sources = _el(root, "Sources")
    files: dict[str, str] = {}
    for row in records:
        qid, text = str(row[S.QUOTE_ID]), str(row[S.TEXT])
        sguid = _guid("source", qid)
        src = _el(sources, "TextSource", guid=sguid, name=qid,
                  plainTextPath=f"internal://{sguid}.txt", creatingUser=machine,
                  creationDateTime=_FIXED_TIME)  # fmt: skip
        files[f"sources/{sguid}.txt"] = text
        _add_codings(src, row, ids, machine)
        # Respondent attributes on every source too: QualCoder links no case to its sources
        # (it ignores SourceRef), but it reads per-source variables, so a writer can still
        # filter by respondent type or site there.
        for v in _VAR_NAMES:
            if v in row:
                _add_value(src, v, row[v])
    if not len(sources):
        root.remove(sources)
    return files


def _add_codings(src: etree._Element, row: dict[str, object], ids: list[str], machine: str) -> None:
    """A selection coded by the tagger for each theme tag of the quote, per evidence sentence."""
    qid, text = str(row[S.QUOTE_ID]), str(row[S.TEXT])
    for t in ids:
        if not int(row.get(t) or 0):  # type: ignore[call-overload]
            continue
        for start, end in _spans(row, t, text):
            key = f"{qid}:{t}:{start}:{end}"
            sel = _el(src, "PlainTextSelection", guid=_guid("sel", key), name=t,
                      startPosition=str(start), endPosition=str(end), creatingUser=machine,
                      creationDateTime=_FIXED_TIME)  # fmt: skip
            coding = _el(sel, "Coding", guid=_guid("coding", key), creatingUser=machine,
                         creationDateTime=_FIXED_TIME)  # fmt: skip
            _el(coding, "CodeRef", targetGUID=_guid("code", t))


def export_qdpx(
    tagged: pd.DataFrame, codebook: Codebook, path: str | Path, *, name: str | None = None
) -> Path:
    """Write a wave's coded quotes as a REFI-QDA project.

    Args:
        tagged: The tagged long table (redacted text, evidence columns).
        codebook: The codebook it was tagged with.
        path: Output ``.qdpx`` path.
        name: Project name shown in the QDA tool.

    Examples:
        >>> export_qdpx(tagged, load_codebook(), "out/2026-W1/coded.qdpx")  # doctest: +SKIP
    """
    xml, files = build_project(tagged, codebook, name=name)
    target = Path(path)
    with atomic_path(target) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for arc, data in [("project.qde", xml), *((k, v.encode()) for k, v in files.items())]:
                info = zipfile.ZipInfo(arc, date_time=(2000, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
    return target


def _parse(path: Path) -> tuple[etree._Element, zipfile.ZipFile]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, FileNotFoundError) as err:
        raise QdaError(f"'{path}' is not a .qdpx (zip) file: {err}") from None
    names = {n.lower(): n for n in zf.namelist()}
    if "project.qde" not in names:
        raise QdaError(f"'{path}' has no project.qde; is it a REFI-QDA project?")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.parse(io.BytesIO(zf.read(names["project.qde"])), parser).getroot()
    except etree.XMLSyntaxError as err:
        raise QdaError(f"'{path}': project.qde is not valid XML: {err}") from None
    if root.tag != _Q + "Project":
        raise QdaError(f"'{path}': root element is {root.tag}, expected {{{NS}}}Project")
    return root, zf


def _source_text(
    src: etree._Element, zf: zipfile.ZipFile, names: dict[str, str], path: Path
) -> str:
    content = src.find(_Q + "PlainTextContent")
    if content is not None:
        return content.text or ""
    ref = src.get("plainTextPath", "")
    rel = ref.removeprefix("internal://")
    for cand in (f"sources/{rel}", rel):
        if cand.lower() in names:
            return zf.read(names[cand.lower()]).decode("utf-8-sig")
    raise QdaError(f"'{path}': text of source '{src.get('name')}' ({ref}) is missing")


def read_qdpx(path: str | Path, codebook: Codebook) -> pd.DataFrame:
    """Read every text coding of a ``.qdpx`` as rows.

    Columns: ``quote_id`` (source name), ``theme``, ``start``, ``end``, ``user`` (user name),
    ``text``, ``wave``. Codes map to theme ids through the ``[id]`` at the start of their
    description, else their name as an id, else their name as a theme label.

    Raises:
        QdaError: unreadable file, or codes that match no theme of ``codebook``.
    """
    p = Path(path)
    root, zf = _parse(p)
    with zf:
        users = {u.get("guid"): u.get("name") or u.get("id") or "" for u in root.iter(_Q + "User")}
        code_theme, unknown = _code_themes(root, codebook)
        var_names = {v.get("guid"): v.get("name") for v in root.iter(_Q + "Variable")}
        names = {n.lower(): n for n in zf.namelist()}
        rows = []
        for src in root.iter(_Q + "TextSource"):
            text = _source_text(src, zf, names, p)
            wave = _source_wave(src, var_names)
            rows += _source_codings(src, text, wave, code_theme, users)
    used_unknown = sorted(set(unknown))
    if used_unknown:
        ids = set(codebook.theme_ids())
        raise QdaError(
            f"'{p.name}': code(s) {used_unknown} match no theme of codebook "
            f"{codebook.id}@{codebook.version} (valid ids: {', '.join(sorted(ids))}). "
            "Fix: add them to the codebook (a new version), or rename them in the QDA tool "
            "to a theme label."
        )
    cols = [S.QUOTE_ID, "theme", "start", "end", "user", S.TEXT, S.WAVE]
    return pd.DataFrame(rows, columns=cols)


def _code_themes(root: etree._Element, codebook: Codebook) -> tuple[dict[str, str], list[str]]:
    """Map code GUIDs to theme ids: ``[id]`` in the description, else the name as id or label.

    Returns:
        ``{code guid: theme id}`` and the names of the codes that match no theme.
    """
    by_label = {t.label: t.id for t in codebook.themes}
    ids = set(codebook.theme_ids())
    code_theme: dict[str, str] = {}
    unknown: list[str] = []
    for code in root.iter(_Q + "Code"):
        desc = code.find(_Q + "Description")
        m = _ID_IN_DESCRIPTION.match((desc.text or "") if desc is not None else "")
        name = code.get("name", "")
        tid = m.group(1) if m else (name if name in ids else by_label.get(name, ""))
        if tid in ids:
            code_theme[code.get("guid", "")] = tid
        else:
            unknown.append(name)
    return code_theme, unknown


def _source_wave(src: etree._Element, var_names: dict[str | None, str | None]) -> str:
    """The source's value of the ``wave`` variable ("" when it has none)."""
    wave = ""
    for vv in src.findall(_Q + "VariableValue"):
        ref = vv.find(_Q + "VariableRef")
        if ref is not None and var_names.get(ref.get("targetGUID")) == S.WAVE:
            wave = vv.findtext(_Q + "TextValue") or ""
    return wave


def _source_codings(
    src: etree._Element,
    text: str,
    wave: str,
    code_theme: dict[str, str],
    users: dict[str | None, str],
) -> list[dict[str, object]]:
    """Rows for the codings of one source on its selections and on the whole source.

    Codings whose code matches no theme are skipped (those codes are reported by the caller).
    """
    rows: list[dict[str, object]] = []
    spans = [(sel, int(sel.get("startPosition", 0)), int(sel.get("endPosition", 0)))
             for sel in src.findall(_Q + "PlainTextSelection")]  # fmt: skip
    spans.append((src, 0, len(text)))  # codings on the whole source
    for holder, start, end in spans:
        for coding in holder.findall(_Q + "Coding"):
            ref = coding.find(_Q + "CodeRef")
            target = ref.get("targetGUID", "") if ref is not None else ""
            if target not in code_theme:
                continue
            who = coding.get("creatingUser") or holder.get("creatingUser")
            rows.append({
                S.QUOTE_ID: src.get("name") or src.get("guid"), "theme": code_theme[target],
                "start": start, "end": end, S.TEXT: text, S.WAVE: wave,
                "user": users.get(who, ""),
            })  # fmt: skip
    return rows


def import_qdpx(
    path: str | Path,
    codebook: Codebook,
    store_dir: str | Path,
    *,
    reviewer: str | None = None,
    wave: str | None = None,
    include_machine: bool = False,
) -> ImportResult:
    """Append the human codings of a ``.qdpx`` to the coded-examples store.

    Args:
        path: The project exported from the QDA tool.
        codebook: The codebook version the analysts coded with.
        store_dir: The coded-examples store.
        reviewer: Name to record for codings whose user is unknown (required if any).
        wave: Wave label when the sources carry none.
        include_machine: Also import the tagger's own codings (off: they are not decisions).

    Raises:
        QdaError: unreadable file, unknown codes, or codings with no user and no ``reviewer``.
    """
    p = Path(path)
    codings = read_qdpx(p, codebook)
    if not include_machine:
        codings = codings[codings["user"] != MACHINE_USER]
    if (codings["user"] == "").any():
        if not reviewer:
            q = codings.loc[codings["user"] == "", S.QUOTE_ID].iloc[0]
            raise QdaError(f"'{p.name}': quote {q} has codings with no user; pass reviewer=NAME")
        codings = codings.assign(user=codings["user"].replace("", reviewer))
    order = {t: i for i, t in enumerate(codebook.theme_ids())}
    records = []
    for (qid, user), g in codings.groupby([S.QUOTE_ID, "user"], sort=True):
        text = str(g[S.TEXT].iloc[0])
        themes = sorted(set(g["theme"]), key=order.__getitem__)
        records.append({
            S.QUOTE_ID: qid, cs.REVIEWER: user, S.THEMES: S.THEME_SEP.join(themes),
            cs.ORIGIN: "qdpx", S.WAVE: str(g[S.WAVE].iloc[0]) or (wave or ""),
            cs.CODEBOOK_ID: codebook.id, cs.CODEBOOK_VERSION: codebook.version,
            S.TEXT: text, cs.TEXT_SHA: cs.text_sha256(text), cs.STANCE: "", cs.NOTE: "",
        })  # fmt: skip
    return record_import(p, records, store_dir, wave)
