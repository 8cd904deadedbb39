"""Schema-driven fuzzing: schemathesis sends what the app's own OpenAPI document allows (and what it does not)
and checks every answer against that document with its default checks."""

from __future__ import annotations

import re

import pytest
import schemathesis
from fakes import make_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from kotae.config import Settings
from kotae_api import create_app
from kotae_api.schemas import QUESTION_PATTERN, AskRequest
from kotae_api.settings import ServerSettings

TOKEN = "schema-token"

# The OpenAPI document does not depend on the index, so it is read from an app without one at collection
# time; each test sends its requests to `served`, which has an index. (schemathesis' fixture-based loader
# does not run under this pytest version.)
_document = create_app(Settings(), ServerSettings(admin_token=TOKEN))
schema = schemathesis.openapi.from_dict(_document.openapi())
schema.app = _document  # requests stay in-process
schema.config.update(base_url="http://testserver")


@pytest.fixture(scope="module")
def served(dense_settings, dense_index):
    # An index with vectors, so that every mode the schema allows can be served: refusing a schema-valid
    # request would be a finding.
    return make_app(dense_settings, dense_index, admin_token=SecretStr(TOKEN))


@pytest.mark.slow  # fuzzing every operation: tens of seconds
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_own_schema(case, served):
    case.call_and_validate(app=served, headers={"Authorization": f"Bearer {TOKEN}"})


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
