"""Signals: one module per kind of evidence, all with the interface of `base.Signal`."""

from __future__ import annotations

from countermark.detection.signals.base import Evidence, Signal
from countermark.detection.signals.brand import BrandMentionSignal
from countermark.detection.signals.copy import CatalogueCopySignal
from countermark.detection.signals.image import ImageSignal
from countermark.detection.signals.legitimate import LegitimateContextSignal
from countermark.detection.signals.price import PriceSignal
from countermark.detection.signals.replica import ReplicaVocabularySignal
from countermark.detection.signals.seller import SellerSignal

__all__ = ["Evidence", "Signal", "default_signals"]


def default_signals() -> list[Signal]:
    return [
        BrandMentionSignal(),
        ReplicaVocabularySignal(),
        LegitimateContextSignal(),
        PriceSignal(),
        SellerSignal(),
        ImageSignal(),
        CatalogueCopySignal(),
    ]
