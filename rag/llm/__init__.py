"""LLM backends: the embedded llama.cpp server and any OpenAI-compatible endpoint, one client path."""
