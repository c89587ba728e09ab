"""The few named errors image-telephone raises; each message names the input and the fix."""


class TelephoneError(Exception):
    """Base class: every error the library raises on purpose."""

    exit_code = 1


class InputError(TelephoneError, ValueError):
    """Bad input from the user: a missing file, a non-image, a bad name or number."""

    exit_code = 2


class ProviderError(TelephoneError):
    """A model provider failed or refused, after retries."""

    exit_code = 3


class StorageError(TelephoneError):
    """The store could not be read or written."""

    exit_code = 4


class RunConflictError(TelephoneError):
    """A saved run exists with different parameters."""

    exit_code = 5


class RunLockedError(TelephoneError):
    """Another process holds the run: one writer per run at a time."""

    exit_code = 5
