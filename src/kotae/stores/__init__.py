"""Where a build's postings and vectors live: the local files of the index folder (the default) or Milvus."""

from __future__ import annotations

from kotae.stores.base import RemoteSearch, Store

KINDS = ("local", "milvus")


def get(kind: str) -> Store:
    """The store of one kind; Milvus's (and pymilvus) is imported only when asked for."""
    if kind == "milvus":
        from kotae.stores.milvus_build import MILVUS

        return MILVUS
    from kotae.stores.local import LOCAL

    return LOCAL


__all__ = ["KINDS", "RemoteSearch", "Store", "get"]
