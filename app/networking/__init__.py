"""Networking at events: company profiles, who is coming, match suggestions, 1:1 meetings, contact exchange."""
