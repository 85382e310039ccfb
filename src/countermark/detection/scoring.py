"""Turning evidence into a score in 0..1.

`TransparentScorer` needs no training data: the score is the logistic of a fixed prior plus the sum of
the reasons' weights, so every point of the score is explained by a listed reason. `ModelScorer` wraps a
calibrated scikit-learn model fitted by `countermark train` on the signals' features.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from operator import attrgetter
from typing import Any, Protocol

from countermark.detection.reasons import Reason

# Log-odds of a listing before any evidence: most listings are legitimate.
PRIOR = -3.0
_weight = attrgetter("weight")


class Scorer(Protocol):
    name: str
    needs_features: bool  # False: `score` reads only the reasons, and is given no features

    def score(self, features: Sequence[Sequence[float]], reasons: Sequence[Sequence[Reason]]) -> list[float]: ...


class TransparentScorer:
    name = "transparent"
    needs_features = False

    def __init__(self, prior: float = PRIOR) -> None:
        self.prior = prior

    def score(self, features: Sequence[Sequence[float]], reasons: Sequence[Sequence[Reason]]) -> list[float]:
        prior = self.prior
        return [_logistic(prior + sum(map(_weight, rs))) for rs in reasons]


class ModelScorer:
    """A fitted classifier over the feature vector; `feature_names` must equal the engine's."""

    needs_features = True

    def __init__(self, model: Any, feature_names: Sequence[str], name: str) -> None:
        self.model = model
        self.feature_names = tuple(feature_names)
        self.name = name

    def score(self, features: Sequence[Sequence[float]], reasons: Sequence[Sequence[Reason]]) -> list[float]:
        if not features:
            return []
        import numpy as np

        matrix = np.asarray(features, dtype=np.float64)
        return [float(p) for p in self.model.predict_proba(matrix)[:, 1]]


def transparent_logit(reasons: Sequence[Reason], prior: float = PRIOR) -> float:
    return prior + sum(map(_weight, reasons))


def _logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
