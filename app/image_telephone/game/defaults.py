"""The game's defaults that the command line shows, in a module that loads nothing else."""

DEFAULT_PROJECT = "image-telephone"  # the Burr tracker project games log to
