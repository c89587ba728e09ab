"""The batcher: concurrent callers are served in batches of one key, no larger than the maximum,
after no more than the maximum wait; a batch's error reaches each of its callers, and a leader
interrupted mid-batch leaves nobody waiting."""

import os
import signal
import threading
import time

import pytest

from image_telephone.errors import InputError
from image_telephone.providers.batching import Batcher, batch_limits


def _together(count, call):
    """call(i) from count threads started at once; their results (or errors) by i."""
    results, start = [None] * count, threading.Barrier(count)

    def worker(index):
        start.wait()
        try:
            results[index] = call(index)
        except BaseException as error:  # noqa: B036 - the test reads interrupts too
            results[index] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not any(thread.is_alive() for thread in threads), "a caller is still waiting"
    return results


def test_concurrent_callers_share_batches_no_larger_than_the_maximum():
    seen = []

    def run(key, items):
        seen.append(list(items))
        return [item * 10 for item in items]

    batcher = Batcher(run, max_size=4, max_wait_s=0.5)
    results = _together(10, lambda i: batcher.submit_sized(i))
    assert [result for result, _ in results] == [i * 10 for i in range(10)]
    assert sorted(item for batch in seen for item in batch) == list(range(10))
    assert max(map(len, seen)) == 4 and all(len(batch) <= 4 for batch in seen)
    assert all(size == len(next(b for b in seen if i in b)) for i, (_, size) in enumerate(results))
    assert sum(size * count for size, count in batcher.sizes.items()) == 10


def test_a_batch_holds_one_key_only():
    batches = []

    def run(key, items):
        batches.append((key, list(items)))
        return items

    batcher = Batcher(run, max_size=8, max_wait_s=0.3)
    _together(6, lambda i: batcher.submit(i, key=i % 2))
    assert all(all(item % 2 == key for item in items) for key, items in batches)
    assert sorted(item for _, items in batches for item in items) == list(range(6))


def test_a_lone_caller_waits_at_most_the_maximum_wait():
    batcher = Batcher(lambda key, items: items, max_size=8, max_wait_s=0.3)
    started = time.perf_counter()
    assert batcher.submit("x") == "x"
    assert 0.29 <= time.perf_counter() - started < 2
    unbatched = Batcher(lambda key, items: items, max_size=1, max_wait_s=5)
    started = time.perf_counter()
    assert unbatched.submit("y") == "y"
    assert time.perf_counter() - started < 1  # a full batch goes at once


def test_a_batch_error_reaches_each_caller_as_its_own():
    def run(key, items):
        raise ValueError("the model fell over")

    batcher = Batcher(run, max_size=3, max_wait_s=0.5)
    errors = _together(3, lambda i: batcher.submit(i))
    assert all(isinstance(error, ValueError) for error in errors)
    assert {str(error) for error in errors} == {"the model fell over"}
    assert len({id(error) for error in errors}) == 3


def test_an_interrupted_leader_leaves_no_caller_waiting():
    calls = []

    def run(key, items):
        calls.append(list(items))
        if len(calls) == 1:
            raise KeyboardInterrupt  # Ctrl-C in the thread running the first batch
        return [item + 100 for item in items]

    batcher = Batcher(run, max_size=3, max_wait_s=0.5)
    results = _together(3, lambda i: batcher.submit(i))
    interrupted = [r for r in results if isinstance(r, KeyboardInterrupt)]
    answered = sorted(r for r in results if not isinstance(r, BaseException))
    assert len(interrupted) == 1 and len(answered) == 2
    assert all(value >= 100 for value in answered)
    # The others' items were run again; the interrupted caller's was withdrawn.
    assert len(calls[1]) == 2


def test_a_caller_interrupted_while_waiting_leaves_the_queue():
    ran, release = [], threading.Event()

    def run(key, items):
        ran.append((key, list(items)))
        if key == "slow":
            release.wait(10)
        return items

    batcher = Batcher(run, max_size=1, max_wait_s=0)
    leader = threading.Thread(target=batcher.submit, args=("a", "slow"))
    leader.start()
    while not ran:
        time.sleep(0.01)
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt):
        batcher.submit("b", "fast")  # Ctrl-C while it waits behind the slow batch
    release.set()
    leader.join(timeout=10)
    assert batcher.submit("c", "fast") == "c"
    assert ("fast", ["b"]) not in ran and ("fast", ["c"]) in ran


@pytest.mark.parametrize(("size", "wait"), [("0", "20"), ("8", "-1"), ("many", "20")])
def test_bad_batch_limits_are_named_in_one_line(monkeypatch, size, wait):
    monkeypatch.setenv("IMAGE_TELEPHONE_BATCH_SIZE", size)
    monkeypatch.setenv("IMAGE_TELEPHONE_BATCH_WAIT_MS", wait)
    with pytest.raises(InputError, match="IMAGE_TELEPHONE_BATCH_SIZE") as raised:
        batch_limits()
    assert "\n" not in str(raised.value)


def test_batch_limits_come_from_the_environment(monkeypatch):
    assert batch_limits() == (8, 0.02)
    monkeypatch.setenv("IMAGE_TELEPHONE_BATCH_SIZE", "16")
    monkeypatch.setenv("IMAGE_TELEPHONE_BATCH_WAIT_MS", "5")
    assert batch_limits() == (16, 0.005)
