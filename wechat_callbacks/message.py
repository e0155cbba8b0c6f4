"""Reading a verified message the same way whether it came as XML (flattened by parse_xml into
"Parent.Child" and "Name.0" keys) or as JSON (nested objects and arrays)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    fields: Mapping[str, Any]

    def get(self, *path: str) -> str | None:
        """A scalar field as text (never int: MsgId is 64-bit), or None when absent or not a scalar."""
        flat = ".".join(path)
        value: Any = self.fields.get(flat)
        if value is None and len(path) > 1:
            value = self.fields
            for part in path:
                value = value.get(part) if isinstance(value, Mapping) else None
        if value is None or isinstance(value, Mapping | list) or value == "":
            return None
        return str(value)

    @property
    def msg_type(self) -> str:
        return (self.get("MsgType") or "").lower()

    @property
    def event(self) -> str | None:
        return self.get("Event")

    @property
    def from_user(self) -> str:
        return self.get("FromUserName") or ""

    @property
    def to_user(self) -> str:
        return self.get("ToUserName") or ""

    def items(self, container: str) -> list[dict[str, str]]:
        """The entries of a list such as SubscribeMsgPopupEvent: one object or many, in either format.

        XML: <SubscribeMsgPopupEvent><List>…</List><List>…</List></SubscribeMsgPopupEvent>.
        JSON: "SubscribeMsgPopupEvent": [{…}] or {…}, sometimes wrapped as {"List": …}.
        """
        value = self.fields.get(container)
        if value is not None:
            if isinstance(value, Mapping) and "List" in value:
                value = value["List"]
            entries = [value] if isinstance(value, Mapping) else value if isinstance(value, list) else []
            return [{str(k): str(v) for k, v in e.items()} for e in entries if isinstance(e, Mapping)]
        prefix = f"{container}.List."
        groups: dict[str, dict[str, str]] = {}
        for key, raw in self.fields.items():
            if not key.startswith(prefix):
                continue
            rest = key[len(prefix) :]
            index, _, name = rest.partition(".")
            if not (name and index.isdigit()):
                index, name = "", rest  # a single <List>: no index in the key
            groups.setdefault(index, {})[name] = str(raw)
        return [groups[k] for k in sorted(groups, key=lambda k: int(k) if k else -1)]
