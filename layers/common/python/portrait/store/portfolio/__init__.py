"""Portfolio storage (seed 002): the projects and media tables."""
