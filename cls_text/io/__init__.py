"""The disk edge of cls-text: reading exports, writing outputs, models, the stores.

``writers`` (atomic, deterministic, formula-safe files and the staging folder), ``readers``
(survey exports into raw wide tables), ``artifacts`` (saved model versions), ``store`` (the
cumulative store of waves) and ``coded`` (reviewers' decisions). The writers' functions are
re-exported here because every stage writes through them (``from cls_text import io``).
"""

from cls_text.io.writers import (
    FORMULA_PREFIXES,
    atomic_path,
    discard_staging,
    make_staging,
    neutralise_formula,
    neutralise_frame,
    publish_staging,
    sha256_file,
    staged_dir,
    write_arrow_parquet,
    write_bytes_atomic,
    write_csv,
    write_json_atomic,
    write_parquet,
    write_text_atomic,
    write_xlsx,
)

__all__ = [
    "FORMULA_PREFIXES",
    "atomic_path",
    "discard_staging",
    "make_staging",
    "neutralise_formula",
    "neutralise_frame",
    "publish_staging",
    "sha256_file",
    "staged_dir",
    "write_bytes_atomic",
    "write_csv",
    "write_json_atomic",
    "write_arrow_parquet",
    "write_parquet",
    "write_text_atomic",
    "write_xlsx",
]
