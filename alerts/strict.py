"""The base of every alerting config node: the project's strict base and name rules, plus label names."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from monitor.config_base import NAME_PATTERN, Name, Strict

LabelName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]

__all__ = ["NAME_PATTERN", "LabelName", "Name", "Strict"]
