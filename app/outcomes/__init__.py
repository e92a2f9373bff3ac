"""What comes out of meetings: the company network (network.py), staged follow-ups (followups.py,
followup_routes.py), the outcome ledger (ledger.py, ledger_routes.py for staff, company_outcomes.py
and member_routes.py for companies) and the impact report (impact.py, impact_export.py)."""
