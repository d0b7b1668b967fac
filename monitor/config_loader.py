"""Load and validate the YAML config, reporting every error as ``file:line: message``.

YAML is composed into nodes first so each value keeps its line; pydantic then validates the plain
data, and each pydantic error location is mapped back to the line of the node it names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from monitor.config_model import Config, CrossReferenceError

DEFAULT_CONFIG_PATH = Path("config/monitor.yaml")

# Environment variable -> config path it overrides.
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "MONITOR_KAFKA_BOOTSTRAP": ("kafka", "bootstrap"),
    "MONITOR_STORE_URL": ("store", "url"),
}

Path_ = tuple[str | int, ...]

MAX_DEPTH = 32  # far deeper than the schema goes


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a config file, at a line (1-based) when it can be located."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ConfigError(Exception):
    """A config that cannot be used. ``issues`` lists every problem found, in file order."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.file, i.line))
        super().__init__("\n".join(str(i) for i in self.issues))


def load_config(path: str | Path = DEFAULT_CONFIG_PATH, env: Mapping[str, str] | None = None) -> Config:
    """Read, override from the environment, and validate a config file. Raises ConfigError."""
    env = os.environ if env is None else env
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([ConfigIssue(name, 0, f"cannot read config: {exc.strerror or exc}")]) from exc
    data, lines = parse_yaml(text, name)
    overridden = apply_env_overrides(data, env)
    return validate(data, lines, name, overridden)


def parse_yaml(text: str, name: str) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML into plain data plus a map from each node's path to its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise ConfigError(
            [ConfigIssue(name, line, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
        ) from exc
    if root is None:
        raise ConfigError([ConfigIssue(name, 1, "the file is empty")])
    lines: dict[Path_, int] = {}
    issues: list[ConfigIssue] = []
    data = _to_data(root, (), lines, issues, name)
    if issues:
        raise ConfigError(issues)
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(name, 1, "the top level must be a mapping of sections")])
    return data, lines


def _to_data(
    node: yaml.Node, path: Path_, lines: dict[Path_, int], issues: list[ConfigIssue], name: str
) -> Any:
    line = lines[path] = node.start_mark.line + 1
    if len(path) > MAX_DEPTH:  # only a recursive alias (&a [*a]) gets this deep; stop before Python does
        issues.append(ConfigIssue(name, line, "nested too deeply (a recursive alias?)"))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                issues.append(ConfigIssue(name, key_node.start_mark.line + 1, "a key must be a plain name"))
                continue
            key = _scalar(key_node, issues, name)
            if key in result:
                issues.append(ConfigIssue(name, key_node.start_mark.line + 1, f"duplicate key {key!r}"))
            result[key] = _to_data(value_node, (*path, key), lines, issues, name)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_data(item, (*path, i), lines, issues, name) for i, item in enumerate(node.value)]
    return _scalar(node, issues, name)


def _scalar(node: yaml.Node, issues: list[ConfigIssue], name: str) -> Any:
    try:
        return yaml.SafeLoader(b"").construct_object(node)
    except (yaml.YAMLError, ValueError):
        # An unknown or unsafe tag (!!python/object) or a tag its text does not fit (!!int abc). The
        # value itself is not quoted: it may be a secret.
        issues.append(ConfigIssue(name, node.start_mark.line + 1, f"cannot read a value tagged {node.tag}"))
        return None


def apply_env_overrides(data: dict[str, Any], env: Mapping[str, str]) -> dict[Path_, str]:
    """Set the overridden values in place; returns which paths came from which variable."""
    overridden: dict[Path_, str] = {}
    for variable, (section, key) in ENV_OVERRIDES.items():
        value = env.get(variable)
        if value:
            node = data.setdefault(section, {})
            if isinstance(node, dict):
                node[key] = value
                overridden[(section, key)] = variable
    return overridden


def validate(data: Any, lines: dict[Path_, int], name: str, overridden: dict[Path_, str]) -> Config:
    """Validate plain data; map every error to its line. Raises ConfigError."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        issues = list(_issues(exc, lines, name, overridden))
        if not any("team" in i.message and "not defined" in i.message for i in issues):
            # Node errors stop pydantic before the cross-reference pass; run it on the raw data so the
            # user still sees every error at once.
            issues += [
                ConfigIssue(name, _line_of(path, lines), f"{_dotted(path)}: {message}")
                for path, message in undefined_teams(data)
            ]
        raise ConfigError(issues) from None


def undefined_teams(data: Any) -> list[tuple[Path_, str]]:
    """Models whose team is not under ``teams``, found on raw (possibly invalid) data."""
    if not isinstance(data, dict):
        return []
    teams, models = data.get("teams"), data.get("models")
    known = set(teams) if isinstance(teams, dict) else set()
    if not isinstance(models, dict) or not isinstance(teams, dict):
        return []
    return [
        (("models", name, "team"), f"team {spec['team']!r} is not defined under `teams`")
        for name, spec in models.items()
        if isinstance(spec, dict) and isinstance(spec.get("team"), str) and spec["team"] not in known
    ]


def _issues(exc: ValidationError, lines: dict[Path_, int], name: str, overridden: dict[Path_, str]):  # type: ignore[no-untyped-def]
    for error in exc.errors(include_url=False, include_input=False):
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, CrossReferenceError):
            for path, message in cause.problems:
                yield ConfigIssue(name, _line_of(path, lines), f"{_dotted(path)}: {message}")
            continue
        path = tuple(error["loc"])
        message = _message(error)
        source = overridden.get(path)
        if source:
            message += f" (value from environment variable {source})"
        where = _dotted(path) or "top level"
        yield ConfigIssue(name, _line_of(path, lines), f"{where}: {message}")


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see config/monitor.yaml for every key)"
    if kind == "missing":
        return "required key is missing"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _line_of(path: Path_, lines: dict[Path_, int]) -> int:
    """The line of the deepest node of ``path`` that exists in the file (missing keys point at the parent)."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


def _dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)
