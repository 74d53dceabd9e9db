"""Engine-specific DDL: one small module per backend."""
