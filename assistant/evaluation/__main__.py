"""`python -m assistant.evaluation ...` runs the same command as `assistant eval ...`."""

from .command import main

main()
