"""List pages load in a bounded number of queries, however many companies and groups there are."""

from app.extensions import db
from app.models import ResearchGroup
from tests.directory.groups.conftest import login
from tests.factories import make_company
from tests.query_counter import count_queries


def _count(client, path: str) -> int:
    with count_queries(db.engine) as statements:
        resp = client.get(path)
    assert resp.status_code == 200
    return len(statements)


def _grow(world, n: int) -> None:
    """n more council members, n more candidates, n more groups with members of two clusters."""
    for i in range(n):
        council = make_company(world.dmc, name=f"협의회기업{i:03d}", is_council_member=True)
        make_company(world.dmc, name=f"후보기업{i:03d}")
        other = make_company(world.guro, name=f"구로기업{i:03d}")
        group = ResearchGroup(name=f"연구회{i:03d}", cluster=world.dmc if i % 2 else world.guro)
        group.companies.extend([council, other])
        db.session.add(group)
        world.group.companies.extend([council, other])
    db.session.commit()


def _counts(client, world) -> dict[str, int]:
    return {
        path: _count(client, path)
        for path in (
            "/directory/clusters",
            "/directory/clusters/dmc/council",
            "/directory/research-groups",
            f"/directory/research-groups/{world.group.id}",
        )
    }


def test_query_count_does_not_grow_with_companies_and_groups(client, world):
    _grow(world, 3)
    login(client, "staff")
    few = _counts(client, world)

    _grow(world, 27)
    many = _counts(client, world)

    assert many == few
    assert max(few.values()) <= 10


def test_admin_query_count_does_not_grow_either(client, world):
    _grow(world, 3)
    login(client, "admin")
    few = _counts(client, world)
    _grow(world, 27)
    assert _counts(client, world) == few
