"""Where the lake lives: a local folder or an S3-compatible bucket, behind one small interface.

Keys are '/'-separated paths relative to the lake root (e.g. ``tables/reports/report_year=2023/x.parquet``).
Every `put` is atomic for readers: a local file is written under a hidden temporary name and
renamed into place; an S3 object only appears once its upload completes. `if_absent=True` is a
conditional put: the local store uses a hard link (fails if the name exists), S3 sends
``If-None-Match: *`` and falls back to check-then-put on stores that ignore the header.

S3 is configured the standard AWS way: ``AWS_ENDPOINT_URL`` (or ``AWS_ENDPOINT_URL_S3``) for a
non-AWS endpoint, the usual credentials chain and ``AWS_REGION``/``AWS_DEFAULT_REGION``.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable
from urllib.parse import unquote, urlparse

from gongkai.settings import get_settings


@runtime_checkable
class Store(Protocol):
    uri: str  # 'file:///abs/path' or 's3://bucket/prefix'

    def put(self, key: str, data: bytes, *, if_absent: bool = False) -> bool:
        """Write `data` at `key`. With if_absent, write only if the key does not exist; False if it did."""
        ...

    def put_file(self, key: str, source: BinaryIO) -> None:
        """Write the content of the binary file `source` (from its start) at `key`, a block at a time."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes at `key`; KeyError if missing."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> list[str]:
        """Keys under `prefix` (a plain string prefix, not a glob), sorted."""
        ...

    def delete(self, key: str) -> None:
        """Remove `key`; missing keys are ignored."""
        ...

    def url(self, key: str) -> str:
        """The full URI of `key` (file:///… or s3://…)."""
        ...


def open_stream(store: Store, key: str) -> BinaryIO:
    """A binary file object over `key`, read as it is consumed where the store can (both stores here
    can); KeyError if missing."""
    if hasattr(store, "open_input"):
        return store.open_input(key)  # type: ignore[no-any-return]
    return io.BytesIO(store.get(key))


def put_parts(store: Store, key: str, parts: Iterable[bytes]) -> None:
    """Write `parts` one after another at `key`, through a temporary file: a large object made a part at a
    time (a national run's record or page) is never held whole, nor copied."""
    with tempfile.TemporaryFile() as out:
        for part in parts:
            out.write(part)
        store.put_file(key, out)


# what any writer of a lake leaves at its root: the commit log, the tables, the raw zone, run records
LAKE_TOP_FOLDERS = ("_lake", "tables", "raw", "runs")


class LakeNotFound(FileNotFoundError):
    """A read found no lake where it was pointed (readers never create one)."""


def _clean_key(key: str) -> str:
    key = key.lstrip("/")
    if not key or any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"invalid lake key: {key!r}")
    return key


