"""Allow `python -m pipeline` to run the CLI."""

from pipeline.cli import main

main()
