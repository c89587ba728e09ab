"""The image-telephone test suite."""
