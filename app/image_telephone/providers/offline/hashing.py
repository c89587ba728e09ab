"""Stable hashing: the same text gives the same number on every machine and run."""

import hashlib


def stable_hash(*parts: str) -> int:
    """A 64-bit integer from blake2b over the parts (never Python's per-process hash())."""
    joined = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(joined, digest_size=8).digest(), "big")
