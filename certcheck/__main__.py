"""`python -m certcheck` entry point."""

from certcheck.cli.app import main

main()
