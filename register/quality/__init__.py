"""The register's quality before and after publication: completeness and working links."""
