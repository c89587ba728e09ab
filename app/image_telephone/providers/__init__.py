"""Model providers: the OpenAI client factory and the built-in offline models."""
