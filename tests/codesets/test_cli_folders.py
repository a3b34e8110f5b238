from __future__ import annotations

from pathlib import Path

import pytest
import typer

from chartclaim.cli.codesets_cmds import _expand_folders


def test_a_release_folder_stands_for_its_data_files(tmp_path: Path) -> None:
    hcpcs = tmp_path / "hcpcs"
    hcpcs.mkdir()
    for name in ("README.md", "HCPC2025_OCT_ANWEB.csv.gz", "HCPC2025_OCT_ANWEB.xlsx"):
        (hcpcs / name).write_bytes(b"x")
    assert _expand_folders("hcpcs", [hcpcs]) == [hcpcs / "HCPC2025_OCT_ANWEB.xlsx"]  # the same table once

    index = tmp_path / "index"
    index.mkdir()
    for name in ("README.md", "a.xsd", "drug.xml", "main.csv"):
        (index / name).write_bytes(b"x")
    assert [p.name for p in _expand_folders("icd10cm-index", [index])] == ["drug.xml", "main.csv"]


def test_a_folder_is_refused_where_the_file_must_be_named(tmp_path: Path) -> None:
    with pytest.raises(typer.BadParameter, match="name the icd10cm-order file"):
        _expand_folders("icd10cm-order", [tmp_path])
    with pytest.raises(typer.BadParameter, match="no hcpcs file"):
        _expand_folders("hcpcs", [tmp_path])
