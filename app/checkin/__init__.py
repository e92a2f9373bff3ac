"""Door check-in: ticket codes now; badges, scanner and check-in API build on this."""
