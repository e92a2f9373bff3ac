"""Tests of the staff registrations page of an event."""
