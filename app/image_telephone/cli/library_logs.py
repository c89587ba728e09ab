"""Keeps Burr's and Hamilton's own error logging (Burr's "Oh no an error!" banner with its state
dump and traceback) off the terminal: the command names each failure itself, in one line."""

from __future__ import annotations

import logging
from pathlib import Path

LIBRARY_LOGGERS = ("burr", "hamilton")
_MARK = "_image_telephone_library_log"  # on the handlers added here, so a later call replaces them


def keep_library_logs_off_terminal(log_file: str | Path | None = None) -> None:
    """Burr's and Hamilton's records go to log_file (warnings and up, appended) when given, else
    nowhere; never to the terminal. A later call replaces what an earlier one set up."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        for handler in [h for h in logger.handlers if getattr(h, _MARK, False)]:
            logger.removeHandler(handler)
            handler.close()
        if log_file is None:
            logger.setLevel(logging.CRITICAL)  # not even formatted
            logger.propagate = True
            continue
        handler = logging.FileHandler(log_file, encoding="utf-8", delay=True)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        setattr(handler, _MARK, True)
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
        logger.propagate = False  # the root logger's handler writes to the terminal


def show_library_logs() -> None:
    """-v: Burr's, Hamilton's and the other libraries' records at INFO reach the terminal."""
    keep_library_logs_off_terminal()  # drops a log file's handlers set up by an earlier call
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    logging.getLogger().setLevel(logging.INFO)
