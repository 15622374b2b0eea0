"""Has the success rate just changed? Pure: the evidence the last hours of runs give for a
change point, weighed against the forecasts the steady model made for them.

Every bin boundary is a candidate. Its prior is the hazard over the time it stands for; its evidence
is how much better a fresh segment explains the runs after it than the steady forecasts did: the
outcomes under a fresh rate — a regression's (Beta(2, 2)) or a return to the usual one — and,
when the bins say which stage each failure was in, the
failures' stages under "one stage broke" (a regression lives in one stage: a supplier, a model)
against the stage mix of the whole history. A handful of failures spread over the stages as usual
is weak evidence; the same handful all in one stage is strong. The forecast follows a regression
from its second failure (:data:`CALLED_ON`); a return to the usual rate, from its first run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Change", "ChangeFinder"]

HOUR_S = 3600
HAZARD_PER_H = 0.12
"""Prior rate of changes per hour (one in ~8 h): more than really come, so that two failed runs in
one stage within the hour move the forecast most of the way; a lower rate scores a little better on
stationary histories and follows a drop more slowly (docs/analysis.md has the trade)."""
FRESH = 2.0  # a regression's rate starts as Beta(FRESH, FRESH)
USUAL_RUNS = 30.0  # a recovery's rate starts as this many runs at the history's usual rate
APART = 0.10  # a change an operator would call one: ten points of success rate
ONE_STAGE = 0.95  # in a regression, this share of the failures is its stage's
CALLED_ON = 2
"""Failures a regression needs before the forecast follows it: a healthy pipeline fails once in a few
hours, and a fresh regression explains any single failure well — followed, each would pull the
forecast down for the hour after it (docs/analysis.md has the figures)."""


@dataclass(frozen=True)
class Change:
    probability: float
    rate: float  # the new segment's rate, were it a change
    runs: float  # its effective runs
    after_s: int  # the most likely change point that moved the rate: after this instant
    apart: float  # probability that the rate now stands more than APART from the steady forecast


def _beta_log_marginal(a: float, b: float, succeeded: int, failed: int) -> float:
    """log P(these outcomes) for a segment whose rate is Beta(a, b)."""
    return (
        math.lgamma(a + succeeded)
        + math.lgamma(b + failed)
        - math.lgamma(a + b + succeeded + failed)
        + math.lgamma(a + b)
        - math.lgamma(a)
        - math.lgamma(b)
    )


def _logsumexp(values: Sequence[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


class _Segment:
    """One hypothesis "the rate changed after ``after_s``": the log-likelihoods of its runs under
    each prior of the new rate, and of its failures' stages under each stage being the broken one."""

    __slots__ = ("after_s", "failed", "mass", "rates", "stages", "succeeded")

    def __init__(self, after_s: int, mass: float, stages: int) -> None:
        self.after_s, self.mass = after_s, mass
        self.succeeded = self.failed = 0
        self.rates = [0.0, 0.0]  # log marginal under the regression's and the recovery's prior
        self.stages = [0.0] * stages

    def evidence(self) -> float:
        stage = _logsumexp(self.stages) - math.log(len(self.stages)) if self.stages else 0.0
        return _logsumexp(self.rates) - math.log(2) + stage