class LocalStore:
    """A lake in a local folder. Temporary files are hidden (leading '.') so `*.parquet` globs skip them."""

    def __init__(self, root: str | os.PathLike[str], *, create: bool = True) -> None:
        self.root = Path(root).expanduser().resolve()
        if create:
            self.root.mkdir(parents=True, exist_ok=True)
        self.uri = self.root.as_uri()

    def holds_lake(self) -> bool:
        return any((self.root / top).is_dir() for top in LAKE_TOP_FOLDERS)

    def path(self, key: str) -> Path:
        return self.root / _clean_key(key)

    def put(self, key: str, data: bytes, *, if_absent: bool = False) -> bool:
        target = self.path(key)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        with self._create(tmp) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            if if_absent:
                try:
                    os.link(tmp, target)  # atomic create-if-absent
                except FileExistsError:
                    return False
            else:
                os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return True

    def put_file(self, key: str, source: BinaryIO) -> None:
        target = self.path(key)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        source.seek(0)
        try:
            with self._create(tmp) as fh:
                shutil.copyfileobj(source, fh, 1 << 20)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list(self, prefix: str) -> list[str]:
        prefix = prefix.lstrip("/")
        # walk only the deepest directory the prefix names
        base_dir = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self.root / base_dir if base_dir else self.root
        if not start.is_dir():
            return []
        keys = []
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            rel_dir = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                if name.startswith("."):
                    continue  # in-flight temporary files
                key = name if rel_dir == "." else f"{rel_dir}/{name}"
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def delete(self, key: str) -> None:
        path = self.path(key)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._prune(path.parent)

    def _create(self, path: Path) -> io.BufferedWriter:
        """Open a new file for writing, making its folder; a concurrent `_prune` may remove that folder
        between the two steps (it is empty until the file exists), so make it again."""
        for attempt in range(20):
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                return open(path, "xb")  # noqa: SIM115 - the caller closes it
            except FileNotFoundError:
                if attempt == 19:
                    raise
        raise AssertionError("unreachable")

    def _prune(self, folder: Path) -> None:
        """Remove `folder` and then its parents while they are empty, up to the lake root: a partition whose
        last file went, a batch's staging once published. A folder a writer just made is empty until its
        file appears; writers make it again when it went (`_create`, `promote`)."""
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:  # not empty, or already gone
                return
            folder = folder.parent

    def url(self, key: str) -> str:
        return self.path(key).as_uri()

    def open_input(self, key: str) -> io.BufferedIOBase:
        """A seekable binary file for `key` (Parquet readers fetch only the footer and columns they need)."""
        try:
            return open(self.path(key), "rb")  # noqa: SIM115 - the caller closes it
        except (FileNotFoundError, IsADirectoryError):
            raise KeyError(key) from None

    def promote(self, src: str, dst: str) -> None:
        """Move `src` to `dst` in one atomic rename (the commit step of the lake writer); the staging
        folders it leaves empty go."""
        source, target = self.path(src), self.path(dst)
        for _attempt in range(20):
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(source, target)
                break
            except FileNotFoundError:
                if not source.exists():  # moved already (another writer rolled the commit forward)
                    if not target.is_file():
                        raise KeyError(src) from None
                    break
                # else the target's folder was pruned between mkdir and rename: make it again
        else:
            raise OSError(f"cannot move {src} to {dst}: its folder keeps disappearing")
        self._prune(source.parent)

    def __repr__(self) -> str:
        return f"LocalStore({self.uri})"


class S3Store:
    """A lake under s3://bucket/prefix on AWS S3 or any S3-compatible store (SeaweedFS, MinIO, moto)."""

    def __init__(self, bucket: str, prefix: str = "", client: Any | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.client = client or make_s3_client()
        # None until learned: does the store honour If-None-Match on PUT?
        self._conditional_puts: bool | None = None

    def _key(self, key: str) -> str:
        key = _clean_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, *, if_absent: bool = False) -> bool:
        from botocore.exceptions import ClientError

        full = self._key(key)
        if not if_absent:
            self.client.put_object(Bucket=self.bucket, Key=full, Body=data)
            return True
        # Until the store has shown it honours If-None-Match (an HTTP 412), also look first: on a store
        # that ignores the header this is check-then-put — not race-free, but it never overwrites a key
        # it can see. AWS S3, SeaweedFS and moto honour the header.
        if not self._conditional_puts and self.exists(key):
            return False
        try:
            self.client.put_object(Bucket=self.bucket, Key=full, Body=data, IfNoneMatch="*")
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 412 or code in ("PreconditionFailed", "ConditionalRequestConflict"):
                self._conditional_puts = True
                return False
            if status == 501 or code == "NotImplemented":  # header refused: plain put after the check above
                self._conditional_puts = False
                self.client.put_object(Bucket=self.bucket, Key=full, Body=data)
                return True
            raise
        return True

    def put_file(self, key: str, source: BinaryIO) -> None:
        source.seek(0)  # boto3 sends a file body in blocks (and seeks back to retry)
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=source)

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise KeyError(key) from None
            raise

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return False
            raise

    def list(self, prefix: str) -> list[str]:
        prefix = prefix.lstrip("/")
        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
            keys.extend(obj["Key"][strip:] for obj in page.get("Contents", []))
        return sorted(k for k in keys if k and not k.endswith("/"))

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def open_input(self, key: str) -> io.BufferedIOBase:
        """A seekable file over ranged GETs: Parquet readers fetch only the footer and the columns they need."""
        from botocore.exceptions import ClientError

        full = self._key(key)
        try:
            size = self.client.head_object(Bucket=self.bucket, Key=full)["ContentLength"]
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise KeyError(key) from None
            raise
        return io.BufferedReader(_S3RangeReader(self.client, self.bucket, full, size), buffer_size=1 << 20)

    def promote(self, src: str, dst: str) -> None:
        """Copy `src` to `dst` server-side (the object appears whole), then delete `src`."""
        from botocore.exceptions import ClientError

        try:
            self.client.copy_object(
                Bucket=self.bucket,
                Key=self._key(dst),
                CopySource={"Bucket": self.bucket, "Key": self._key(src)},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                if not self.exists(dst):
                    raise KeyError(src) from None
                return
            raise
        self.delete(src)

    def holds_lake(self) -> bool:
        for top in LAKE_TOP_FOLDERS:
            prefix = f"{self.prefix}/{top}/" if self.prefix else f"{top}/"
            if self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=1).get("KeyCount"):
                return True
        return False

    def __repr__(self) -> str:
        return f"S3Store({self.uri})"


