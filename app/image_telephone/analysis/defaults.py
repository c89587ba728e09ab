"""The drift analysis' defaults that the command line shows, in a module that loads nothing else."""

DEFAULT_CONVERGENCE_THRESHOLD = 0.15
DEFAULT_CONVERGENCE_TURNS = 3
