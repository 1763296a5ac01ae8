"""The JSONL archive on disk: run files, the seen-index beside them, and the per-site lock."""
