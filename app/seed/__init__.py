"""Demo data for a newcomer (`flask seed-demo`): clusters, companies, accounts, events, registrations, check-ins.

``data`` holds the demo tables, ``plan`` turns them into what to create (dates relative to
now in Asia/Seoul, natural keys), ``load`` writes that through the models and is idempotent.
"""

from app.seed.data import CLUSTERS, COMPANIES, DEMO_LOGINS, DEMO_PASSWORD, EVENTS, RESEARCH_GROUP, USERS
from app.seed.load import database_is_empty, seed_demo

__all__ = [
    "CLUSTERS",
    "COMPANIES",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "EVENTS",
    "RESEARCH_GROUP",
    "USERS",
    "database_is_empty",
    "seed_demo",
]
