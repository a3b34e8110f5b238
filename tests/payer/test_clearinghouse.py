"""Clearinghouse adapters: files move between mailboxes atomically, routes come from configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartclaim.payer.clearinghouse import (
    ClearinghouseError,
    DirectoryDrop,
    demo_routes,
    parse_routes,
    sniff_kind,
)

ISA = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260301*1200*^*00501*000000001*0*P*:~"


def _x12(st: str, gs08: str) -> bytes:
    return f"{ISA}GS*HP*S*R*20260301*1200*1*X*{gs08}~ST*{st}*0001*{gs08}~SE*2*0001~GE*1*1~IEA*1*000000001~".encode()


def test_submit_and_peer_pickup_and_responses(tmp_path: Path) -> None:
    ch = DirectoryDrop(tmp_path / "mb", "test")
    sub = ch.submit("claims-0001.x12", _x12("837", "005010X222A1"))
    assert sub.size > 0
    assert (tmp_path / "mb" / "outbox" / "claims-0001.x12").exists()
    assert not list((tmp_path / "mb" / "outbox").glob(".*.part"))
    with pytest.raises(ClearinghouseError, match="already submitted"):
        ch.submit("claims-0001.x12", b"again")
    with pytest.raises(ClearinghouseError, match="safe mailbox name"):
        ch.submit("../escape.x12", b"x")

    payer_side = ch.peer()
    got = payer_side.fetch()
    assert [f.name for f in got] == ["claims-0001.x12"] and got[0].kind == "837"
    payer_side.acknowledge(got[0])
    assert payer_side.fetch() == []
    payer_side.submit("resp-999.x12", _x12("999", "005010X231A1"))
    payer_side.submit("resp-277.x12", _x12("277", "005010X214"))
    payer_side.submit("resp-835.x12", _x12("835", "005010X221A1"))

    inbound = ch.fetch()
    assert {f.name: f.kind for f in inbound} == {"resp-999.x12": "999", "resp-277.x12": "277CA", "resp-835.x12": "835"}
    # not acknowledged -> delivered again (a crash before posting must not lose a remittance)
    assert len(ch.fetch()) == 3
    for f in inbound:
        ch.acknowledge(f)
    assert ch.fetch() == []
    assert len(list((tmp_path / "mb" / "archive").iterdir())) == 4


def test_sniff_kind_unknown() -> None:
    assert sniff_kind(b"hello") == "unknown"
    assert sniff_kind(_x12("835", "005010X221A1").replace(b"~", b"\n")) == "835"


def test_routes_per_payer(tmp_path: Path) -> None:
    routes = parse_routes({
        "clearinghouses": {"a": {"kind": "directory", "root": "{data_dir}/a"},
                           "b": {"kind": "directory", "root": str(tmp_path / "bb")},
                           "real": {"kind": "sftp", "host": "sftp.example.com"}},
        "routes": {"default": "a", "payers": {"87726": "b", "60054": "real"}},
    }, tmp_path)
    a = routes.for_payer("06102")
    b = routes.for_payer("87726")
    assert isinstance(a, DirectoryDrop) and a.root == tmp_path / "a"
    assert isinstance(b, DirectoryDrop) and b.root == tmp_path / "bb"
    with pytest.raises(ClearinghouseError, match="no adapter is installed"):
        routes.for_payer("60054")
    with pytest.raises(ClearinghouseError, match="unknown clearinghouse"):
        parse_routes({"clearinghouses": {"a": {}}, "routes": {"payers": {"1": "zz"}}}, tmp_path)
    with pytest.raises(ClearinghouseError, match="no clearinghouse route"):
        parse_routes({"clearinghouses": {"a": {}}}, tmp_path).for_payer("1")


def test_demo_routes(tmp_path: Path) -> None:
    ch = demo_routes(tmp_path).for_payer("99999")
    assert isinstance(ch, DirectoryDrop)
    assert ch.outbox == tmp_path / "mailboxes" / "simulated" / "outbound"


def test_load_routes_from_a_file(tmp_path: Path) -> None:
    from chartclaim.payer.clearinghouse import load_routes

    good = tmp_path / "routes.yaml"
    good.write_text("clearinghouses:\n  main: {kind: directory, root: mb, fsync: false}\nroutes: {default: main}\n")
    ch = load_routes(good, tmp_path).for_payer("60054")
    assert isinstance(ch, DirectoryDrop) and ch.root == tmp_path / "mb" and ch.durable is False
    bad = tmp_path / "bad.yaml"
    bad.write_text("clearinghouses: [unclosed\n")
    with pytest.raises(ClearinghouseError, match=r"bad\.yaml: not valid YAML"):
        load_routes(bad, tmp_path)
    empty = tmp_path / "empty.yaml"
    empty.write_text("routes: {}\n")
    with pytest.raises(ClearinghouseError, match=r"empty\.yaml: expected a mapping with 'clearinghouses'"):
        load_routes(empty, tmp_path)
