"""One writer per run: a local flock and an S3 lease, against real processes and moto_server."""

import json
import multiprocessing
import os
import signal
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from image_telephone.errors import RunLockedError, StorageError
from image_telephone.store.run_lock import acquire_run_lock
from image_telephone.store.s3_store import S3Store
from image_telephone.store.storage import LocalStore
from image_telephone.store.uploads import PipelinedStore

ISO_SECONDS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"


def _hold(folder, ready):
    """A holder process: takes the run and waits to be killed."""
    acquire_run_lock(LocalStore(folder))
    ready.set()
    time.sleep(60)


def test_local_second_acquirer_in_the_same_process_is_told_it_holds_the_run(tmp_path):
    store = LocalStore(tmp_path / "runs" / "r1")  # the folder does not exist yet
    with acquire_run_lock(store) as lock:
        with pytest.raises(RunLockedError) as refused:
            acquire_run_lock(store)
        lock.check()
        assert f'"pid": {os.getpid()}' in (store.root / ".lock").read_text()
        assert socket.gethostname() in (store.root / ".lock").read_text()
    message = str(refused.value)
    assert "\n" not in message and store.location in message
    assert "this process holds this run already" in message
    assert refused.value.exit_code == 5
    assert store.files() == []  # .lock is hidden from run listings


def test_local_lock_of_a_killed_holder_is_free_at_once(tmp_path):
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    holder = context.Process(target=_hold, args=(str(tmp_path), ready), daemon=True)
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(RunLockedError, match=rf"pid {holder.pid}, since {ISO_SECONDS}"):
            acquire_run_lock(LocalStore(tmp_path))
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(10)
    assert holder.exitcode == -signal.SIGKILL
    acquire_run_lock(LocalStore(tmp_path)).release()


def test_local_release_then_acquire_again_and_check_after_release(tmp_path):
    store = LocalStore(tmp_path)
    first = acquire_run_lock(PipelinedStore(store))
    first.release()
    first.release()  # a second release does nothing
    with pytest.raises(StorageError, match="released"):
        first.check()
    with acquire_run_lock(store) as second:
        second.check()
        os.remove(tmp_path / ".lock")
        with pytest.raises(StorageError, match="removed or replaced"):
            second.check()


def _s3(bucket, prefix="runs/r1"):
    name, _ = bucket
    return S3Store(name, prefix, boto3.client("s3"))


def _lease(bucket, key="runs/r1/.lease"):
    name, client = bucket
    return json.loads(client.get_object(Bucket=name, Key=key)["Body"].read())


def _leave_lease(bucket, expires_in_s, host="crashed-host", key="runs/r1/.lease"):
    """Writes a lease as another (possibly crashed) process would have left it."""
    name, client = bucket
    now = datetime.now(timezone.utc)
    lease = {
        "host": host,
        "pid": 4242,
        "since": (now - timedelta(seconds=300)).isoformat(timespec="seconds"),
        "expires_at": (now + timedelta(seconds=expires_in_s)).isoformat(timespec="milliseconds"),
        "lease_s": 60,
        "token": "someone-else",
    }
    client.put_object(Bucket=name, Key=key, Body=json.dumps(lease).encode())


def test_s3_second_acquirer_is_refused_and_release_deletes_the_lease(bucket):
    lock = acquire_run_lock(_s3(bucket))
    lease = _lease(bucket)
    assert lease["token"] == lock.token and lease["pid"] == os.getpid()
    with pytest.raises(RunLockedError) as refused:
        acquire_run_lock(_s3(bucket))
    message = str(refused.value)
    assert "\n" not in message and "s3://" in message
    assert f"host {socket.gethostname()}, pid {os.getpid()}, since {lock.holder.since}" in message
    assert "expires after 60 s" in message
    assert _s3(bucket).files() == []  # .lease is hidden from run listings
    lock.release()
    name, client = bucket
    assert client.list_objects_v2(Bucket=name).get("KeyCount") == 0
    acquire_run_lock(_s3(bucket)).release()


def test_s3_expired_lease_of_a_crashed_holder_is_taken_over(bucket):
    _leave_lease(bucket, expires_in_s=-5)
    with acquire_run_lock(_s3(bucket)) as lock:
        assert _lease(bucket)["token"] == lock.token
        lock.check()


def test_s3_live_lease_is_not_taken_over(bucket):
    _leave_lease(bucket, expires_in_s=30, host="busy-host")
    with pytest.raises(RunLockedError, match=rf"host busy-host, pid 4242, since {ISO_SECONDS}"):
        acquire_run_lock(_s3(bucket))
    assert _lease(bucket)["token"] == "someone-else"


def _take_at_once(stores):
    """Each store's acquirer starts at the same moment: (the locks won, the refusals)."""
    barrier = threading.Barrier(len(stores))
    won, refused = [], []

    def take(store):
        barrier.wait(5)
        try:
            won.append(acquire_run_lock(store))
        except RunLockedError as error:
            refused.append(error)

    threads = [threading.Thread(target=take, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return won, refused


def test_s3_two_takeovers_at_once_exactly_one_wins(bucket):
    for round_ in range(5):
        prefix = f"race/{round_}"
        _leave_lease(bucket, expires_in_s=-1, key=f"{prefix}/.lease")
        won, refused = _take_at_once([_s3(bucket, prefix) for _ in range(2)])
        assert (len(won), len(refused)) == (1, 1)
        assert _lease(bucket, f"{prefix}/.lease")["token"] == won[0].token
        won[0].release()


def test_s3_renewal_keeps_the_lease_past_lease_s(bucket):
    with acquire_run_lock(_s3(bucket), lease_s=1.5) as lock:
        first = _lease(bucket)["expires_at"]
        time.sleep(2.0)
        lock.check()
        assert _lease(bucket)["expires_at"] > first
        with pytest.raises(RunLockedError):
            acquire_run_lock(_s3(bucket), lease_s=1.5)


def test_s3_lease_overwritten_by_someone_else_fails_check(bucket):
    lock = acquire_run_lock(_s3(bucket))
    _leave_lease(bucket, expires_in_s=60, host="intruder")
    with pytest.raises(StorageError, match="taken by another process .host intruder"):
        lock.check()
    lock.release()  # not ours any more: left in place
    assert _lease(bucket)["host"] == "intruder"
