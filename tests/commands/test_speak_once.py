"""A command says what matters once: no library banner, a refused file's reason on one line."""

from __future__ import annotations

import pytest

from tests.processes import manage


def test_a_command_prints_no_login_lockout_banner():
    result = manage("check", LOG_LEVEL="INFO")

    assert result.returncode == 0, result.stderr
    assert "AXES" not in result.stderr + result.stdout


def test_the_banner_is_still_in_a_debug_log():
    result = manage("check", LOG_LEVEL="DEBUG")

    banner = [line for line in result.stderr.splitlines() if "AXES: BEGIN" in line]
    assert len(banner) == 1 and " DEBUG axes.apps " in banner[0]


@pytest.mark.parametrize(
    ("command", "content", "reason"),
    [
        ("import_seed", b"", "文件为空"),
        ("import_seed", b"PK\x03\x04 not really a zip", "压缩文件已损坏"),
        ("import_ledger_xlsx", b"not a workbook", "不是有效的 .xlsx 文件"),
    ],
)
def test_a_refused_file_gives_its_reason_once_on_stderr_and_fails(
    tmp_path, command, content, reason
):
    # given
    path = tmp_path / "refused.bin"
    path.write_bytes(content)

    # when
    result = manage(command, str(path))

    # then
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert reason in lines[0]
    assert result.stdout == ""
