"""Prefect flows over the cls_text library, and the ``cls-text`` command.

Prefect's telemetry is switched off before Prefect is imported: users sit behind council
firewalls and the pipeline must never try to reach an outside host. Prefect's temporary API
server gets a generous start-up timeout (its default of about 20 s is missed on a busy 2-core
laptop); a value the user set is kept. Cached step results stay in the project's data folder.
Nothing else is imported here, so ``cls-text --help`` stays fast.
"""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

#: Where resumable step results are kept: under the project's data folder, not the home folder
#: (they hold redacted answers; ``cls-text cache clear`` removes them). A value the user set wins.
RESULTS_DIR = os.path.join("data", "cache", "prefect-results")
os.environ.setdefault("PREFECT_LOCAL_STORAGE_PATH", os.path.abspath(RESULTS_DIR))

#: Seconds Prefect's temporary API server may take to start (a value the user set wins).
EPHEMERAL_STARTUP_TIMEOUT_S = "300"
os.environ.setdefault(
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", EPHEMERAL_STARTUP_TIMEOUT_S
)

#: Some libraries start multiprocessing's resource tracker, a helper process. When a run stops
#: on Ctrl-C it leaves at once (``os._exit``), and the tracker then warns about "leaked
#: semaphore objects" (the OS reclaims them) after the run's one line. Child processes read
#: this filter at start-up; a user's own PYTHONWARNINGS is kept beside it.
TRACKER_FILTER = "ignore:resource_tracker:UserWarning"
if TRACKER_FILTER not in os.environ.get("PYTHONWARNINGS", ""):
    os.environ["PYTHONWARNINGS"] = ",".join(
        w for w in (os.environ.get("PYTHONWARNINGS", ""), TRACKER_FILTER) if w
    )
