"""From a GraphQL selection to a query plan, and from rows back to GraphQL values."""
