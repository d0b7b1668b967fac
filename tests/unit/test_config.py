"""Config loading: good and broken YAML fixtures, environment overrides, and secrets kept out of errors.

Broken fixtures (``tests/fixtures/config/bad``) carry their expectations inline: every
``# expect: TEXT`` comment says an error is reported on that very line with TEXT in its message (``...``
in TEXT stands for any text), and no other error may be reported. A line may hold several of them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.config_loader import ConfigError, ConfigIssue, load_config
from monitor.config_model import Config

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "config"
SHIPPED = ROOT / "config" / "monitor.yaml"
GOOD = sorted((FIXTURES / "good").glob("*.yaml"))
BAD = sorted((FIXTURES / "bad").glob("*.yaml"))
EXPECT = re.compile(r"#\s*expect:\s*(.*?)\s*(?=#\s*expect:|$)")
SECRET = "s3cret"
NO_ENV: dict[str, str] = {}

MINIMAL = """\
version: 1
teams:
  growth:
    slack_channel: "#growth"
models:
  churn:
    team: growth
    task: classification
    features:
      numerical: [tenure_months]
"""


def expectations(path: Path) -> list[tuple[int, re.Pattern[str]]]:
    """(line, pattern of the message) for every ``# expect:`` comment in a fixture."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for text in EXPECT.findall(line):
            found.append((number, re.compile(".*".join(re.escape(part) for part in text.split("...")))))
    return found


def matches(issue: ConfigIssue, line: int, pattern: re.Pattern[str]) -> bool:
    return issue.line == line and pattern.search(issue.message) is not None


def issues_of(path: Path, env: dict[str, str] | None = None) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=NO_ENV if env is None else env)
    return caught.value.issues


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- fixtures -----------------------------------------------------------------------------------------


def test_fixture_folders_are_populated() -> None:
    # A glob that silently matches nothing would make the parametrized tests vacuous.
    assert len(GOOD) >= 3
    assert len(BAD) >= 14
    assert all(expectations(path) for path in BAD), "every bad fixture needs # expect: comments"


@pytest.mark.parametrize("path", [SHIPPED, *GOOD], ids=lambda p: p.name)
def test_good_config_loads(path: Path) -> None:
    config = load_config(path, env=NO_ENV)
    assert config.models
    assert all(spec.team in config.teams for spec in config.models.values())


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_config_reports_exactly_the_expected_errors(path: Path) -> None:
    issues = issues_of(path)
    expected = expectations(path)
    unmatched = [
        f"{line}: {pattern.pattern}"
        for line, pattern in expected
        if not any(matches(i, line, pattern) for i in issues)
    ]
    unexpected = [str(i) for i in issues if not any(matches(i, line, p) for line, p in expected)]
    assert not unmatched, f"expected errors not reported: {unmatched}; got {[str(i) for i in issues]}"
    assert not unexpected, f"errors not announced by an # expect: comment: {unexpected}"
    assert all(i.file == str(path) for i in issues)
    assert [i.line for i in issues] == sorted(i.line for i in issues), "issues come in file order"


def test_shipped_config_declares_the_churn_model() -> None:
    config = load_config(SHIPPED, env=NO_ENV)
    churn = config.models["churn"]
    assert len(churn.features.numerical) == 20
    assert churn.features.categorical[0] == "plan"


def test_minimal_config_takes_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), env=NO_ENV)
    assert config.kafka.bootstrap == "127.0.0.1:9092"
    assert config.kafka.batch.max_messages == 5000
    assert config.store.url.get_secret_value() == "chdb://.monitor/chdb"
    assert config.ingest.max_future_seconds == 86_400
    assert config.models["churn"].features.categorical == ()


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), env=NO_ENV)
    with pytest.raises(ValueError, match="frozen"):
        config.kafka.partitions = 5


def test_missing_file_is_an_issue_not_a_crash(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path / "absent.yaml")
    assert "cannot read config" in issue.message


