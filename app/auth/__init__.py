"""Accounts: sign-in, invitations, sign-up, password reset, role checks."""
