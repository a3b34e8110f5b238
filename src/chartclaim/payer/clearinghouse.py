"""Clearinghouse adapters: hand X12 files to a clearinghouse and collect what comes back.

Real clearinghouses (Availity, Waystar, Change/Optum, Office Ally) exchange batch X12 through SFTP mailboxes:
the practice drops 837s into an outbound folder and picks 999/277CA/835 files up from an inbound folder. The
`DirectoryDrop` adapter is exactly that contract on a local (or mounted) file system, and the simulated payer
works the other end of the same folders. Which clearinghouse serves which payer is configuration
(`routes.yaml`), so wiring a real SFTP account later is an adapter plus a config entry, not a code change in
billing.

Delivery is crash-safe on both sides: files are written under a temporary name and renamed into place, and an
inbound file stays in the inbox until the consumer `acknowledge`s it (after it has been recorded), so a crash
between fetch and posting re-delivers rather than loses a remittance.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml


class ClearinghouseError(RuntimeError):
    """A clearinghouse exchange that could not be done; the message names the route/path."""


@dataclass(frozen=True)
class Submission:
    name: str  # the file name as the clearinghouse received it
    size: int


@dataclass(frozen=True)
class InboundFile:
    name: str
    content: bytes
    kind: str  # 999, 277CA, 835, TA1, 271, 277 or "unknown", sniffed from the envelope

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class Clearinghouse(Protocol):
    name: str

    def submit(self, name: str, content: bytes) -> Submission: ...

    def fetch(self) -> list[InboundFile]: ...

    def acknowledge(self, file: InboundFile) -> None: ...


def sniff_kind(content: bytes) -> str:
    """What an X12 file is, from its envelope: TA1, or the ST01 (+ GS08 to tell 277CA from 277)."""
    head = content[:4096].decode("latin-1", errors="replace").lstrip()
    if not head.startswith("ISA") or len(head) < 106:
        return "unknown"
    elem, seg = head[3], head[105]
    segs = [s.strip() for s in head.split(seg)]
    gs08 = ""
    for s in segs[1:]:
        parts = s.split(elem)
        if parts[0] == "TA1" and not any(x.startswith("GS" + elem) for x in segs):
            return "TA1"
        if parts[0] == "GS" and len(parts) > 8:
            gs08 = parts[8]
        if parts[0] == "ST" and len(parts) > 1:
            if parts[1] == "277" and "X214" in gs08:
                return "277CA"
            return parts[1]
    return "unknown"


_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,120}$")


@dataclass
class DirectoryDrop:
    """An SFTP-style mailbox pair on a file system: `outbox` is what we send, `inbox` what we receive."""

    root: Path
    name: str = "directory"
    outbox_dir: str = "outbox"
    inbox_dir: str = "inbox"
    archive_dir: str = "archive"
    # fsync each delivered file (a real mailbox must survive a crash; a throw-away demo sandbox need not)
    durable: bool = True

    def __post_init__(self) -> None:
        self.root = Path(self.root)

    @property
    def outbox(self) -> Path:
        return self.root / self.outbox_dir

    @property
    def inbox(self) -> Path:
        return self.root / self.inbox_dir

    @property
    def archive(self) -> Path:
        return self.root / self.archive_dir

    def _ensure(self) -> None:
        for d in (self.outbox, self.inbox, self.archive):
            d.mkdir(parents=True, exist_ok=True)

    def submit(self, name: str, content: bytes) -> Submission:
        if not _SAFE_NAME.match(name):
            raise ClearinghouseError(f"{self.name}: file name {name!r} is not a safe mailbox name")
        self._ensure()
        target = self.outbox / name
        if target.exists() or (self.archive / name).exists():
            raise ClearinghouseError(f"{self.name}: {name} was already submitted (refusing to resend it)")
        _atomic_write(target, content, self.durable)
        return Submission(name, len(content))

    def fetch(self) -> list[InboundFile]:
        self._ensure()
        out = []
        for p in sorted(self.inbox.iterdir()):
            if p.is_file() and not p.name.startswith("."):
                data = p.read_bytes()
                out.append(InboundFile(p.name, data, sniff_kind(data)))
        return out

    def acknowledge(self, file: InboundFile) -> None:
        src = self.inbox / file.name
        if src.exists():
            os.replace(src, self.archive / f"in-{file.name}")

    # The far side of the mailbox (what the clearinghouse or the simulated payer sees).
    def peer(self) -> DirectoryDrop:
        return DirectoryDrop(self.root, f"{self.name}-peer", self.inbox_dir, self.outbox_dir, self.archive_dir,
                             self.durable)

    def pending(self) -> Iterator[Path]:
        """Files waiting in the outbox (the peer's inbox)."""
        if self.outbox.is_dir():
            yield from sorted(p for p in self.outbox.iterdir() if p.is_file() and not p.name.startswith("."))


def _atomic_write(target: Path, content: bytes, durable: bool = True) -> None:
    tmp = target.with_name(f".{target.name}.part")
    with open(tmp, "wb") as fh:
        fh.write(content)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, target)


