"""The audit store: runs and records in SQLite or PostgreSQL (SPEC.md, "Audit store")."""

from certcheck.store.engine import StoreError
from certcheck.store.schema import SCHEMA_VERSION
from certcheck.store.writer import AuditStore

__all__ = ["SCHEMA_VERSION", "AuditStore", "StoreError"]
