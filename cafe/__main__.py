"""`python -m cafe` runs the `cafe` command."""

from cafe.cli import main

main()
