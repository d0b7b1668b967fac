"""Rendering a notification: readable at a glance, and within Slack's limits."""

from __future__ import annotations

from datetime import datetime

import pytest

from alerts.model import Alert
from connectors.slack.blocks import MAX_BLOCKS, MAX_HEADER_CHARS, MAX_SECTION_CHARS, render
from connectors.slack.wording import escape, mention_text
from tests.unit.slack.conftest import T0, drift, notification


def texts(blocks: list[dict[str, object]]) -> str:
    return "\n".join(str(b) for b in blocks)


def test_header_says_which_model_and_what_happened() -> None:
    rendered = render(notification((drift("age"), drift("income"), drift("tenure"))))
    header = rendered.blocks[0]
    assert header["type"] == "header"
    assert header["text"]["text"] == ":large_orange_circle: churn: 3 features drifted"
    assert rendered.text.startswith(":large_orange_circle: churn: 3 features drifted")
    assert not rendered.truncated


def test_each_alert_line_has_value_threshold_and_since() -> None:
    rendered = render(notification((drift("age"),)))
    line = rendered.blocks[1]["text"]["text"]
    assert "*feature drift* `age`" in line and "psi *0.31* vs threshold 0.2" in line
    assert f"<!date^{int(T0.timestamp())}^" in line and "|2026-03-02 12:00 UTC>" in line
    assert "since 2026-03-02 12:00 UTC" in rendered.text  # plain dates in the fallback text


def test_critical_alerts_mention_the_owner_first() -> None:
    critical = Alert(
        {"model": "churn", "check": "prediction_drift", "severity": "critical"},
        {"metric": "jensenshannon", "value": "0.4", "threshold": "0.1"},
        starts_at=T0,
    )
    rendered = render(notification((drift("age"), critical)), mention="@growth-oncall")
    assert rendered.blocks[0]["text"]["text"].startswith(":red_circle: churn:")
    assert rendered.blocks[1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "@growth-oncall critical alert"}],
    }
    assert "prediction drift" in rendered.blocks[2]["text"]["text"]  # most severe first
    assert "@growth-oncall" not in texts(render(notification((drift("age"),)), "@growth-oncall").blocks)


def test_resolved_group_reads_as_resolved() -> None:
    resolved = (drift("age").resolve(T0), drift("income").resolve(T0))
    rendered = render(notification(resolved=resolved, seq=2))
    assert (
        rendered.blocks[0]["text"]["text"] == ":white_check_mark: churn: resolved (was: 2 features drifted)"
    )
    assert all("~" in b["text"]["text"] and "resolved" in b["text"]["text"] for b in rendered.blocks[1:3])


def test_a_common_report_url_is_one_button_and_distinct_ones_are_linked_per_line() -> None:
    url = "https://reports.example/churn/1"
    shared = render(notification((drift("age", report_url=url), drift("income", report_url=url))))
    assert {"type": "actions"}.items() <= shared.blocks[-2].items() and url in str(shared.blocks[-2])
    apart = render(notification((drift("age", report_url=url), drift("income", report_url=url + "0"))))
    assert f"<{url}|evidence>" in apart.blocks[1]["text"]["text"]
    local = render(notification((drift("age", report="/var/reports/churn.html"),)))
    assert "Evidence report: `/var/reports/churn.html`" in str(local.blocks[-2])


def test_sixty_alerts_fit_in_fifty_blocks_with_a_count_of_the_rest() -> None:
    rendered = render(notification(tuple(drift(f"f{i:02d}") for i in range(60))))
    assert len(rendered.blocks) == MAX_BLOCKS
    shown = sum("feature drift" in str(b) for b in rendered.blocks)
    assert rendered.omitted == 60 - shown and rendered.truncated
    assert rendered.blocks[-2]["text"]["text"] == f"… and {rendered.omitted} more"
    assert rendered.text.endswith(f"… and {rendered.omitted} more")


def test_long_texts_are_cut_to_slack_limits() -> None:
    long_feature = "x" * 5000
    rendered = render(notification((drift(long_feature),)))
    assert len(rendered.blocks[0]["text"]["text"]) <= MAX_HEADER_CHARS
    assert len(rendered.blocks[1]["text"]["text"]) <= MAX_SECTION_CHARS
    assert rendered.truncated and rendered.omitted == 0
    assert len(rendered.text) <= 40_000


def test_user_text_is_escaped() -> None:
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"
    rendered = render(notification((drift("<!channel>"),)))
    assert "<!channel>" not in rendered.blocks[1]["text"]["text"]


@pytest.mark.parametrize(
    ("configured", "mrkdwn"),
    [
        ("@growth-oncall", "@growth-oncall"),
        ("U012ABCDEF", "<@U012ABCDEF>"),
        ("S0123ABC", "<!subteam^S0123ABC>"),
        ("@here", "<!here>"),
        ("<!subteam^S1|ml>", "<!subteam^S1|ml>"),
        (None, ""),
    ],
)
def test_mentions_become_slack_mrkdwn(configured: str | None, mrkdwn: str) -> None:
    assert mention_text(configured) == mrkdwn


def test_naive_times_are_read_as_utc() -> None:
    naive = Alert({"check": "freshness", "severity": "critical"}, {}, datetime(2026, 3, 2, 12))
    rendered = render(notification((naive,)))
    assert rendered.blocks[0]["text"]["text"] == ":red_circle: churn: no fresh data"
    assert rendered.blocks[1]["text"]["text"].startswith(":red_circle: *freshness* · since <!date^")
    assert "|2026-03-02 12:00 UTC>" in rendered.blocks[1]["text"]["text"]
