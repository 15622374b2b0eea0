"""The policies that page on silence, pure. A ratio with no runs and a threshold with no points never
fire, so three policies watch for silence itself: the collector's own heartbeat (``collector_runs``,
written at the end of every completed run) absent for ``collector_silence_s``; ``pipeline_runs``
absent for ``pipeline_silence_s``, reduced to one series across ``task_id`` *and* ``status`` so
that the failure series falling quiet on a healthy day is not an absence; and, on Google Cloud,
Pub/Sub's own ``subscription/oldest_unacked_message_age`` of the collector's subscription above
``backlog_age_s`` — a witness that needs nothing of ours to be alive (the emulators have no data for
it: it is created everywhere and fires only on Google Cloud). Absence durations stay within
Google's bounds for them: 2 minutes to 23.5 hours.
"""

from __future__ import annotations

from collections.abc import Collection

from .burn_rate import span
from .config import InfraConfig
from .model import Resource
from .policy_parts import absence, backlog_filter, metric_filter, policy, reduced, runbook, threshold

__all__ = ["silence_policies"]


def silence_policies(config: InfraConfig, configured: Collection[str], subscription: str) -> list[Resource]:
    a = config.alerts
    collector, pipeline, backlog = span(a.collector_silence_s), span(a.pipeline_silence_s), span(a.backlog_age_s)
    return [
        policy(
            config,
            configured,
            "collector-dead",
            "critical",
            f"collector has not completed a run for {collector}",
            absence(metric_filter("collector_runs"), [reduced("collector_runs", 60)], a.collector_silence_s),
            runbook(
                "The metrics collector has stopped",
                f"No collection run completed in the last {collector}: every run ends with a heartbeat "
                "(`collector_runs`, reduced across instances), and none arrived. Until it runs again no "
                "metric reaches Monitoring, so every other alert is blind.",
                [
                    "Read the collector's logs (the Cloud Function `helios-metrics-collector`): a missing "
                    "subscription or a revoked role fails every run with its cause.",
                    "Check that the Cloud Scheduler job that invokes it is enabled and its last attempts succeeded.",
                    "Run `python -m functions collect --once` with the production settings: its JSON line says "
                    '`"heartbeat": true` when a run completes.',
                    "Nothing is lost meanwhile: events wait in the subscription (7 days) and are counted once "
                    "when the collector runs again.",
                ],
            ),
        ),
        policy(
            config,
            configured,
            "pipeline-stopped",
            "critical",
            f"no pipeline run recorded for {pipeline}",
            absence(metric_filter("pipeline_runs"), [reduced("pipeline_runs", 60)], a.pipeline_silence_s),
            runbook(
                "The store's pipeline has stopped",
                f"No pipeline run, successful or failed, was recorded in the last {pipeline} "
                "(`pipeline_runs` of every status, reduced to one series).",
                [
                    "If *collector has not completed a run* is open too, runs may be recorded but not "
                    "collected: fix the collector first.",
                    "Check the pipeline's scheduler and the logs of its last run.",
                    "Check that the pipeline can publish: the publisher logs why Pub/Sub refuses events and "
                    "spools them to disk meanwhile.",
                ],
            ),
        ),
        policy(
            config,
            configured,
            "subscription-backlog",
            "critical",
            f"metrics waiting more than {backlog} in {subscription}",
            threshold(
                backlog_filter(subscription),
                [
                    {
                        "alignment_period": "60s",
                        "per_series_aligner": "ALIGN_MAX",
                        "cross_series_reducer": "REDUCE_MAX",
                        "group_by_fields": [],
                    }
                ],
                "COMPARISON_GT",
                a.backlog_age_s,
                a.critical_duration_s,
            ),
            runbook(
                "The collector is not draining its subscription",
                f"Pub/Sub reports that the oldest unacknowledged message of `{subscription}` is older than "
                f"{backlog}: the collector is stopped, failing, or cannot keep up. Pub/Sub measures this "
                "itself, so it pages even when nothing of ours is alive (Google Cloud only).",
                [
                    "If *collector has not completed a run* is open too, start there.",
                    "Otherwise runs complete but do not acknowledge: look at the collector's write errors "
                    "(Performance Intelligence → collector health); messages go back to Pub/Sub while "
                    "Monitoring refuses their points.",
                    "Messages are kept 7 days; after 10 deliveries one goes to the dead-letter topic.",
                ],
            ),
        ),
    ]