def test_heartbeat_of_exactly_a_third_is_allowed(tmp_path: Path) -> None:
    text = MINIMAL + "kafka:\n  session_timeout_ms: 6000\n  heartbeat_interval_ms: 2000\n"
    assert load_config(write(tmp_path, text), env=NO_ENV).kafka.heartbeat_interval_ms == 2000


# --- environment overrides -------------------------------------------------------------------------------


def test_env_overrides_are_applied(tmp_path: Path) -> None:
    env = {"MONITOR_KAFKA_BOOTSTRAP": "k1:9092,k2:9092", "MONITOR_STORE_URL": "clickhouse://u:p@ch:9000/db"}
    config = load_config(write(tmp_path, MINIMAL + 'kafka:\n  bootstrap: "file:9092"\n'), env=env)
    assert config.kafka.bootstrap == "k1:9092,k2:9092"
    assert config.store.url.get_secret_value() == "clickhouse://u:p@ch:9000/db"


def test_empty_env_variable_is_ignored(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), env={"MONITOR_KAFKA_BOOTSTRAP": ""})
    assert config.kafka.bootstrap == "127.0.0.1:9092"


def test_invalid_env_override_names_the_variable(tmp_path: Path) -> None:
    env = {"MONITOR_STORE_URL": f"mysql://u:{SECRET}@db:3306/x"}
    [issue] = issues_of(write(tmp_path, MINIMAL), env=env)
    assert issue.message.startswith("store.url: store url must look like")
    assert "MONITOR_STORE_URL" in issue.message
    assert SECRET not in str(issue)


def test_env_override_error_is_reported_with_file_errors(tmp_path: Path) -> None:
    text = MINIMAL.replace("task: classification", "task: ranking")
    issues = issues_of(write(tmp_path, text), env={"MONITOR_STORE_URL": "ftp://x"})
    assert [i.message.split(":")[0] for i in issues] == ["store.url", "models.churn.task"]


# --- secrets ---------------------------------------------------------------------------------------------


def test_store_password_never_appears_in_a_loaded_config(tmp_path: Path) -> None:
    url = f"clickhouse://u:{SECRET}@h:9000/db"
    config = load_config(write(tmp_path, MINIMAL + f'store:\n  url: "{url}"\n'), env=NO_ENV)
    assert config.store.url.get_secret_value() == url
    for text in (
        repr(config),
        str(config),
        repr(config.store),
        config.model_dump_json(),
        str(config.model_dump()),
    ):
        assert SECRET not in text


@pytest.mark.parametrize(
    "url",
    [f"clickhouse://u:{SECRET}@h:9000/db?x=1", f"clickhouse://u:{SECRET}@h:9000/db/more", f"s3://{SECRET}"],
)
def test_store_password_never_appears_in_errors(tmp_path: Path, url: str) -> None:
    text = MINIMAL.replace("task: classification", "task: ranking") + f'store:\n  url: "{url}"\n'
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env=NO_ENV)
    error = caught.value
    assert any(i.message.startswith("store.url:") for i in error.issues)
    assert SECRET not in str(error)
    assert SECRET not in repr(error.issues)


def test_secret_with_a_bad_tag_is_not_quoted(tmp_path: Path) -> None:
    text = MINIMAL + f"store:\n  url: !!int clickhouse://u:{SECRET}@h:9000/db\n"
    [issue] = issues_of(write(tmp_path, text))
    assert SECRET not in str(issue)


def test_config_model_can_be_built_in_code() -> None:
    # Other modules' tests build configs without YAML; the model must accept plain data.
    config = Config.model_validate(
        {
            "version": 1,
            "teams": {"t": {"slack_channel": "#t"}},
            "models": {"m": {"team": "t", "task": "regression", "features": {"numerical": ["x"]}}},
        }
    )
    assert config.models["m"].task == "regression"
