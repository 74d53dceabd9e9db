"""The GraphQL schema: Strawberry types generated from graph/model.py."""
