"""Running a wave: the wave runner, its manifest, the incoming-folder watcher, ad-hoc tagging."""
