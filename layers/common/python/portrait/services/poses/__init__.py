"""The pose catalogue: listing and facets for clients, poses admins add, and
loading the generated catalogue into the store."""
