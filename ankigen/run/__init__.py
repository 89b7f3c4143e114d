"""How a build runs: progress lines, timings, outputs written then renamed, up-to-date replay.

The machinery around the stages; none of it changes what a deck holds."""
