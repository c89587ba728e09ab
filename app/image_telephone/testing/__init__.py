"""Test helpers: local servers that speak the OpenAI and the Replicate wire formats."""

from .openai_server import OpenAICompatibleServer
from .replicate_server import ReplicateTestServer

__all__ = ["OpenAICompatibleServer", "ReplicateTestServer"]
