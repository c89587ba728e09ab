"""One writer per run: an OS file lock for a local run folder, a renewed lease for an S3 prefix."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from image_telephone.errors import InputError, RunLockedError, StorageError
from image_telephone.store.storage import LocalStore, Store
from image_telephone.store.uploads import PipelinedStore

if TYPE_CHECKING:
    from image_telephone.store.s3_store import S3Store

LOCK_NAME = ".lock"  # hidden: Store.files() leaves it out of run manifests
LEASE_NAME = ".lease"
_CONFLICT = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}
_MISSING = {"NoSuchKey", "404", "NotFound"}
_ATTEMPTS = 5  # tries to create or take over a lease while others race for it
_log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Holder:
    """Who holds a run: host, process id and since when (UTC)."""

    host: str
    pid: int | str
    since: str  # ISO 8601, UTC, seconds precision

    @classmethod
    def me(cls) -> Holder:
        """This process, from now."""
        return cls(socket.gethostname(), os.getpid(), _iso(_now(), "seconds"))

    @classmethod
    def parse(cls, info: dict[str, Any]) -> Holder:
        """The holder named by a lock file or lease (fields cut to one short line each)."""
        return cls(*(_one_line(info.get(name, "?")) for name in ("host", "pid", "since")))

    def describe(self) -> str:
        """'host H, pid P, since S'."""
        return f"host {self.host}, pid {self.pid}, since {self.since}"


class RunLock:
    """A held run lock: release() it (or use it as a context manager); check() it before writes."""

    location: str
    holder: Holder

    def release(self) -> None:
        """Gives the run up; a second call does nothing."""
        raise NotImplementedError

    def check(self) -> None:
        """Raises StorageError if the lock was lost (or released)."""
        raise NotImplementedError

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        try:
            self.release()
        except StorageError as error:
            if kind is None:
                raise
            _log.warning("%s", error)  # the error already under way matters more


def acquire_run_lock(store: Store, *, lease_s: float = 60.0) -> RunLock:
    """Takes the run at store for this process or raises RunLockedError naming the holder."""
    if not lease_s > 0:
        raise InputError(f"lease_s={lease_s!r}: give a positive number of seconds")
    if isinstance(store, PipelinedStore):
        store = store.store
    if isinstance(store, LocalStore):
        return LocalRunLock(store)
    from image_telephone.store.s3_store import S3Store

    if isinstance(store, S3Store):
        return S3RunLock(store, lease_s)
    raise InputError(f"{store.location}: run locks support local folders and S3 only")


def discard_unused_run(store: Store) -> None:
    """Removes a local run folder that holds nothing but its (released) lock file: what a run
    that was refused before its first write leaves behind."""
    if isinstance(store, PipelinedStore):
        store = store.store
    if not isinstance(store, LocalStore):
        return  # an S3 lease is deleted when it is released
    try:
        if os.listdir(store.location) == [LOCK_NAME]:
            os.unlink(os.path.join(store.location, LOCK_NAME))
            os.rmdir(store.location)
    except OSError:
        pass  # someone else started using it: theirs now


def run_is_held(store: Store) -> bool:
    """Whether a live process holds the run now (a read-only look: it takes nothing)."""
    if isinstance(store, PipelinedStore):
        store = store.store
    if isinstance(store, LocalStore):
        import fcntl

        try:
            handle = os.open(os.path.join(store.location, LOCK_NAME), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(handle)  # drops the shared lock, if it was granted
    try:
        lease = json.loads(store.read_bytes(LEASE_NAME))
        return datetime.fromisoformat(lease["expires_at"]) > _now()
    except (StorageError, ValueError, TypeError, KeyError):
        return False


class LocalRunLock(RunLock):
    """flock on <run>/.lock: the OS frees it when the holder exits, even on SIGKILL."""

    def __init__(self, store: LocalStore):
        try:
            import fcntl
        except ImportError as error:
            raise StorageError(
                f"{store.location}: run locks need fcntl (POSIX: Linux or macOS); "
                "this platform has none"
            ) from error
        self._fcntl = fcntl
        self.location = store.location
        self.path = os.path.join(store.location, LOCK_NAME)
        self.holder = Holder.me()
        try:
            os.makedirs(store.location, exist_ok=True)
            # O_CLOEXEC: programs this process starts do not inherit (and keep) the lock.
            self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as error:
            raise StorageError(f"{self.path}: could not open the run lock ({error})") from error
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._read_holder()
            self._close()
            if f"pid {os.getpid()}," in holder:  # e.g. a notebook cell that built the app twice
                raise RunLockedError(
                    f"{self.location}: this process holds this run already (an application "
                    "built earlier and still alive); `del` it, or use open_application's block"
                ) from None
            raise RunLockedError(
                f"{self.location}: another process holds this run ({holder}); wait for it to "
                "finish or stop it (the OS frees its lock as soon as it exits)"
            ) from None
        except OSError as error:
            self._close()
            raise StorageError(f"{self.path}: could not lock the run ({error})") from error
        try:
            data = json.dumps(dataclasses.asdict(self.holder)).encode()
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, data, 0)
            os.fsync(self._fd)
        except OSError as error:
            self._close()
            raise StorageError(f"{self.path}: could not write the run lock ({error})") from error

    def _read_holder(self) -> str:
        """The holder's description; a holder that just locked may not have written it yet."""
        assert self._fd is not None
        for _ in range(5):
            try:
                return Holder.parse(json.loads(os.pread(self._fd, 4096, 0))).describe()
            except (OSError, ValueError, TypeError, AttributeError):
                time.sleep(0.01)
        return "an unknown process that is just starting"

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor drops the lock
            self._fd = None

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)  # names nobody; the file stays (unlinking it races)
        except OSError:
            pass
        self._close()

    def check(self) -> None:
        if self._fd is None:
            raise StorageError(f"{self.location}: the run lock was released")
        try:
            same = os.path.samestat(os.fstat(self._fd), os.stat(self.path))
        except OSError:
            same = False
        if not same:
            raise StorageError(
                f"{self.path}: the run lock file was removed or replaced (was the run folder "
                "moved or deleted?); another process may write this run now"
            )


