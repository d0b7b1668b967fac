"""Campaign effectiveness, pure: treatment vs control lift with honest intervals, SRM, power, uplift.

numpy/scipy in, frozen dataclasses out; no I/O and no clock. Entry point: ``summarize(spec, arm=...,
success=..., matured=..., maturity_cutoff=..., score=...)`` returns a ``CampaignSummary``;
``export.to_dict`` / ``export.to_row`` / ``export.decile_rows`` make it JSON/CSV-ready. The pieces:
``stats`` (per-arm counts; Wilson, Wald, Newcombe and Katz intervals), ``sequential`` (always-valid
confidence sequences), ``power`` (fixed-horizon power, MDE, sample size), ``srm`` (sample-ratio
mismatch) and ``uplift`` (deciles, uplift@k, Qini).

Around the pure core, not imported here: ``data`` reads a campaign's customers through the ``Store`` interface
(shared by the web page and the jobs), ``feed`` turns a summary into a history row and a verdict, and
``job`` writes the feed history and posts the digest (run by ``monitor.jobs.scheduler``).
"""

from monitor.campaign.config import CampaignSpec
from monitor.campaign.export import decile_rows, to_dict, to_row
from monitor.campaign.stats import ArmStats, Interval
from monitor.campaign.summary import CampaignSummary, success_from_labels, summarize

__all__ = [
    "ArmStats",
    "CampaignSpec",
    "CampaignSummary",
    "Interval",
    "decile_rows",
    "success_from_labels",
    "summarize",
    "to_dict",
    "to_row",
]
