import warnings

import pytest

from cls_text.topics.jit_cache import cache_umap_compilation


def test_umap_functions_get_a_disk_cache_once():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)  # umap: no TensorFlow for ParametricUMAP
        import umap  # noqa: F401
    from numba.core.caching import NullCache
    from umap import layouts, umap_

    cache_umap_compilation()
    # umap-learn declares these without cache=True: every new process compiled them again.
    for fn in (umap_.smooth_knn_dist, umap_.compute_membership_strengths):
        assert not isinstance(fn._cache, NullCache)
    assert not isinstance(layouts._nb_optimize_layout_euclidean_single_epoch._cache, NullCache)
    # Its parallel twin shares the Python function; numba would mix the two up in one cache.
    assert isinstance(layouts._nb_optimize_layout_euclidean_single_epoch_parallel._cache, NullCache)
    assert cache_umap_compilation() == 0  # idempotent: nothing left to switch on


@pytest.mark.slow
def test_cached_umap_gives_the_same_embedding_as_a_fresh_process(tmp_path):
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, sys, warnings\n"
        "warnings.simplefilter('ignore', ImportWarning)\n"
        "import numpy as np\n"
        "from umap import UMAP\n"
        "if sys.argv[1] == '1':\n"
        "    from cls_text.topics.jit_cache import cache_umap_compilation\n"
        "    cache_umap_compilation()\n"
        "X = np.random.default_rng(0).normal(size=(60, 8)).astype(np.float32)\n"
        "Y = UMAP(n_neighbors=5, n_components=2, random_state=0, n_jobs=1).fit_transform(X)\n"
        "print(json.dumps(Y.tolist()))\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}

    def embed(flag: str) -> list:
        out = subprocess.run(
            [sys.executable, "-c", code, flag], env=env, capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    plain = embed("0")
    written = embed("1")  # compiles and writes the cache
    assert any(tmp_path.rglob("*.nbi"))
    assert embed("1") == written == plain  # read back from the cache: the same numbers
