"""Respondent ids pseudonymised with a keyed hash, and cells that are not text redacted.

Survey tools let people type their own id (often an e-mail address or a name), so a raw id is
personal data. Every output sees ``rid_`` + 16 hex digits of HMAC-SHA256 of the id under a
secret key instead. The key lives in a file *outside the outputs* (by default
``data/keys/respondent-id.key``, created on first use with owner-only permissions): with the
same key file the same id gets the same pseudonym in every wave of a programme, so reviews,
the cumulative store and trends still line up; without it, a pseudonym cannot be turned back
into the id. Deleting the key breaks the link between old and new waves (by design: it is how a
programme is anonymised for good).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path

from cls_text.errors import ConfigError

#: Where the key is kept when the config names no file; relative paths are relative to the
#: folder the run is started in (the project folder).
DEFAULT_KEY_FILE = "data/keys/respondent-id.key"
#: Overrides the default key file (a key kept on another volume, or a test's folder).
KEY_FILE_ENV = "CLS_TEXT_ID_KEY_FILE"
PSEUDONYM = re.compile(r"^rid_[0-9a-f]{16}$")
_KEY_HEX = re.compile(r"^[0-9a-f]{64}$")
_NONCHARS = re.compile("[\ufffe\uffff\x00\ud800-\udfff]")


def key_file(configured: str | Path | None = None) -> Path:
    """The key file in use: the configured one, else ``$CLS_TEXT_ID_KEY_FILE``, else default."""
    if configured:
        return Path(configured)
    return Path(os.environ.get(KEY_FILE_ENV) or DEFAULT_KEY_FILE)


def load_key(path: str | Path) -> bytes:
    """Read the pseudonym key, creating it (32 random bytes, mode 0600) on first use.

    Raises:
        ConfigError: the file exists but does not hold a key (never silently replaced: a new
            key would give every respondent a new pseudonym).
    """
    return _load_key(str(Path(path).resolve()))


@lru_cache(maxsize=8)
def _load_key(path_str: str) -> bytes:
    path = Path(path_str)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            pass  # another run created it first: read theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if not _KEY_HEX.match(text):
        raise ConfigError(
            f"Respondent-id key file '{path}' does not hold a key (64 hex digits). Restore it "
            "from backup; deleting it gives every respondent a new pseudonym."
        )
    return bytes.fromhex(text)


def clean_id(raw: str) -> str:
    """An id as typed, without NUL stand-ins, noncharacters and undecodable bytes."""
    return _NONCHARS.sub("", raw).strip()


def pseudonymise_id(raw: str, key: bytes) -> str:
    """Return ``rid_`` + 16 hex digits of HMAC-SHA256(key, id); "" stays "".

    Examples:
        >>> key = b"k" * 32
        >>> pseudonymise_id("jo@example.org", key) == pseudonymise_id(" jo@example.org ", key)
        True
    """
    rid = clean_id(raw)
    if not rid:
        return ""
    return "rid_" + hmac.new(key, rid.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
