"""Cluster directory: companies, members, councils, research groups, import and export."""
