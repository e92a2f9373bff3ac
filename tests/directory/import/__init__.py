"""Tests of the company list import (service, pages, command)."""
