"""Where the Ray executor's games run: a new local instance, unless an address names a cluster;
each way of not getting there (no cluster, no Ray Client support, a bad address) is one line."""

from __future__ import annotations

import dataclasses
import importlib
import os
import socket
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from image_telephone.errors import InputError

LOCAL = "local"  # Ray's address for "start a new local instance, even if a cluster runs here"
AUTO = "auto"
INSTALL_RAY = "pip install 'image-telephone[ray]'"
CLIENT_PORT = 10001  # Ray Client's default port on a cluster's head node
PROBE_TIMEOUT_S = 5.0  # Ray itself waits a minute or more for an address where nothing answers
_ADDRESS_FORMS = "give auto, the head node's host:port (from `ray start --head`) or ray://host:port"


@dataclasses.dataclass(frozen=True)
class RayTarget:
    """What to pass to ray.init, the host and port it leads to (None: a new local instance),
    and how a message names it."""

    init_address: str
    host: str | None = None
    port: int | None = None
    named_by: str = "a new local Ray instance"

    @property
    def is_local(self) -> bool:
        """Whether the games run on a new local instance (started and stopped by the executor)."""
        return self.host is None


def resolve_address(address: str | None) -> RayTarget:
    """None (or 'local'): a new local instance, whatever runs here or RAY_ADDRESS says; 'auto':
    the cluster in RAY_ADDRESS, else the one `ray start` recorded on this machine; otherwise a
    head node's host:port or a ray:// (Ray Client) address. Needs no Ray import."""
    if address is None or address == LOCAL:
        return RayTarget(LOCAL)
    if address == AUTO:
        return _auto()
    return _named(address, address, f"--ray-address {address}")


def _auto() -> RayTarget:
    from_environment = os.environ.get("RAY_ADDRESS", "").strip()
    if from_environment == LOCAL:
        raise InputError(
            "--ray-address auto: RAY_ADDRESS=local names no cluster to join; unset it, give the "
            "cluster's address, or leave --ray-address out to start a local instance"
        )
    # ray.init gets "auto" (not the address found here), as Ray resolves it the same way and
    # then also picks up the token of a local cluster that uses token authentication.
    if from_environment and from_environment != AUTO:
        named_by = f"--ray-address auto (RAY_ADDRESS={from_environment})"
        return _named(from_environment, AUTO, named_by)
    record = _recorded_cluster_file()
    recorded = record.read_text(encoding="utf-8").strip() if record.is_file() else ""
    if recorded:
        return _named(recorded, AUTO, f"--ray-address auto (`ray start`'s cluster in {record})")
    raise InputError(
        "--ray-address auto: no Ray cluster to join (RAY_ADDRESS is not set and no `ray start` "
        "cluster is recorded on this machine); start one with `ray start --head`, give its "
        "address, or leave --ray-address out to start a local instance"
    )


def _recorded_cluster_file() -> Path:
    """Where `ray start` records its cluster's address (as ray._common.utils finds it)."""
    if "RAY_TMPDIR" in os.environ:
        base = os.environ["RAY_TMPDIR"]
    elif sys.platform.startswith("linux") and "TMPDIR" in os.environ:
        base = os.environ["TMPDIR"]
    elif sys.platform.startswith(("linux", "darwin")):
        base = "/tmp"
    else:
        base = tempfile.gettempdir()
    return Path(base) / "ray" / "ray_current_cluster"


def _named(address: str, init_address: str, named_by: str) -> RayTarget:
    """The target of a concrete address; a ray:// one needs Ray Client support installed."""
    if "://" in address:
        scheme = address.split("://", 1)[0]
        if scheme != "ray":
            raise InputError(f"{named_by}: {scheme}:// is not a Ray address; {_ADDRESS_FORMS}")
        _require_client_support(named_by)
    else:
        address = f"//{address}"
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if address.startswith("ray://") and host and port is None:
        port = CLIENT_PORT
    if not host or port is None:
        raise InputError(f"{named_by}: not an address; {_ADDRESS_FORMS}")
    return RayTarget(init_address, host, port, named_by)


def _require_client_support(named_by: str) -> None:
    try:
        importlib.import_module("grpc")  # all that ray[client] adds to Ray (grpcio)
    except ImportError:
        raise InputError(
            f"{named_by}: a ray:// address needs Ray Client support, which is not installed; "
            f"{INSTALL_RAY}"
        ) from None


def probe(target: RayTarget) -> None:
    """Fails in one line when nothing answers at the target's host and port."""
    if target.is_local:
        return
    try:
        with socket.create_connection((target.host, target.port), timeout=PROBE_TIMEOUT_S):
            pass
    except OSError as error:
        raise unreachable(target, error.strerror or str(error) or type(error).__name__) from None


def unreachable(target: RayTarget, why: str) -> InputError:
    """The one-line error for an address where nothing answers."""
    return InputError(
        f"{target.named_by}: no Ray cluster answers at {target.host}:{target.port} "
        f"({why}); start it (`ray start --head`) or check the address"
    )


def refused(target: RayTarget, error: BaseException) -> InputError:
    """The one-line error for a cluster that answers but that ray.init could not join."""
    where = f"{target.named_by}: could not join the Ray cluster at {target.host}:{target.port}"
    if target.is_local:
        where = "--executor ray: could not start a local Ray instance"
    causes = f"{error} {error.__cause__ or ''}"
    if "AuthenticationError" in causes or "InvalidAuthToken" in causes:
        return InputError(
            f"{where}: it uses token authentication; set RAY_AUTH_MODE=token and its token "
            "(RAY_AUTH_TOKEN, or RAY_AUTH_TOKEN_PATH), or use --ray-address auto on its head node"
        )
    return InputError(
        f"{where} ({_gist(error)}); check that it runs the Ray version installed here and, if it "
        "uses token authentication, that RAY_AUTH_MODE=token and its token are set here"
    )


def _gist(error: BaseException) -> str:
    """One line of Ray's message: its first, or its last when the first only introduces more."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    return lines[-1] if lines[0].endswith(":") else lines[0]
