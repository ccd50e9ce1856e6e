from pathlib import Path

import pytest

from kb.config import load_settings
from kb.errors import InputError


def test_precedence_defaults_file_env_explicit(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    (data / "claimkb.toml").write_text('base_iri = "https://file.example/"\nmax_query_depth = 10\n')
    s = load_settings(env={}, data_dir=data)
    assert s.base_iri == "https://file.example/" and s.max_query_depth == 10
    s = load_settings(env={"CLAIMKB_BASE_IRI": "https://env.example/"}, data_dir=data)
    assert s.base_iri == "https://env.example/" and s.max_query_depth == 10
    s = load_settings(env={"CLAIMKB_BASE_IRI": "https://env.example/"}, data_dir=data,
                      base_iri="https://cli.example")
    assert s.base_iri == "https://cli.example/"
    assert load_settings(env={"CLAIMKB_DATA_DIR": str(data)}).data_dir == Path(data)


@pytest.mark.parametrize("env,message", [
    ({"CLAIMKB_BACKEND": "postgres"}, "backend must be"),
    ({"CLAIMKB_BACKEND": "remote"}, "needs query_endpoint"),
    ({"CLAIMKB_MAX_QUERY_DEPTH": "deep"}, "must be int"),
])
def test_bad_settings(tmp_path, env, message):
    with pytest.raises(InputError, match=message):
        load_settings(env=env, data_dir=tmp_path)


def test_bad_instance_file(tmp_path):
    (tmp_path / "claimkb.toml").write_text("colour = 'red'\n")
    with pytest.raises(InputError, match="unknown setting 'colour'"):
        load_settings(env={}, data_dir=tmp_path)
    (tmp_path / "claimkb.toml").write_text("base_iri = \n")
    with pytest.raises(InputError, match="malformed settings file"):
        load_settings(env={}, data_dir=tmp_path)
