"""The `kotae` command line: parse, run one command, and turn the library's errors into one line each."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from pydantic import ValidationError

from kotae.cli.parser import build_parser
from kotae.cli.render import fail
from kotae.errors import KotaeError


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KotaeError as exc:
        fail(str(exc))
    except ValidationError as exc:
        fail(_settings_message(exc))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:  # `kotae search … | head` is not an error
        return 0
    return 1


def _settings_message(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error.get("loc", ())) or "settings"
    return f"invalid setting {where}: {error.get('msg', 'invalid value')}."
