"""The policykb HTTP API: a thin FastAPI layer over the core library."""
