import zipfile

import pytest
from django.core.management import CommandError, call_command

from dora.models import FinancialEntity


def test_export_writes_the_package_into_the_folder(demo_register, tmp_path, capsys):
    call_command("export_dora_register", "--ref-date", "2026-12-31", "--output", str(tmp_path))
    written = list(tmp_path.glob("*.zip"))
    assert len(written) == 1
    assert "_DORA010100_DORA_2026-12-31_" in written[0].name
    assert "sha256" in capsys.readouterr().out
    with zipfile.ZipFile(written[0]) as archive:
        names = archive.namelist()
    folder = written[0].name.removesuffix(".zip")
    assert f"{folder}/reports/b_02.01.csv" in names and f"{folder}/META-INF/reportPackage.json" in names


@pytest.mark.parametrize("ref_date", ["2026-13-40", "yesterday", "2026-06-30"])
def test_export_refuses_a_reference_date_that_is_not_31_december(demo_register, tmp_path, ref_date):
    with pytest.raises(CommandError, match="--ref-date"):
        call_command("export_dora_register", "--ref-date", ref_date, "--output", str(tmp_path))
    assert not list(tmp_path.iterdir())


def test_export_refuses_while_the_lint_blocks(demo_register, tmp_path):
    FinancialEntity.objects.update(maintains_register=False)
    with pytest.raises(CommandError, match="blocking"):
        call_command("export_dora_register", "--ref-date", "2026-12-31", "--output", str(tmp_path))
    assert not list(tmp_path.iterdir())


def test_export_refuses_an_output_that_is_not_a_folder(demo_register, tmp_path):
    with pytest.raises(CommandError, match="--output"):
        call_command("export_dora_register", "--ref-date", "2026-12-31", "--output", str(tmp_path / "none"))
