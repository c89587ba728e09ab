"""Where Burr (0.43) and what a run needs part ways: each workaround here, and only here."""

from __future__ import annotations

from typing import Any


def step_finished(result: dict[str, Any] | None, exception: BaseException | None) -> bool:
    """Whether a post-run-step hook call reports a step that finished.

    Burr calls the post-run-step hooks from a `finally` in `Application._step`
    (burr/core/application.py) and catches only `Exception`: a step stopped by KeyboardInterrupt
    (and by SIGTERM/SIGHUP, which interrupts.py raises as one) reaches the hooks with
    exception=None, the state from before the step and result=None, as if it had succeeded —
    Burr's own PersisterHook then saves it as "completed". Every game action returns a dict, so
    a None result means the action never returned. tests/test_interruptions.py fails without
    this check.
    """
    return exception is None and result is not None


def as_resume(parent_pointer: Any) -> Any:
    """The parent pointer a tracker should log for an app restored by initialize_from.

    Burr reports such an app as a fork whose parent app id is None; the trackers then fail to
    write the app's metadata. A resume is not a fork.
    """
    if parent_pointer is not None and parent_pointer.app_id is None:
        return None
    return parent_pointer
