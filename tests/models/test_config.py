"""Configuration: secrets are never a fallback literal, and the database default is predictable."""

from __future__ import annotations

import importlib
import re
import stat
import threading

import pytest

import config


@pytest.fixture
def instance_dir(tmp_path, monkeypatch):
    """A throw-away instance/ for DevelopmentConfig's generated secret."""
    path = tmp_path / "instance"
    monkeypatch.setattr(config, "INSTANCE_DIR", path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return path


@pytest.mark.parametrize("value", [None, ""])
def test_production_refuses_to_start_without_secret_key(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", value)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.ProductionConfig()


def test_production_uses_the_secret_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cr3t-from-the-vault-0123456789abcdef")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://moim.example.org")
    cfg = config.ProductionConfig()
    assert cfg.SECRET_KEY == "s3cr3t-from-the-vault-0123456789abcdef"
    assert cfg.PUBLIC_BASE_URL == "https://moim.example.org"
    assert cfg.SESSION_COOKIE_SECURE is True


def test_production_selected_by_moim_config_also_refuses_without_key(monkeypatch):
    monkeypatch.setenv("MOIM_CONFIG", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.config_from_env()


def test_development_generates_a_private_secret_and_reuses_it(instance_dir):
    first = config.DevelopmentConfig().SECRET_KEY
    key_file = instance_dir / "secret_key"

    assert re.fullmatch(r"[0-9a-f]{32,}", first)
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Next start (e.g. the reloader): same key, so sessions survive restarts.
    assert config.DevelopmentConfig().SECRET_KEY == first


def test_development_secrets_differ_between_checkouts(instance_dir, tmp_path, monkeypatch):
    first = config.DevelopmentConfig().SECRET_KEY
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path / "other-checkout")
    assert config.DevelopmentConfig().SECRET_KEY != first


def test_development_prefers_secret_key_from_the_environment(instance_dir, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env-0123456789abcdef0123456789")
    assert config.DevelopmentConfig().SECRET_KEY == "from-env-0123456789abcdef0123456789"
    assert not (instance_dir / "secret_key").exists()


def test_config_from_env_rejects_unknown_names(monkeypatch):
    monkeypatch.setenv("MOIM_CONFIG", "staging")
    with pytest.raises(RuntimeError, match="staging"):
        config.config_from_env()


def test_config_from_env_defaults_to_development(instance_dir, monkeypatch):
    monkeypatch.delenv("MOIM_CONFIG", raising=False)
    assert isinstance(config.config_from_env(), config.DevelopmentConfig)


def test_testing_config_has_its_own_random_secret():
    assert len(config.TestingConfig.SECRET_KEY) >= 32


@pytest.fixture
def reload_config():
    """Re-evaluate config's class bodies (DATABASE_URL is read at import) and restore after."""
    yield lambda: importlib.reload(config)
    # The tests change the environment inside monkeypatch.context(), so it is
    # already restored here and this reload brings back the normal class values.
    importlib.reload(config)


def test_default_database_is_a_sqlite_file_under_instance(reload_config, monkeypatch):
    with monkeypatch.context() as m:
        m.delenv("DATABASE_URL", raising=False)
        m.delenv("MOIM_INSTANCE_DIR", raising=False)
        reloaded = reload_config()
        expected = reloaded.BASE_DIR / "instance" / "moim.db"
        assert reloaded.Config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{expected}"
        assert reloaded.DevelopmentConfig.SQLALCHEMY_DATABASE_URI == f"sqlite:///{expected}"


def test_empty_database_url_counts_as_unset(reload_config, monkeypatch, tmp_path):
    # .env.example ships DATABASE_URL= (empty); that must not mean "no database".
    with monkeypatch.context() as m:
        m.setenv("DATABASE_URL", "")
        m.setenv("MOIM_INSTANCE_DIR", str(tmp_path))
        reloaded = reload_config()
        assert reloaded.Config.SQLALCHEMY_DATABASE_URI == f"sqlite:///{tmp_path / 'moim.db'}"


def test_database_url_from_the_environment_wins(reload_config, monkeypatch):
    url = "postgresql+psycopg://moim@db.internal/moim"
    with monkeypatch.context() as m:
        m.setenv("DATABASE_URL", url)
        assert reload_config().ProductionConfig.SQLALCHEMY_DATABASE_URI == url


def test_processes_starting_together_agree_on_one_complete_dev_secret(tmp_path, monkeypatch):
    # The reloader (or two `flask` commands) may create instance/secret_key at the same
    # moment: every one of them must end up with the same, complete key.
    monkeypatch.delenv("SECRET_KEY", raising=False)
    for attempt in range(20):
        directory = tmp_path / f"checkout{attempt}"
        monkeypatch.setattr(config, "INSTANCE_DIR", directory)
        barrier = threading.Barrier(8)
        keys: list[str] = []

        def start() -> None:
            barrier.wait(timeout=10)  # noqa: B023  (the threads run within this iteration)
            keys.append(config._dev_secret_key())  # noqa: B023

        threads = [threading.Thread(target=start) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        assert len(keys) == 8
        assert len(set(keys)) == 1, f"attempt {attempt}: {len(set(keys))} different keys"
        assert re.fullmatch(r"[0-9a-f]{64}", keys[0])
        assert sorted(p.name for p in directory.iterdir()) == ["secret_key"]
        assert stat.S_IMODE((directory / "secret_key").stat().st_mode) == 0o600


def test_real_configs_hash_passwords_with_full_strength_scrypt(app, monkeypatch):
    import config as config_module
    from app.models import Role, User

    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://moim.example.org")
    for cfg in (config_module.DevelopmentConfig(), config_module.ProductionConfig()):
        assert cfg.PASSWORD_HASH_METHOD == "scrypt"
    app.config["PASSWORD_HASH_METHOD"] = config_module.ProductionConfig().PASSWORD_HASH_METHOD
    user = User(email="strong@example.com", name="x", role=Role.ADMIN)
    user.set_password("long-enough-password")
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert user.check_password("long-enough-password") and not user.check_password("wrong")


# --- links in mail and feeds ---------------------------------------------------------------


def test_production_refuses_to_start_without_public_base_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cr3t-from-the-vault-0123456789abcdef")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        config.ProductionConfig()


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "http://127.0.0.1:5000"),
        ({"PORT": "5101"}, "http://127.0.0.1:5101"),
        ({"FLASK_RUN_PORT": "5102", "PORT": "5101"}, "http://127.0.0.1:5102"),
        ({"PORT": "5101", "PUBLIC_BASE_URL": "https://moim.example.org"}, "https://moim.example.org"),
    ],
)
def test_development_links_follow_the_port_being_served(instance_dir, monkeypatch, env, expected):
    for name in ("PORT", "FLASK_RUN_PORT", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert config.DevelopmentConfig().PUBLIC_BASE_URL == expected
