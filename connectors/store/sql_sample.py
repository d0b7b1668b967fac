"""SQL of the bounded sample: the window's rows with the smallest ``cityHash64(prediction_id)``.

``ORDER BY hash LIMIT n`` is a top-n sort, which keeps at most n rows per stream on the server (18.16
and current engines alike), so the sample's memory does not grow with the window. ``cityHash64`` is
the same function on every ClickHouse version, so both stores pick the same rows; ties (equal hashes)
are broken by the id itself. The sample is then put in the order of the full reads.
"""

from __future__ import annotations

from connectors.store.base import PREDICTION, SCORE, FeatureSelection, WindowSpec
from connectors.store.layouts import WindowLayouts
from connectors.store.sql import (
    LABEL_OUTPUTS,
    PREDICTION_OUTPUTS,
    Select,
    feature_outputs,
    labeled_join,
    select_list,
)
from connectors.store.sql_windows import window_rows

HASH_ORDER = "cityHash64(prediction_id), prediction_id"
# A reference row's label and (optional) time, under the aliases the labeled read gives an outcome's.
REFERENCE_LABELS = (
    "label AS o_label",
    "label_value AS o_label_value",
    "timestamp_ms AS o_timestamp_ms",
)


def sample_select(
    database: str,
    window: WindowSpec,
    features: FeatureSelection,
    limit: int,
    matured_before_ms: int | None,
    layouts: WindowLayouts,
    final: bool = True,
    whole: bool = False,
) -> Select:
    """At most ``limit`` rows of the window, with the columns of ``read_predictions`` (or, with
    ``matured_before_ms``, of ``read_labeled``: for a reference set, its rows that have a label).

    Pseudo-features are skipped: their values are the ``score`` and ``prediction`` columns already.
    ``final=False`` reads the predictions without ``FINAL`` (a window ``sql.unique_window_sql`` found
    free of duplicates: for a labeled sample, the window cut at ``matured_before_ms``).

    ``whole=True`` (the caller counted at most ``limit`` rows in the window) reads the window without
    ranking its rows by hash, which is the same rows at about half the server's cost (100k rows on
    18.16: 0.19 instead of 0.33 s). Rows that arrive between that count and this read can make the
    window larger than ``limit``: the read is still cut at ``limit`` rows (the oldest), so the bound
    holds; only the choice of rows differs from the hash sample, in that race alone."""
    if limit < 0:
        raise ValueError(f"a sample limit cannot be negative: {limit}")
    plain = FeatureSelection(
        numerical=[name for name in features.numerical if name not in (SCORE, PREDICTION)],
        categorical=[name for name in features.categorical if name not in (SCORE, PREDICTION)],
    )
    picked = feature_outputs(plain, layouts)
    labeled = matured_before_ms is not None
    outputs = PREDICTION_OUTPUTS + tuple(output for _, output in picked) + (LABEL_OUTPUTS if labeled else ())
    aliases = [output.alias for output in outputs]
    # A row's prediction columns and picked features, as every read of stored rows selects them.
    columns = [output.alias for output in PREDICTION_OUTPUTS]
    columns += [f"{expression} AS {output.alias}" for expression, output in picked]
    cut = ""
    if whole and not labeled:
        if window.reference_id is not None:
            sampled = window_rows(database, window, ["row_number", *columns])
            order = "row_number"
        else:
            sampled = window_rows(database, window, columns, final=final)
            order = "timestamp_ms, prediction_id"
        cut = f" LIMIT {int(limit)}"
    elif window.reference_id is not None:
        sampled = _reference_sample(database, window, columns, labeled, aliases, limit)
        order = "row_number"  # the order of the loaded file
    elif matured_before_ms is not None:
        end_ms = min(window.end_ms, matured_before_ms)
        source = labeled_join(database, window.model, window.start_ms, end_ms, picked, final)
        sampled = f"SELECT {', '.join(aliases)} FROM {source} ORDER BY {HASH_ORDER} LIMIT {int(limit)}"
        order = "timestamp_ms, prediction_id"
    else:
        # The largest hash of the ``limit`` smallest first (a key-only read), then the rows hashing no
        # higher, features picked out of those rows only: picking them out of the arrays of every row
        # before the top-n sort costs twice as much, and the hash bound is about 10% cheaper than an
        # IN over the chosen ids (1M rows on 18.16). Only a 64-bit hash collision at the bound could
        # let more rows through, and the outer LIMIT still holds the bound then.
        hashes = window_rows(database, window, ["cityHash64(prediction_id) AS _hash"], final=final)
        bound = f"SELECT max(_hash) FROM (SELECT _hash FROM ({hashes}) ORDER BY _hash LIMIT {int(limit)})"
        sampled = window_rows(database, window, columns, f"cityHash64(prediction_id) <= ({bound})", final)
        order = "timestamp_ms, prediction_id"
        cut = f" LIMIT {int(limit)}"
    return Select(f"SELECT {select_list(outputs)} FROM ({sampled}) ORDER BY {order}{cut}", outputs)


def _reference_sample(
    database: str,
    window: WindowSpec,
    columns: list[str],
    labeled: bool,
    aliases: list[str],
    limit: int,
) -> str:
    read = ["row_number", *columns, *(REFERENCE_LABELS if labeled else ())]
    rows = window_rows(database, window, read, "isNotNull(label)" if labeled else "")
    return f"SELECT row_number, {', '.join(aliases)} FROM ({rows}) ORDER BY {HASH_ORDER} LIMIT {int(limit)}"
