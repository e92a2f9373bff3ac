from tests.factories import make_event


def test_home_lists_published_event_in_korean(app, client):
    event = make_event(title_ko="상암 네트워킹 나이트")
    from app.extensions import db

    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "상암 네트워킹 나이트" in html
    assert event.host_cluster.name_ko in html