class ChangeFinder:
    """Bayesian online change-point detection over the last ``window_s``: the probability mass of
    "no change" (the steady model predicts every bin) and of each "changed after t" (a fresh
    segment predicts the bins after t), updated bin by bin with how well each predicted it.
    A change older than the window is folded back into "no change": by then the steady model's
    short memories have learned it."""

    def __init__(self, window_s: int) -> None:
        self._window_s = window_s
        self._steady = 0.0  # log mass of "no change"
        self._segments: list[_Segment] = []
        self._last_s: int | None = None

    def add(
        self,
        end_s: int,
        succeeded: int,
        runs: int,
        steady: float,
        stages: Mapping[str, int],
        usual: float,
        stage_mix: Mapping[str, float],
    ) -> None:
        """Weigh every hypothesis by how well it predicted this bin, after opening one for a change
        since the last bin."""
        failed = runs - succeeded
        names = sorted(stage_mix)
        stages = {s: n for s, n in stages.items() if s in stage_mix}  # a stage never seen failing says nothing yet
        if self._last_s is not None and end_s > self._last_s:
            prior = math.log(HAZARD_PER_H * (end_s - self._last_s) / HOUR_S)
            total = _logsumexp([self._steady, *(s.mass for s in self._segments)])
            self._segments.append(_Segment(self._last_s, prior + total, len(names)))
        self._last_s = end_s if self._last_s is None else max(self._last_s, end_s)
        p = min(max(steady, 1e-4), 1 - 1e-4)
        usual_stages = sum(n * math.log(stage_mix.get(s, 1e-3)) for s, n in stages.items())
        self._steady += succeeded * math.log(p) + failed * math.log(1 - p) + usual_stages
        priors = ((FRESH, FRESH), (USUAL_RUNS * usual, USUAL_RUNS * (1 - usual)))
        for seg in self._segments:
            before = seg.evidence()
            for k, (a, b) in enumerate(priors):
                seg.rates[k] = _beta_log_marginal(a, b, seg.succeeded + succeeded, seg.failed + failed)
            seg.succeeded, seg.failed = seg.succeeded + succeeded, seg.failed + failed
            if len(seg.stages) != len(names):
                seg.stages = [0.0] * len(names)
            for g, guilty in enumerate(names):
                seg.stages[g] += sum(
                    n * math.log(ONE_STAGE * (s == guilty) + (1 - ONE_STAGE) * stage_mix.get(s, 1e-3))
                    for s, n in stages.items()
                )
            seg.mass += seg.evidence() - before
        self._prune(end_s)

    def _prune(self, now_s: int) -> None:
        top = max([self._steady, *(s.mass for s in self._segments)])
        kept = []
        for seg in self._segments:
            if seg.after_s < now_s - self._window_s:
                self._steady = _logsumexp([self._steady, seg.mass])
            elif seg.mass > top - 15:
                kept.append(seg)
        self._segments = kept
        self._steady -= top
        for seg in self._segments:
            seg.mass -= top

    def at(self, usual: float, steady: float) -> Change:
        """The probability that the rate changed within the window and the rate since; and the
        probability that it now stands more than :data:`APART` from ``steady`` (the steady forecast):
        what an operator calls a change."""
        if not self._segments:
            return Change(0.0, 0.5, 2 * FRESH, self._last_s or 0, 0.0)
        total = _logsumexp([self._steady, *(s.mass for s in self._segments)])
        priors = ((FRESH, FRESH), (USUAL_RUNS * usual, USUAL_RUNS * (1 - usual)))
        changed = rate = runs = apart = 0.0
        best, best_weight = self._segments[0].after_s, -1.0
        for seg in self._segments:
            weight = math.exp(seg.mass - total)
            parts = [math.exp(m - max(seg.rates)) for m in seg.rates]
            if seg.failed < CALLED_ON:  # not yet a regression: only its "back to the usual rate" counts
                weight *= parts[1] / sum(parts)
                parts[0] = 0.0
            n = seg.succeeded + seg.failed
            own = sum(q * (a + seg.succeeded) / (a + b + n) for q, (a, b) in zip(parts, priors, strict=True)) / sum(
                parts
            )
            changed += weight
            rate += weight * own
            runs += weight * sum(q * (a + b + n) for q, (a, b) in zip(parts, priors, strict=True)) / sum(parts)
            if abs(own - steady) > APART:
                apart += weight
                if weight > best_weight:
                    best, best_weight = seg.after_s, weight
        if changed <= 0:
            return Change(0.0, 0.5, 2 * FRESH, best, 0.0)
        return Change(changed, rate / changed, runs / changed, best, apart)
