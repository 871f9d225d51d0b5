"""Prefect flows over the cls_text library, and the ``cls-text`` command.

Prefect's telemetry is switched off before Prefect is imported: users sit behind council
firewalls and the pipeline must never try to reach an outside host.
"""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
