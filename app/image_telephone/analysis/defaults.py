"""The defaults the command line shows for the analysis and the explorer; it loads nothing else."""

DEFAULT_CONVERGENCE_THRESHOLD = 0.15
DEFAULT_CONVERGENCE_TURNS = 3
DEFAULT_EXPLORER_PORT = 8501