class S3RunLock(RunLock):
    """A lease object <run>/.lease, created and renewed with conditional puts."""

    def __init__(self, store: S3Store, lease_s: float):
        self.location = store.location
        self.uri = store.uri(LEASE_NAME)
        self.lease_s = lease_s
        self.holder = Holder.me()
        self.token = uuid.uuid4().hex
        self._bucket = store.bucket
        self._key = f"{store.prefix}/{LEASE_NAME}" if store.prefix else LEASE_NAME
        self._client = store.client
        self._mutex = threading.Lock()  # one request on the lease at a time: renew, check, release
        self._stop = threading.Event()
        self._lost: str | None = None
        self._last_error: Exception | None = None
        self._etag, self._expires = self._acquire()
        self._thread = threading.Thread(target=self._renew_until_stopped, name="run-lease")
        self._thread.daemon = True
        self._thread.start()

    # Clocks: expiry compares absolute UTC times written by different hosts, so this assumes
    # their clocks agree to well within lease_s (NTP); a host far ahead could take over early.
    def _body(self, expires: datetime) -> bytes:
        return json.dumps(
            {
                **dataclasses.asdict(self.holder),
                "expires_at": _iso(expires, "milliseconds"),
                "lease_s": self.lease_s,
                "token": self.token,
            }
        ).encode()

    def _put(self, **condition: str) -> tuple[str, datetime]:
        """Writes our lease under a condition; (its new ETag, its expiry)."""
        expires = _now() + timedelta(seconds=self.lease_s)
        response = self._client.put_object(
            Bucket=self._bucket,
            Key=self._key,
            Body=self._body(expires),
            ContentType="application/json",
            **condition,
        )
        return response["ETag"], expires

    def _read(self) -> tuple[dict[str, Any], str, datetime] | None:
        """(the lease, its ETag, its expiry) or None when there is none."""
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=self._key)
            body = response["Body"].read()
        except botocore.exceptions.ClientError as error:
            if _code(error) in _MISSING:
                return None
            raise
        try:
            info = json.loads(body)
            expires = datetime.fromisoformat(info["expires_at"])
            if expires.tzinfo is None:
                raise ValueError("expires_at has no time zone")
        except (ValueError, TypeError, KeyError):  # not ours to read: let it age like a lease
            info = {}
            expires = response["LastModified"] + timedelta(seconds=self.lease_s)
        return info, response["ETag"], expires

    def _acquire(self) -> tuple[str, datetime]:
        """Creates the lease, or takes over an expired one; of racing takers only one wins."""
        try:
            for _ in range(_ATTEMPTS):
                try:
                    return self._put(IfNoneMatch="*")
                except botocore.exceptions.ClientError as error:
                    if _code(error) not in _CONFLICT:
                        raise
                current = self._read()
                if current is None:  # released meanwhile: create it again
                    continue
                info, etag, expires = current
                if info.get("token") == self.token:  # our create landed; its reply was lost
                    return etag, expires
                if expires > _now():
                    raise self._locked(info, expires)
                try:
                    return self._put(IfMatch=etag)
                except botocore.exceptions.ClientError as error:
                    if _code(error) not in _CONFLICT | _MISSING:
                        raise
                # another process took it over (or released it) first: look again
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise StorageError(
                f"{self.uri}: could not take the run lease ({_describe(error)}); check the "
                "bucket, the endpoint and your AWS credentials"
            ) from error
        raise StorageError(
            f"{self.uri}: could not take the run lease after {_ATTEMPTS} tries (other processes "
            "keep taking it); try again"
        )

    def _locked(self, info: dict[str, Any], expires: datetime) -> RunLockedError:
        lease_s = info.get("lease_s", self.lease_s)
        lease_s = lease_s if isinstance(lease_s, (int, float)) else self.lease_s
        return RunLockedError(
            f"{self.location}: another process holds this run ({Holder.parse(info).describe()}; "
            f"lease until {_iso(expires, 'seconds')}); wait for it to finish or stop it; a "
            f"crashed holder's lease expires after {lease_s:g} s"
        )

    def _renew_until_stopped(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            with self._mutex:
                if self._stop.is_set() or self._lost is not None:
                    return
                try:
                    self._renew()
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                    self._last_error = e  # try again next round; check() reports it if it lasts
                    _log.warning("%s: could not renew the run lease (%s)", self.uri, _describe(e))

    def _renew(self) -> None:
        """Extends our lease (mutex held); on a failed condition, finds out whether it is lost."""
        try:
            self._etag, self._expires = self._put(IfMatch=self._etag)
            self._last_error = None
            return
        except botocore.exceptions.ClientError as error:
            if _code(error) not in _CONFLICT | _MISSING:
                raise
        current = self._read()
        if current is not None and current[0].get("token") == self.token:
            _, self._etag, self._expires = current  # our renewal landed; its reply was lost
            return
        self._lost = self._taken_message(current)

    def _taken_message(self, current: tuple[dict[str, Any], str, datetime] | None) -> str:
        if current is None:
            whom = "deleted by another process"
        else:
            whom = f"taken by another process ({Holder.parse(current[0]).describe()})"
        return (
            f"{self.uri}: the run lease was {whom}; this process no longer owns the run and "
            "must stop writing to it"
        )

    def check(self) -> None:
        """Reads the lease (one GET) and raises StorageError unless it is still ours."""
        with self._mutex:
            if self._stop.is_set():
                raise StorageError(f"{self.location}: the run lease was released")
            if self._lost is None:
                try:
                    current = self._read()
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                    if _now() < self._expires:
                        return  # unreadable now, but ours until it expires
                    raise StorageError(
                        f"{self.uri}: the run lease expired at {_iso(self._expires, 'seconds')} "
                        f"and could not be renewed ({_describe(self._last_error or e)}); another "
                        "process may take over the run"
                    ) from e
                if current is not None and current[0].get("token") == self.token:
                    return
                self._lost = self._taken_message(current)
            raise StorageError(self._lost)

    def release(self) -> None:
        """Stops renewing and deletes the lease if it is still ours."""
        with self._mutex:
            if self._stop.is_set():
                return
            self._stop.set()
            lost = self._lost is not None
        self._thread.join()
        if lost:
            return
        try:
            self._delete_if_ours()
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise StorageError(
                f"{self.uri}: could not delete the run lease ({_describe(error)}); it expires by "
                f"itself at {_iso(self._expires, 'seconds')}"
            ) from error

    def _delete_if_ours(self) -> None:
        """Deletes the lease only while it is ours (a conditional delete on our last ETag)."""
        etag = self._etag
        for _ in range(2):
            try:
                self._client.delete_object(Bucket=self._bucket, Key=self._key, IfMatch=etag)
                return
            except botocore.exceptions.ClientError as error:
                if _code(error) in _MISSING:
                    return
                if _code(error) not in _CONFLICT:
                    raise
            current = self._read()  # our ETag may be stale if a renewal's reply was lost
            if current is None or current[0].get("token") != self.token:
                return  # gone, or someone else's now: not ours to delete
            etag = current[1]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime, timespec: str) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec=timespec)


def _one_line(value: object, limit: int = 100) -> str | int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return " ".join(str(value).split())[:limit] or "?"


def _code(error: botocore.exceptions.ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _describe(error: Exception) -> str:
    if isinstance(error, botocore.exceptions.ClientError):
        return f"{_code(error)}: {error}"
    return f"{type(error).__name__}: {error}"
