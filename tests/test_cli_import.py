"""`countermark --help` stays fast: importing the CLI loads no database, settings or numeric stack.

Command modules import SQLAlchemy, countermark.settings (pydantic-settings), numpy and friends inside the commands
that use them, or under TYPE_CHECKING for annotations.
"""

import subprocess
import sys

HEAVY = ("sqlalchemy", "sqlalchemy.orm", "pydantic", "pydantic_settings", "numpy", "pyarrow", "polars", "sklearn",
         "fastapi", "uvicorn", "countermark.settings", "countermark.storage.engine")


def test_importing_the_cli_loads_no_heavy_packages() -> None:
    code = ("import sys, countermark.cli\n"
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == []
