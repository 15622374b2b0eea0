"""The async official client against the emulator: writes, partial failures, reads."""

from __future__ import annotations

import asyncio
import time

import pytest
from google.api_core import exceptions

from tests.helpers import HELIOS, interval, series, summary_of


def test_async_client_writes_reads_and_decodes_partial_failures(factory, project_id):
    async def scenario() -> None:
        client = factory.metric_service_async()
        name = f"projects/{project_id}"
        t = int(time.time()) - 600
        await client.create_time_series(name=name, time_series=[series(1.0, t, labels={"k": "a"})])
        with pytest.raises(exceptions.InvalidArgument) as caught:
            await client.create_time_series(
                name=name, time_series=[series(2.0, t, labels={"k": "a"}), series(3.0, t, labels={"k": "b"})]
            )
        assert caught.value.message.endswith("older end time than the most recent point.: timeSeries[0]")
        summary = summary_of(caught.value)
        assert (summary.total_point_count, summary.success_point_count) == (2, 1)
        pager = await client.list_time_series(
            request={"name": name, "filter": f'metric.type = "{HELIOS}/test_metric"', "interval": interval(t - 1, t)}
        )
        found = {ts.metric.labels["k"]: [p.value.double_value for p in ts.points] async for ts in pager}
        assert found == {"a": [1.0], "b": [3.0]}
        descriptors = [
            d.type
            async for d in await client.list_metric_descriptors(
                request={"name": name, "filter": 'metric.type = starts_with("custom.googleapis.com/")'}
            )
        ]
        assert descriptors == [f"{HELIOS}/test_metric"]

    asyncio.run(scenario())
