"""Graph layer: the model, query plans, the Cypher builder and the database backends."""