# ----------------------------------------------------------------------------------------------------------
# Configuration: which clearinghouse serves which payer.
# ----------------------------------------------------------------------------------------------------------

Factory = Callable[[str, dict[str, Any], Path], Clearinghouse]
_KINDS: dict[str, Factory] = {}


def register_kind(kind: str, factory: Factory) -> None:
    """Plug in another adapter (e.g. an SFTP client) under a config `kind`."""
    _KINDS[kind] = factory


def _directory_factory(name: str, cfg: dict[str, Any], base: Path) -> Clearinghouse:
    root = Path(str(cfg.get("root", name)).replace("{data_dir}", str(base)))
    if not root.is_absolute():
        root = base / root
    return DirectoryDrop(root, name, cfg.get("outbox", "outbox"), cfg.get("inbox", "inbox"),
                         cfg.get("archive", "archive"), bool(cfg.get("fsync", True)))


register_kind("directory", _directory_factory)


@dataclass
class Routes:
    """Clearinghouses by name and the payer → clearinghouse routing table."""

    clearinghouses: dict[str, dict[str, Any]]
    default: str | None
    payers: dict[str, str] = field(default_factory=dict)
    base: Path = Path(".")
    source: str = "<routes>"
    _made: dict[str, Clearinghouse] = field(default_factory=dict)

    def route_name(self, payer_id: str) -> str:
        name = self.payers.get(payer_id, self.default)
        if name is None:
            raise ClearinghouseError(f"{self.source}: no clearinghouse route for payer {payer_id} and no default")
        return name

    def for_payer(self, payer_id: str) -> Clearinghouse:
        return self.get(self.route_name(payer_id))

    def get(self, name: str) -> Clearinghouse:
        if name not in self._made:
            cfg = self.clearinghouses.get(name)
            if cfg is None:
                raise ClearinghouseError(f"{self.source}: clearinghouse {name!r} is not defined")
            kind = str(cfg.get("kind", "directory"))
            factory = _KINDS.get(kind)
            if factory is None:
                raise ClearinghouseError(
                    f"{self.source}: clearinghouse {name!r} has kind {kind!r}, for which no adapter is installed "
                    f"(available: {', '.join(sorted(_KINDS))})")
            self._made[name] = factory(name, cfg, self.base)
        return self._made[name]

    def all(self) -> list[Clearinghouse]:
        return [self.get(n) for n in sorted(self.clearinghouses)]


def parse_routes(data: dict[str, Any], base: Path, source: str = "<routes>") -> Routes:
    if not isinstance(data, dict) or "clearinghouses" not in data:
        raise ClearinghouseError(f"{source}: expected a mapping with 'clearinghouses' (and 'routes')")
    chs = data["clearinghouses"]
    if not isinstance(chs, dict) or not chs:
        raise ClearinghouseError(f"{source}: 'clearinghouses' must name at least one clearinghouse")
    routes = data.get("routes") or {}
    payers = {str(k): str(v) for k, v in (routes.get("payers") or {}).items()}
    default = routes.get("default")
    for pid, ch in payers.items():
        if ch not in chs:
            raise ClearinghouseError(f"{source}: routes.payers.{pid}: unknown clearinghouse {ch!r}")
    if default is not None and default not in chs:
        raise ClearinghouseError(f"{source}: routes.default: unknown clearinghouse {default!r}")
    return Routes({str(k): dict(v or {}) for k, v in chs.items()}, default, payers, base, source)


def load_routes(path: str | Path, base: Path) -> Routes:
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ClearinghouseError(f"{p}: not valid YAML: {exc}") from None
    return parse_routes(data, base, str(p))


def demo_routes(base: Path) -> Routes:
    """The demo's routing: every payer through the simulated clearinghouse's mailbox under `base`."""
    from importlib import resources

    text = resources.files("chartclaim.data").joinpath("demo/routes.yaml").read_text(encoding="utf-8")
    return parse_routes(yaml.safe_load(text), base, "chartclaim/data/demo/routes.yaml")
