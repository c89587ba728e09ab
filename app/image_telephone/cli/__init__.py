"""The image-telephone command: one module per command group, thin over the Python API."""

from image_telephone.cli.main import main

__all__ = ["main"]
