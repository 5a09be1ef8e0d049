"""Where archives are kept: a local directory or an S3-compatible bucket, behind one small
interface (``put``, ``get``, ``names``, ``location``)."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit


class ArchiveError(Exception):
    """An archive is missing, unreadable, or does not match its manifest."""


class LocalStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    @property
    def location(self) -> str:
        return str(self.root)

    def put(self, name: str, path: Path) -> None:
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(path, temporary)
        os.replace(temporary, target)

    def get(self, name: str, path: Path) -> None:
        source = self.root / name
        if not source.exists():
            raise ArchiveError(f"{name} is not in {self.root}")
        shutil.copyfile(source, path)

    def names(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*.manifest.json"))


class S3Store:
    """An S3-compatible bucket (AWS, MinIO, moto); credentials from the usual AWS variables."""

    def __init__(self, url: str, endpoint_url: str | None = None):
        import boto3

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ArchiveError(f"not an s3://bucket/prefix URL: {url}")
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint_url)

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, name: str, path: Path) -> None:
        with self._errors(f"cannot store {name} in {self.location}"):
            self.client.upload_file(str(path), self.bucket, self._key(name))

    def get(self, name: str, path: Path) -> None:
        with self._errors(f"cannot read {name} from {self.location}"):
            self.client.download_file(self.bucket, self._key(name), str(path))

    def names(self) -> list[str]:
        found = []
        start = len(self.prefix) + 1 if self.prefix else 0
        with self._errors(f"cannot list {self.location}"):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []):
                    if item["Key"].endswith(".manifest.json"):
                        found.append(item["Key"][start:])
        return sorted(found)

    @staticmethod
    @contextlib.contextmanager
    def _errors(what: str):
        """botocore's errors (unreachable endpoint, missing key, refused credentials) as ArchiveError."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError) as error:
            raise ArchiveError(f"{what}: {error}") from error


def open_store(target: str, s3_endpoint_url: str | None = None):
    return S3Store(target, s3_endpoint_url) if target.startswith("s3://") else LocalStore(target)
