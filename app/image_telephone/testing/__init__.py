"""Test helpers: a local server that speaks the OpenAI wire format."""

from .openai_server import OpenAICompatibleServer

__all__ = ["OpenAICompatibleServer"]
