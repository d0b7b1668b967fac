"""The configuration model (version 1): what SREs write in ``config/monitor.yaml``.

Every node is strict (unknown keys and wrong types are errors) and frozen. Each field has a description:
they generate ``config/monitor.schema.json`` and the config reference. Checks that span the whole file
(a model owned by an undefined team, a feature declared twice) live in ``Config``'s validators.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from alerts.config import AlertingConfig, cross_references
from monitor.campaign.config import CampaignSpec
from monitor.config_base import NAME_PATTERN as NAME_PATTERN
from monitor.config_base import Name as Name
from monitor.config_base import Strict as Strict  # re-exported: sections import it from here too
from monitor.jobs.settings import MonitoringSettings, column_type_of
from monitor.stats.result import ColumnType

FEATURE_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,62}$"

FeatureName = Annotated[str, Field(pattern=FEATURE_PATTERN)]


class Topics(Strict):
    predictions: str = Field("predictions", min_length=1, description="Topic carrying prediction events.")
    outcomes: str = Field("outcomes", min_length=1, description="Topic carrying outcome (label) events.")


class Batch(Strict):
    max_messages: int = Field(
        5000, ge=1, le=1_000_000, description="Flush a batch once it holds this many messages."
    )
    max_seconds: float = Field(
        1.0, gt=0, le=300, description="Flush a batch once its first message is this old (seconds)."
    )


class Kafka(Strict):
    bootstrap: str = Field(
        "127.0.0.1:9092",
        min_length=1,
        description="Comma-separated host:port list. Overridden by MONITOR_KAFKA_BOOTSTRAP.",
    )
    group_id: str = Field("monitor-ingest", min_length=1, description="Consumer group of the ingest.")
    topics: Topics = Field(default_factory=Topics, description="Topic names.")  # type: ignore[arg-type]
    partitions: int = Field(
        3, ge=1, le=1024, description="Partitions per topic when the service or its scripts create topics."
    )
    batch: Batch = Field(default_factory=Batch, description="When a batch is written.")  # type: ignore[arg-type]
    session_timeout_ms: int = Field(
        6000,
        ge=1000,
        le=300_000,
        description="Consumer group session timeout; a dead consumer's "
        "partitions move after this long. Group joins take about half of it.",
    )
    heartbeat_interval_ms: int = Field(1000, ge=100, le=60_000, description="Consumer heartbeat interval.")
    fetch_max_wait_ms: int = Field(
        50, ge=1, le=5000, description="How long the broker may hold a fetch open. Keep it small (10-50)."
    )

    @model_validator(mode="after")
    def _heartbeat_below_session(self) -> Kafka:
        if self.heartbeat_interval_ms * 3 > self.session_timeout_ms:
            raise ValueError("heartbeat_interval_ms must be at most a third of session_timeout_ms")
        return self


STORE_URL_PATTERN = re.compile(r"^(clickhouse://[^/\s]+(/[A-Za-z0-9_]*)?|chdb://\S*)$")


DEFAULT_STORE_URL = "chdb://.monitor/chdb"


class Store(Strict):
    url: SecretStr = Field(
        SecretStr(DEFAULT_STORE_URL),
        description="clickhouse://user:pass@host:9000/db for a ClickHouse server, or chdb:///path/to/dir "
        "(chdb://relative/dir) for the embedded store. Overridden by MONITOR_STORE_URL. "
        "It may hold a password, so it is never printed whole.",
        # The schema would otherwise show the masked default ("**********") and no pattern.
        json_schema_extra={"default": DEFAULT_STORE_URL, "pattern": STORE_URL_PATTERN.pattern},
    )

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: SecretStr) -> SecretStr:
        if not STORE_URL_PATTERN.match(value.get_secret_value()):
            raise ValueError("store url must look like clickhouse://user:pass@host:9000/db or chdb:///dir")
        return value


class RejectLimit(Strict):
    ratio: float = Field(
        0.95,
        gt=0,
        le=1,
        description="Stop ingest loudly when more than this share of the last `window` "
        "messages was rejected (a misconfigured producer), instead of filling the dead-letter table.",
    )
    window: int = Field(1000, ge=10, description="How many recent messages the reject ratio is taken over.")


class Ingest(Strict):
    max_message_bytes: int = Field(
        1_048_576, ge=256, description="Larger messages are dead-lettered as `oversized`."
    )
    max_future_seconds: int = Field(
        86_400, ge=0, description="Timestamps further than this in the future are dead-lettered."
    )
    reject_limit: RejectLimit = Field(
        default_factory=RejectLimit,  # type: ignore[arg-type]
        description="When a stream of rejects stops ingest instead of filling the dead-letter table.",
    )
    metrics_port: int = Field(
        9108, ge=0, le=65535, description="Port of the Prometheus /metrics endpoint; 0 turns it off."
    )
    retry_max_seconds: float = Field(
        30.0, gt=0, description="Longest pause between retries while the store is down (backoff cap)."
    )
    writer: Literal["auto", "process", "thread"] = Field(
        "auto",
        description="Where each batch is parsed and written while the next one is read from Kafka. "
        "`process`: a worker process with its own store connection, so that work runs on another core "
        "(a clickhouse:// store only). `thread`: a thread of the ingest process (the only way for the "
        "embedded chDB store, which can be open in one process only). `auto`: `process` for a "
        "clickhouse:// store, `thread` for chdb://.",
    )


class Web(Strict):
    host: str = Field(
        "127.0.0.1",
        description="Address the pages and JSON/CSV feeds are served on (0.0.0.0: all interfaces).",
    )
    port: int = Field(8080, ge=0, le=65535, description="Port of the pages; 0 turns them off.")
    report_dir: str = Field("reports", description="Where the jobs write their Evidently reports (served).")
    alerts_file: str = Field(
        "alerts.jsonl", description="Without SLACK_BOT_TOKEN, notifications are printed and appended here."
    )


class Team(Strict):
    slack_channel: str = Field(
        ..., pattern=r"^[#@]?[a-z0-9_\-.]{1,80}$", description="Slack channel that gets the team's alerts."
    )
    mention: str | None = Field(None, description="Slack handle or group mentioned on critical alerts.")


class Features(Strict):
    numerical: tuple[FeatureName, ...] = Field((), description="Numerical input features, by name.")
    categorical: tuple[FeatureName, ...] = Field((), description="Categorical input features, by name.")

    @model_validator(mode="after")
    def _no_overlap(self) -> Features:
        for kind, names in (("numerical", self.numerical), ("categorical", self.categorical)):
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(f"{kind} features listed twice: {', '.join(repeated)}")
        both = sorted(set(self.numerical) & set(self.categorical))
        if both:
            raise ValueError(f"features declared both numerical and categorical: {', '.join(both)}")
        if not self.numerical and not self.categorical:
            raise ValueError("a model needs at least one declared feature")
        return self


class ModelSpec(Strict):
    team: Name = Field(..., description="Owning team: a key of `teams`. Its channel gets the alerts.")
    task: Literal["classification", "regression"] = Field(..., description="What the model predicts.")
    features: Features = Field(..., description="Declared input features; others are counted, not stored.")
    description: str = Field("", description="Free text shown on pages and alerts.")
    monitoring: MonitoringSettings = Field(
        default_factory=MonitoringSettings,  # type: ignore[arg-type]
        description="Reference, windows, schedule, drift / performance / quality limits.",
    )

    @model_validator(mode="after")
    def _overrides_fit_features(self) -> ModelSpec:
        types = {n: ColumnType.NUMERICAL for n in self.features.numerical}
        types |= {n: ColumnType.CATEGORICAL for n in self.features.categorical}
        for name, choice in self.monitoring.drift.features.items():
            if name not in types:
                raise ValueError(f"drift override for {name!r}, which is not a declared feature")
            if types[name] not in column_type_of(choice):
                raise ValueError(
                    f"drift method {choice.method!r} does not accept {types[name].value} feature {name!r}"
                )
        return self


class Config(Strict):
    """The whole file. Cross-references are checked here, after each node has checked itself."""

    version: Literal[1] = Field(..., description="Config format version. Must be 1.")
    kafka: Kafka = Field(
        default_factory=Kafka,  # type: ignore[arg-type]
        description="The Kafka brokers, topics and consumer settings of the ingest.",
    )
    store: Store = Field(
        default_factory=Store,  # type: ignore[arg-type]
        description="Where events and metrics are stored: a ClickHouse server or embedded chDB.",
    )
    ingest: Ingest = Field(
        default_factory=Ingest,  # type: ignore[arg-type]
        description="Limits applied to incoming messages, and the ingest's own endpoints.",
    )
    web: Web = Field(
        default_factory=Web,  # type: ignore[arg-type]
        description="The read-only pages, feeds, /healthz, /readyz and /metrics served by `monitor run`. "
        "Set MONITOR_WEB_TOKEN to require a bearer token.",
    )
    teams: dict[Name, Team] = Field(..., description="Teams that own models, by name.")
    models: dict[Name, ModelSpec] = Field(..., description="Monitored models, by name.")
    alerting: AlertingConfig = Field(
        default_factory=AlertingConfig,  # type: ignore[arg-type]
        description="Alert routing (Alertmanager-style route tree, receivers, inhibition, mute windows, "
        "pending/keep-firing rules). With nothing configured, each model's alerts go to its owning team.",
    )
    campaigns: dict[Name, CampaignSpec] = Field(
        default_factory=dict, description="Campaign-effectiveness feeds (treatment vs control), by id."
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Config:
        # Every problem carries its path, so the loader can point at the offending line.
        problems: list[tuple[tuple[str | int, ...], str]] = [
            (("models", name, "team"), f"team {m.team!r} is not defined under `teams`")
            for name, m in self.models.items()
            if m.team not in self.teams
        ]
        problems += cross_references(self.alerting, set(self.teams))
        problems += list(_campaign_problems(self))
        server = self.store.url.get_secret_value().startswith("clickhouse:")
        if self.ingest.writer == "process" and not server:
            message = "`process` needs a clickhouse:// store (chDB can be open in one process only)"
            problems.append((("ingest", "writer"), message))
        if problems:
            raise CrossReferenceError(problems)
        return self


def _campaign_problems(config: Config) -> Iterator[tuple[tuple[str | int, ...], str]]:
    for key, campaign in config.campaigns.items():
        if campaign.id != key:
            yield ("campaigns", key, "id"), f"id {campaign.id!r} differs from its key {key!r}"
        if campaign.model not in config.models:
            yield ("campaigns", key, "model"), f"model {campaign.model!r} is not defined under `models`"
        if campaign.team not in config.teams:
            yield ("campaigns", key, "team"), f"team {campaign.team!r} is not defined under `teams`"


class CrossReferenceError(ValueError):
    """Errors that span the file, each with the path of the node it is about."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems
