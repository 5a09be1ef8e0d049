"""Ships the SQL with the package: a wheel or a non-editable install carries ``migrations/``,
``procedures/`` and ``sql/`` as ``pyvb/schema/`` (found by ``pyvb.config.PROJECT_ROOT`` when the
package does not sit in a checkout). Everything else is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SCHEMA_FOLDERS = ("migrations", "procedures", "sql")


class BuildWithSchema(build_py):
    def run(self):
        super().run()
        here = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "pyvb" / "schema"
        for name in SCHEMA_FOLDERS:
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(here / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))


setup(cmdclass={"build_py": BuildWithSchema})
