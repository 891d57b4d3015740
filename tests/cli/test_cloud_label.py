"""The cloud has one name: `status` says what the wizard's registration step and summary say."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from alloy_tui.cli import cli
from alloy_tui.core.config import CLOUDS
from alloy_tui.ui.wizard.summary import CLOUD_NAMES


@pytest.mark.parametrize("cloud", CLOUDS)
def test_status_names_the_cloud_as_the_wizard_does(tmp_path: Path, cloud: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'service = "exchange-online"\n[exchange_online]\ncloud = "{cloud}"\n')
    result = CliRunner().invoke(cli, ["--config", str(path), "status"])
    line = next(x for x in result.output.splitlines() if x.startswith("Cloud: "))
    assert line == f"Cloud: {CLOUD_NAMES[cloud]}"
