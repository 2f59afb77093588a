"""Project search (issue 13): indexing the domain events, queries, rebuilds."""
