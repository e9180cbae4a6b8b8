"""A card service for the process tests: ``slow`` waits until the file named by
``SAMPLE_RELEASE_FILE`` exists; ``broken`` raises with the customer's email in the message."""

import asyncio
import logging
import os
from pathlib import Path

from cardmesh_kit import Card, CardProvider, CardSpec, run
from cardmesh_kit.build import text

log = logging.getLogger("sample")


class SampleService(CardProvider):
    name = "sample"

    def cards(self):
        return [CardSpec("slow", "Slow"), CardSpec("broken", "Broken"), CardSpec("hello", "Hello")]

    async def card(self, key, ctx):
        if key == "broken":
            raise RuntimeError(f"no account for {ctx.customer.email}")
        if key == "slow":
            release = Path(os.environ["SAMPLE_RELEASE_FILE"])
            log.info("drawing slow card", extra={"customer": repr(ctx.customer)})
            while not release.exists():
                await asyncio.sleep(0.01)
        return Card([text(f"{key} drawn")])


if __name__ == "__main__":
    run(SampleService())
