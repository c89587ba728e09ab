"""Reply failures the test server can inject besides HTTP error statuses: bad bodies on the wire.

- ``malformed``: 200, content-type JSON, the body cut in half (not JSON; content-length honest);
- ``truncated``: 200 whose content-length promises the whole body, half of it sent, then closed;
- ``reset``: 200, headers and half the body sent, then the socket closed with SO_LINGER 0 (RST);
- ``slow``: a normal answer, but only after the server's ``slow_s`` (longer than a client timeout).
"""

from __future__ import annotations

import socket
import struct
import time

FAULTS = ("malformed", "truncated", "reset", "slow")
# A failure to inject: an HTTP status (429, 500, 503, …) or one of FAULTS.
Failure = int | str
# Between the half body and the RST, so a reading client has taken the headers in.
RESET_PAUSE_S = 0.05


def check_failure(failure: Failure) -> Failure:
    """The failure, if it is an HTTP error status or a known fault; else ValueError."""
    if isinstance(failure, bool) or not isinstance(failure, int | str):
        raise ValueError(f"{failure!r}: a failure is an HTTP status or one of {FAULTS}")
    if isinstance(failure, int) and not 400 <= failure <= 599:
        raise ValueError(f"{failure}: an injected HTTP status must be 4xx or 5xx")
    if isinstance(failure, str) and failure not in FAULTS:
        raise ValueError(f"{failure!r}: unknown failure; choose a status or one of {FAULTS}")
    return failure


def parse_failures(text: str) -> tuple[Failure, ...]:
    """'429,500,malformed' as (429, 500, 'malformed'), each checked."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise ValueError("no failures given; e.g. 429,500,503,malformed,truncated")
    return tuple(check_failure(int(name) if name.isdigit() else name) for name in names)


def body_on_the_wire(payload: bytes, fault: str | None) -> bytes:
    """The bytes of the body a reply sends: half of it for a cut or reset reply."""
    return payload[: len(payload) // 2] if fault in ("truncated", "reset") else payload


def reset(connection: socket.socket) -> None:
    """Close the connection abruptly: with SO_LINGER 0 the kernel sends RST, not FIN."""
    time.sleep(RESET_PAUSE_S)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    socket.close(connection.detach())  # now, whatever file objects still refer to the socket
