"""Root conftest: the fixtures serve tests/ (Python) and pgtap/ (pgTAP files via pytest-pgtap)."""

pytest_plugins = ["pyvb.testing.fixtures"]
