"""Which failures are worth trying again: the one predicate the Prefect tasks' retry condition asks.

Transient: the network or the store hiccupped (a 5xx or 429 after the fetch library's own retries, a
reset connection, a timeout, S3 throttling or a 5xx, an I/O error of the lake, a commit lost to other
writers). Permanent: everything else — an HTTP 404, a corrupt or hostile file, a validation failure, a
programming error — fails the same way every time, so a retry would only repeat it.
"""

from __future__ import annotations

import requests
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from gongkai.fetch.http import FetchError

_S3_THROTTLING = {
    "Throttling",
    "ThrottlingException",
    "SlowDown",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "InternalError",
    "ServiceUnavailable",
    "RequestLimitExceeded",
    "TooManyRequestsException",
}
# OSErrors that say the path or permissions are wrong: asking again gives the same answer
_PERMANENT_OS_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


def is_transient(exc: BaseException | None) -> bool:
    """Would the same call likely succeed if tried again a little later?"""
    seen = 0
    while exc is not None and seen < 5:  # an exception raised while handling a transient one counts too
        if _transient(exc):
            return True
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
        seen += 1
    return False


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, FetchError):
        return exc.transient
    if isinstance(exc, requests.exceptions.SSLError):  # a certificate does not fix itself
        return False
    if isinstance(
        exc, requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError
    ):
        return True
    if isinstance(exc, requests.RequestException):  # an OSError too, but a bad URL, schema, redirect…
        return False
    if isinstance(exc, BotoConnectionError | HTTPClientError):  # endpoint unreachable, timeouts, resets
        return True
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return error.get("Code") in _S3_THROTTLING or int(status) >= 500 or int(status) == 429
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    if isinstance(exc, OSError):
        return not isinstance(exc, _PERMANENT_OS_ERRORS)
    # the lake writer gives up after several commits lost to concurrent writers: a later attempt succeeds
    return isinstance(exc, RuntimeError) and "concurrent writers" in str(exc)
