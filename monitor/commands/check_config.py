"""``monitor check-config`` (validate a config file, for CI and before a reload) and ``config-schema``.

Errors go to stdout as plain ``file:line: message`` lines, one per problem, so editors and CI annotate
them; the summary goes to stderr so a pipe into ``grep`` or an annotator sees only the error lines.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from monitor.config_loader import ConfigError, load_config
from monitor.config_model import Config

SCHEMA_TITLE = "Model monitor configuration (version 1)"
SCHEMA_DESCRIPTION = (
    "The YAML file SREs edit (config/monitor.yaml): Kafka ingest, the store, limits on incoming "
    "messages, teams and the models they own. Unknown keys are errors. Check a file with "
    "`monitor check-config FILE`; regenerate this schema with `monitor config-schema`."
)


def check_config(path: Path) -> int:
    """Validate ``path`` (with the environment overrides applied); print the result; return the exit code."""
    try:
        config = load_config(path)
    except ConfigError as exc:
        for issue in exc.issues:
            # Plain print, not rich: markup in a message ("[key]") must not be interpreted or wrapped.
            print(issue)
        print(f"{_count(len(exc.issues), 'error')} in {path}", file=sys.stderr)
        return 1
    print(f"OK: {path}: {_count(len(config.models), 'model')}, {_count(len(config.teams), 'team')}")
    return 0


def config_schema() -> dict[str, Any]:
    """The JSON schema of the config file, generated from the pydantic model's field descriptions."""
    schema = Config.model_json_schema()
    schema["title"] = SCHEMA_TITLE
    schema["description"] = SCHEMA_DESCRIPTION
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_text() -> str:
    """The schema as committed in ``config/monitor.schema.json`` (stable key order, final newline)."""
    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(output: Path | None) -> None:
    """Write the schema to ``output``, or to stdout when it is None."""
    text = schema_text()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
