"""`python -m voxline` runs the command line."""

from voxline.cli import main

main()
