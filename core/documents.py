"""Back up and restore the stored files that the database refers to, through Django's storage API, so the same
commands work for the local folder and for S3-compatible storage.

An archive is a gzipped tar: one member per stored file under its storage name, and ``MANIFEST.json`` with each
name's size and SHA-256. Only files that some row refers to are archived, so a database dump and a documents
archive taken one after the other restore to a consistent installation (a file uploaded in between is simply not
referred to by the older dump)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import models

MANIFEST = "MANIFEST.json"
CHUNK = 1024 * 1024


@dataclass
class Outcome:
    """What a backup or restore did, name by name."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.conflicting or self.corrupt)


def referenced_names() -> Iterator[str]:
    """Every stored file name held by a FileField of any model, each once, in a stable order."""
    names: set[str] = set()
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, models.FileField):
                values = model._default_manager.exclude(**{model_field.name: ""}).values_list(
                    model_field.name, flat=True
                )
                names.update(value for value in values.iterator() if value)
    yield from sorted(names)


def _digest(handle) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
    return sha.hexdigest(), size


def backup(archive, *, storage: Storage = default_storage) -> Outcome:
    """Write every referenced file into `archive` (a binary file object), with the manifest last."""
    outcome, manifest = Outcome(), {}
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        for name in referenced_names():
            try:
                with storage.open(name, "rb") as handle:
                    sha, size = _digest(handle)
                    handle.seek(0)
                    info = tarfile.TarInfo(name)
                    info.size = size
                    info.mode = 0o600
                    tar.addfile(info, handle)
            except (FileNotFoundError, OSError):
                outcome.missing.append(name)
                continue
            manifest[name] = {"sha256": sha, "size": size}
            outcome.written.append(name)
        data = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return outcome


def _safe_member_name(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "" not in parts


def restore(archive, *, storage: Storage = default_storage, overwrite: bool = False) -> Outcome:
    """Put the archive's files back under their own names. A file already there with the same bytes is left alone;
    one with other bytes is reported (or replaced with `overwrite`); a member whose bytes do not match the manifest
    is reported and not written."""
    outcome = Outcome()
    with tarfile.open(fileobj=archive, mode="r:gz") as tar:
        manifest = json.load(tar.extractfile(MANIFEST))  # type: ignore[arg-type]
        for member in tar:
            if member.name == MANIFEST or not member.isfile():
                continue
            expected = manifest.get(member.name)
            if expected is None or not _safe_member_name(member.name):
                outcome.corrupt.append(member.name)
                continue
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            if hashlib.sha256(data).hexdigest() != expected["sha256"]:
                outcome.corrupt.append(member.name)
                continue
            if storage.exists(member.name):
                with storage.open(member.name, "rb") as handle:
                    if _digest(handle)[0] == expected["sha256"]:
                        outcome.unchanged.append(member.name)
                        continue
                if not overwrite:
                    outcome.conflicting.append(member.name)
                    continue
                storage.delete(member.name)
            stored_as = storage.save(member.name, ContentFile(data))
            if stored_as != member.name:  # the storage renamed it: the rows would not find it
                storage.delete(stored_as)
                outcome.conflicting.append(member.name)
                continue
            outcome.written.append(member.name)
    return outcome


def check(*, storage: Storage = default_storage) -> Outcome:
    """Which referenced files the storage does not have (after a restore, or as a periodic check)."""
    outcome = Outcome()
    for name in referenced_names():
        (outcome.unchanged if storage.exists(name) else outcome.missing).append(name)
    return outcome
