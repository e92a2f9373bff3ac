"""What comes out of meetings: the company network (and, next, follow-ups, the outcome ledger, the impact report)."""
