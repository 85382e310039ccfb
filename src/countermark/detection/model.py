"""Trained scoring models: fitting on signal features, saving, loading.

The model sees every signal's features plus the transparent score's log-odds, so it learns a
calibrated correction of the hand-set weights rather than starting from nothing. Models are joblib
files written by `countermark train` (pickles: load only models you trained yourself).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from countermark.detection.reasons import Reason
from countermark.detection.scoring import ModelScorer, transparent_logit

MODEL_FILE = "detection.joblib"
FORMAT = "countermark-detection-model/1"


@dataclass(frozen=True, slots=True)
class TrainingSet:
    features: list[list[float]]
    reasons: list[tuple[Reason, ...]]
    labels: list[int]  # 1 counterfeit, 0 legitimate
    feature_names: tuple[str, ...]


class FeatureModel:
    """A classifier over signal features + transparent log-odds (picklable)."""

    def __init__(self, classifier: Any) -> None:
        self.classifier = classifier

    def predict_proba(self, matrix: Any) -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):  # scan already runs one process per core; OpenMP threads would oversubscribe
            return self.classifier.predict_proba(matrix)


def design_matrix(features: Sequence[Sequence[float]], reasons: Sequence[Sequence[Reason]]) -> Any:
    import numpy as np

    logits = [transparent_logit(rs) for rs in reasons]
    return np.column_stack([np.asarray(features, dtype=np.float64).reshape(len(logits), -1),
                            np.asarray(logits, dtype=np.float64)])


class TrainedScorer(ModelScorer):
    def score(self, features: Sequence[Sequence[float]], reasons: Sequence[Sequence[Reason]]) -> list[float]:
        if not features:
            return []
        return [float(p) for p in self.model.predict_proba(design_matrix(features, reasons))[:, 1]]


def fit(training: TrainingSet, *, seed: int = 0) -> Any:
    """A calibrated gradient-boosted classifier; needs both classes in the labels."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier

    if len(set(training.labels)) < 2:
        raise ValueError("training needs both counterfeit and legitimate examples")
    smallest = min(training.labels.count(0), training.labels.count(1))
    base = HistGradientBoostingClassifier(max_depth=3, max_iter=100, learning_rate=0.1, l2_regularization=1.0,
                                          min_samples_leaf=max(2, min(20, len(training.labels) // 20)),
                                          random_state=seed)
    classifier = CalibratedClassifierCV(base, method="sigmoid", cv=max(2, min(3, smallest)))
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # OpenMP threads make small fits many times slower on a busy machine
        classifier.fit(design_matrix(training.features, training.reasons), training.labels)
    return FeatureModel(classifier)


def save_model(model: Any, feature_names: Sequence[str], path: Path, *, trained_on: str, examples: int) -> Path:
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "model": model,
        "feature_names": list(feature_names),
        "trained_on": trained_on,
        "examples": examples,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    tmp = path.with_name(path.name + ".tmp")
    joblib.dump(payload, tmp)
    tmp.replace(path)
    return path


def load_model(path: Path) -> TrainedScorer:
    import joblib

    try:
        payload = joblib.load(path)
    except FileNotFoundError:
        raise ValueError(f"{path}: model file not found") from None
    except Exception as e:  # a corrupt or foreign file
        raise ValueError(f"{path}: not a countermark detection model ({e})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not a countermark detection model")
    return TrainedScorer(payload["model"], payload["feature_names"], name=f"model:{path.stem}")
