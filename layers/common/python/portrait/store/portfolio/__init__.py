"""Portfolio storage: the projects and media tables."""
