"""A test server's plumbing: a threading HTTP server on 127.0.0.1 whose owner answers each
request (the OpenAI-compatible and the Replicate test servers), recording what it answered."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from .faults import body_on_the_wire, reset


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server answered."""

    path: str
    method: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    status: int
    handling_seconds: float
    fault: str | None = None  # how the reply went wrong on the wire (see faults.py), if it did


@dataclass(frozen=True)
class Reply:
    """What the server answers to one request, and the fault to inject while sending it."""

    status: int
    headers: dict[str, str]
    payload: bytes
    body: dict[str, Any] | None
    fault: str | None = None


class _HTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its owner and can drop open keep-alive connections."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, owner: LoopbackServer, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.owner = owner
        self.connections: set[socket.socket] = set()

    def close_connections(self) -> None:
        """Shut open client connections, so pooled clients cannot reach a stopped server."""
        for connection in list(self.connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, lets the owner answer it, writes and records the reply."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: _HTTPServer

    def setup(self) -> None:
        """Track the connection so that stop() can close it."""
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        self.server.connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        """Answer a GET."""
        self.serve()

    def do_POST(self) -> None:
        """Answer a POST."""
        self.serve()

    def serve(self) -> None:
        """Answer the request and record it."""
        started = time.perf_counter()
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {key.lower(): value for key, value in self.headers.items()}
        path = self.path.split("?", 1)[0]
        reply = self.server.owner.answer(self.command, path, headers, raw)
        try:
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(reply.payload)))
            self.send_header("x-request-id", f"req_{secrets.token_hex(16)}")
            self.end_headers()
            # Record before the body goes out, so a client that has its answer sees it recorded.
            elapsed = time.perf_counter() - started
            self.server.owner.record(
                RecordedRequest(
                    path, self.command, headers, reply.body, reply.status, elapsed, reply.fault
                )
            )
            self.wfile.write(body_on_the_wire(reply.payload, reply.fault))
            if reply.fault == "reset":
                reset(self.connection)
        except OSError:  # the client gave up waiting (a slow reply) and closed the connection
            pass
        # A cut reply ends its connection (FIN); a slow one's client is gone.
        self.close_connection |= reply.fault in ("truncated", "reset", "slow")

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""


class LoopbackServer:
    """Serves its subclass's answer(method, path, headers, raw) -> Reply from a background
    thread on 127.0.0.1 (port 0: a free one), and records every request it answered."""

    thread_name = "test-server"

    def __init__(self, port: int = 0) -> None:
        self._port = port
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def answer(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        """The reply to one request."""
        raise NotImplementedError

    def start(self) -> Self:
        """Serve from a background thread; returns self."""
        self._httpd = _HTTPServer(self, self._port)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket and open connections."""
        if self._httpd is None or self._thread is None:
            return
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        """Start serving."""
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        """Stop serving."""
        self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._httpd is None:
            raise RuntimeError("the server is not started; call start() first")
        return self._httpd.server_address[1]

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests answered so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def record(self, request: RecordedRequest) -> None:
        """Add an answered request to the record."""
        with self._lock:
            self._requests.append(request)
