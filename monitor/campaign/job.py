"""The campaign jobs: a campaign's feed row written to the store as history, and its digest posted to
the owning team through the alert router's receiver (Slack, or the console without a token).

The scheduler runs them (the feed daily, the digest on the campaign's ``digest_schedule``); the demo
and ``monitor campaign report`` call the same methods. The period end is passed in, never read from a
clock, so a replay over event time (the demo) and a test get the rows a live run would write.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from connectors.store.base import CampaignFeedRow, Store
from monitor.campaign.config import CampaignSpec
from monitor.campaign.data import DEFAULT_DAYS, read_campaign, summarize_data
from monitor.campaign.feed import feed_line, feed_row
from monitor.campaign.summary import CampaignSummary

if TYPE_CHECKING:
    from connectors.slack.delivery import DeliveryResult

log = logging.getLogger(__name__)


class DigestPoster(Protocol):
    """What posts a digest: ``SlackReceiver`` and ``ConsoleReceiver`` (``connectors.slack``)."""

    def post_digest(
        self,
        receiver: str,
        title: str,
        text: str,
        blocks: Sequence[dict[str, Any]],
        *,
        retry_for: float | None = None,
    ) -> DeliveryResult: ...


@dataclass(frozen=True)
class FeedUpdate:
    """One computed period: the summary, its history row, and whether the read was a sample."""

    spec: CampaignSpec
    summary: CampaignSummary
    row: CampaignFeedRow
    sampled: bool


# Feed rows are keyed by period end, and scheduled runs end their period at the whole hour: a rerun
# within the hour (a restart, the digest after the daily run) replaces the row, never near-duplicates it.
def period_end(now: datetime) -> datetime:
    """``now`` floored to the whole hour: the period end a scheduled run uses."""
    return now.replace(minute=0, second=0, microsecond=0)


def page_url(base_url: str | None, campaign_id: str) -> str | None:
    """The campaign page under the pages' public base URL, if one is configured."""
    return f"{base_url.rstrip('/')}/campaigns/{campaign_id}" if base_url else None


class CampaignJobs:
    """Feed and digest of every campaign in ``campaigns``, reading and writing ``store``.

    ``poster`` posts digests (None: digests are not posted). ``may_post`` says whether this process
    posts (the router's leadership: two ``monitor run`` processes post one digest). ``base_url`` is the
    public root of the pages, for the link in the digest. ``days``: how far back a period reaches.
    """

    def __init__(
        self,
        campaigns: Mapping[str, CampaignSpec],
        store: Store,
        poster: DigestPoster | None = None,
        *,
        may_post: Callable[[], bool] = lambda: True,
        base_url: str | None = None,
        days: float = DEFAULT_DAYS,
        wall_ms: Callable[[], int] | None = None,
    ) -> None:
        self.campaigns, self.store, self.poster = campaigns, store, poster
        self.may_post, self.base_url, self.days = may_post, base_url, days
        self.wall_ms = wall_ms or (lambda: int(time.time() * 1000))

    def compute(self, campaign_id: str, end: datetime) -> FeedUpdate:
        """The campaign over the ``days`` before ``end``, outcomes matured by ``end``; nothing written."""
        spec = self.campaigns[campaign_id]
        data = read_campaign(self.store, spec, end, self.days)
        summary = summarize_data(spec, data)
        return FeedUpdate(spec, summary, feed_row(summary, data.start, end, self.wall_ms()), data.sampled)

    def update_feed(self, campaign_id: str, end: datetime) -> FeedUpdate:
        """Compute the period ending at ``end`` and keep its row in the feed history."""
        update = self.compute(campaign_id, end)
        self.store.write_campaign_feed([update.row])
        return update

    def post_digest(self, update: FeedUpdate) -> DeliveryResult | None:
        """Post the digest of ``update`` to the campaign's team; None when not posted here."""
        from connectors.slack.digest import digest_title, render_digest  # Slack's format, loaded on use

        if self.poster is None or not self.may_post():
            log.info(
                "digest of %s not posted: %s", update.spec.id, "no receiver" if not self.poster else "standby"
            )
            return None
        rendered = render_digest(update.summary, page_url(self.base_url, update.spec.id))
        title = digest_title(update.summary)
        result = self.poster.post_digest(update.spec.team, title, rendered.text, rendered.blocks)
        if not result.ok:
            log.error(
                "digest of %s to %s failed: %s",
                update.spec.id,
                update.spec.team,
                result.reason,
            )
        return result

    def run_feed(self, campaign_id: str, now: datetime) -> FeedUpdate:
        """The scheduled feed run: the period ending at ``now``'s hour, written to the history."""
        update = self.update_feed(campaign_id, period_end(now))
        log.info("%s", feed_line(update.row))
        return update

    def run_digest(self, campaign_id: str, now: datetime) -> DeliveryResult | None:
        """The scheduled digest run: the feed row of this hour, then the digest to the team."""
        return self.post_digest(self.run_feed(campaign_id, now))
