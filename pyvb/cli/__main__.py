"""``python -m pyvb.cli``: the same command line as ``pyvb``."""

from pyvb.cli import main

main()
