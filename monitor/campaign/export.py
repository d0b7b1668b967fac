"""A ``CampaignSummary`` as plain values for the JSON feed, CSV rows and the history table.

NaN and infinities become None (JSON has no NaN; an empty CSV cell is clearer than "nan"), datetimes
become ISO-8601 text and tuples become lists. ``to_row`` is the flat headline (one row per campaign and
period); ``decile_rows`` the uplift table.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from typing import Any

from monitor.campaign.stats import Interval
from monitor.campaign.summary import CampaignSummary


def plain(value: Any) -> Any:
    """Recursively turn dataclasses, tuples, numpy scalars and datetimes into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool | int | str) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalar
        return plain(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    raise TypeError(f"cannot export {type(value).__name__}")


def to_dict(summary: CampaignSummary) -> dict[str, Any]:
    """The whole summary, nested, JSON-ready (``json.dumps(..., allow_nan=False)`` accepts it)."""
    result: dict[str, Any] = plain(summary)
    return result


def _interval_columns(prefix: str, interval: Interval) -> dict[str, Any]:
    return {
        prefix: plain(interval.estimate),
        f"{prefix}_lower": plain(interval.lower),
        f"{prefix}_upper": plain(interval.upper),
        f"{prefix}_method": interval.method,
        f"{prefix}_status": interval.status,
    }


def to_row(summary: CampaignSummary) -> dict[str, Any]:
    """The headline numbers as one flat row (CSV feed, history table)."""
    s = summary
    row: dict[str, Any] = {
        "campaign": s.campaign,
        "model": s.model,
        "inference": s.inference,
        "alpha": s.alpha,
        "maturity_cutoff": s.maturity_cutoff.isoformat(),
        "n_assigned": s.n_assigned,
        "n_matured": s.n_matured,
        "n_treatment": s.treatment.n,
        "n_control": s.control.n,
        "successes_treatment": s.treatment.successes,
        "successes_control": s.control.successes,
        "rate_treatment": plain(s.treatment.rate),
        "rate_control": plain(s.control.rate),
        **_interval_columns("absolute_lift", s.absolute_lift),
        **_interval_columns("relative_lift", s.relative_lift),
        "srm_p_value": plain(s.srm.p_value),
        "srm_warning": s.srm.warning,
        "qini_coefficient": plain(s.uplift.qini_coefficient) if s.uplift else None,
        "warnings": "; ".join(s.warnings),
    }
    return row


def decile_rows(summary: CampaignSummary) -> list[dict[str, Any]]:
    """One row per score decile (1 = highest scores); empty without scores."""
    if summary.uplift is None:
        return []
    return [
        {
            "campaign": summary.campaign,
            "decile": d.rank,
            "score_min": plain(d.score_min),
            "score_max": plain(d.score_max),
            **plain(d.counts),
        }
        for d in summary.uplift.deciles
    ]
