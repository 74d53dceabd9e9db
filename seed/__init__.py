"""Seed data for the Chancheng 1+N+X graph: YAML files in seed/data and their validator."""
from seed.loader import DEFAULT_SEED_DIR, SeedError, SeedGraph, read_seed

__all__ = ["DEFAULT_SEED_DIR", "SeedError", "SeedGraph", "read_seed"]
