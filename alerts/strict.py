"""The base of every alerting config node, as in ``monitor.config_model`` (kept separate so that module can
import this package's section model without an import cycle)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]{0,62}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
LabelName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class Strict(BaseModel):
    """Unknown keys are errors and the result is immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, populate_by_name=False)