class _S3RangeReader(io.RawIOBase):
    def __init__(self, client: Any, bucket: str, key: str, size: int) -> None:
        self.client, self.bucket, self.key, self.size, self.pos = client, bucket, key, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.size - self.pos)
        if n <= 0:
            return 0
        body = self.client.get_object(
            Bucket=self.bucket, Key=self.key, Range=f"bytes={self.pos}-{self.pos + n - 1}"
        )["Body"].read()
        buffer[: len(body)] = body
        self.pos += len(body)
        return len(body)


def make_s3_client() -> Any:
    """A boto3 S3 client configured from the environment (endpoint, credentials chain, region).

    S3-compatible stores get path-style addressing (bucket in the path), which they all accept.
    """
    import boto3
    from botocore.config import Config

    endpoint = get_settings().aws_endpoint_url
    config = Config(
        s3={"addressing_style": "path" if endpoint else "auto"},
        retries={"max_attempts": 5, "mode": "standard"},
    )
    return boto3.client("s3", endpoint_url=endpoint or None, config=config)


def open_store(uri: str | None = None, *, create: bool = True) -> Store:
    """Open the lake at `uri`: None → $GONGKAI_LAKE or ./lake; a path or file:// URI → a folder;
    s3://bucket/prefix → S3 via boto3. `create=False` (readers): nothing is created, and a place holding
    no lake (none of `LAKE_TOP_FOLDERS`) raises LakeNotFound."""
    uri = uri or get_settings().lake
    parsed = urlparse(uri)
    store: LocalStore | S3Store
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ValueError(f"S3 lake URI needs a bucket: {uri!r}")
        store = S3Store(parsed.netloc, parsed.path)
    elif parsed.scheme == "file":
        store = LocalStore(unquote(parsed.path), create=create)
    elif parsed.scheme and len(parsed.scheme) > 1:  # a drive letter is not a scheme
        raise ValueError(
            f"unsupported lake URI scheme {parsed.scheme!r} in {uri!r} (use a path, file:// or s3://)"
        )
    else:
        store = LocalStore(uri, create=create)
    if not create and not store.holds_lake():
        where = str(store.root) if isinstance(store, LocalStore) else store.uri
        what = (
            "no such folder" if isinstance(store, LocalStore) and not store.root.exists() else "no lake there"
        )
        raise LakeNotFound(f"no lake at {where} ({what}; --lake or $GONGKAI_LAKE names the lake)")
    return store
