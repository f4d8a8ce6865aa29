"""The audit store: an SQLite database of runs and records (SPEC.md, "Audit store")."""

from certcheck.store.schema import SCHEMA_VERSION, StoreError
from certcheck.store.writer import AuditStore

__all__ = ["SCHEMA_VERSION", "AuditStore", "StoreError"]
