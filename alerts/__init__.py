"""The alert router: pure logic from check results to notifications (Alertmanager semantics).

Flow of one cycle: ``candidates_from_results`` -> ``rules.evaluate`` (pending / keep-firing) ->
``pipeline.Router.process`` (route, group, inhibit, silence, mute windows, dedup against the
notification log) -> ``Notification`` values for the receivers. No module here does I/O.
"""
