"""Tests of the council and research group pages."""
