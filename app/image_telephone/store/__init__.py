"""The run store: where a run lives (a folder, S3), the run-folder format, its manifest,
checkpoint, chain check and lock."""
