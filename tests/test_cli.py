"""The command line: exit codes and messages as an operator sees them."""

import pytest
from conftest import write

from workbench.cli import main
from workbench.paths import SAMPLE_DIR


def test_validate_ok(capsys):
    assert main(["validate", "--data", str(SAMPLE_DIR)]) == 0
    out = capsys.readouterr().out
    # every data file of the sample is a table (16 CSV files and products.xlsx)
    n = sum(1 for p in SAMPLE_DIR.iterdir() if p.suffix in (".csv", ".xlsx"))
    assert n >= 17 and f"is usable ({n} tables)" in out and "customers.csv (gb18030)" in out


def test_validate_error_exit_code(tmp_path, capsys):
    write(tmp_path, "orders.csv", "order_id,order_date,customer_id,amount\nO1,2026-01-01,C1,abc\n")
    assert main(["validate", "--data", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "orders.csv, column 'amount'" in captured.out and "has 1 error(s)" in captured.err


def test_validate_missing_folder(capsys):
    assert main(["validate", "--data", "/no/such/dir"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_run_bad_params_fails_before_running(tmp_path, capsys):
    p = tmp_path / "p.yaml"
    p.write_text("langg: zh\n", encoding="utf-8")
    assert main(["run", "--params", str(p), "--out", str(tmp_path / "reports")]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'lang'" in err and "Nothing was published" in err
    assert not (tmp_path / "reports").exists()


def test_sample_command(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path / "s"), "--scale", "0.05", "--seed", "1"]) == 0
    assert "order lines" in capsys.readouterr().out
    assert (tmp_path / "s" / "truth.json").exists()


def test_unknown_command():
    with pytest.raises(SystemExit):
        main(["frobnicate"])


def test_version_and_examples(capsys):
    import pytest

    from workbench import __version__

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"workbench {__version__}"
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "examples:" in capsys.readouterr().out


@pytest.mark.parametrize("quiet", [False, True])
def test_run_quiet_passes_through_and_prints_nothing_more(monkeypatch, capsys, tmp_path, quiet):
    from workbench import runner

    seen = {}

    def fake_run(params, **kw):
        seen.update(kw)
        return runner.RunResult("r1", "ok", tmp_path / "r1", [], 0.1)

    monkeypatch.setattr(runner, "run", fake_run)
    assert main(["run", "--out", str(tmp_path)] + (["--quiet"] if quiet else [])) == 0
    out = capsys.readouterr().out
    assert seen["quiet"] is quiet
    # quiet: the runner's own final line names the index; the command adds nothing
    assert out == ("" if quiet else f"{tmp_path / 'r1' / 'index.html'}\n")
