"""Schema-driven fuzzing: schemathesis sends what the app's own OpenAPI document allows (and what it does not)
and checks every answer against that document with its default checks, over a lexical index and one with
vectors, whose documents differ in the modes they offer."""

from __future__ import annotations

import re

import pytest
import schemathesis
from fakes import make_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from kotae.config import MODES, Settings
from kotae_api import create_app, openapi
from kotae_api.schemas import QUESTION_PATTERN, AskRequest
from kotae_api.settings import ServerSettings

TOKEN = "schema-token"
LEXICAL_MODES = ("auto", "lexical")
EXAMPLES = 25  # generated per operation, besides schemathesis' boundary cases: about 30 s for both indexes

# The document depends on the index only through the modes it can serve, so it is made at collection time for
# each kind of index from an app without one (schemathesis' fixture-based loader does not run under this pytest
# version); `test_the_fuzzed_documents_are_the_ones_served` checks that the served apps publish exactly these.
_document = create_app(Settings(), ServerSettings(admin_token=TOKEN))


def _schema(modes: tuple[str, ...]):
    schema = schemathesis.openapi.from_dict(openapi.document(_document, modes))
    schema.app = _document  # requests stay in-process
    schema.config.update(base_url="http://testserver")
    return schema


lexical_schema, dense_schema = _schema(LEXICAL_MODES), _schema(MODES)


@pytest.fixture(scope="module")
def lexical_served(lexical_settings, lexical_index):
    return make_app(lexical_settings, lexical_index, admin_token=SecretStr(TOKEN))


@pytest.fixture(scope="module")
def dense_served(dense_settings, dense_index):
    # An index with vectors, so that every mode can be served: refusing a schema-valid request would be a finding.
    return make_app(dense_settings, dense_index, admin_token=SecretStr(TOKEN))


def test_the_fuzzed_documents_are_the_ones_served(lexical_served, bundled_settings, bundled_index):
    from fastapi.testclient import TestClient

    with TestClient(lexical_served) as client:
        assert client.get("/openapi.json").json() == lexical_schema.raw_schema
    with TestClient(make_app(bundled_settings, bundled_index, admin_token=SecretStr(TOKEN))) as client:
        assert client.get("/openapi.json").json() == dense_schema.raw_schema


@pytest.mark.slow  # fuzzing every operation: tens of seconds
@lexical_schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_own_schema_over_a_lexical_index(case, lexical_served):
    case.call_and_validate(app=lexical_served, headers={"Authorization": f"Bearer {TOKEN}"})


@pytest.mark.slow  # fuzzing every operation: tens of seconds
@dense_schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_own_schema_over_an_index_with_vectors(case, dense_served):
    case.call_and_validate(app=dense_served, headers={"Authorization": f"Bearer {TOKEN}"})


# Characters near the rules' edges: spaces of several kinds, controls kept and refused, and ordinary text.
_EDGES = st.sampled_from([" ", "\u3000", "\u00a0", "\t", "\n", "\r", "\x00", "\x1f", "\x7f", "\x85", "\x9f",
                          "\u200b", "\u2028", "a", "あ", "?"])


@given(st.text(alphabet=_EDGES | st.characters(exclude_categories=("Cs",)), max_size=12))
@settings(max_examples=300, deadline=None)
def test_the_published_question_pattern_is_exactly_what_the_server_accepts(text):
    # The pattern in the schema is what clients (and the fuzzing above) go by; the validator must agree.
    # (Lone surrogates are not Unicode text at all; tests/test_api.py checks they are refused.)
    try:
        AskRequest.model_validate({"question": text})
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == (re.fullmatch(QUESTION_PATTERN, text) is not None)
