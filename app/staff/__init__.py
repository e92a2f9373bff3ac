"""Staff pages: the cluster team's overview and, for admins, accounts."""
