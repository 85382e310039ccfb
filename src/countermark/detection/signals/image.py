"""Image matches (PDQ) from the scan context: brand reference images, known counterfeits, allowed images.

A brand's official picture used unchanged by a seller the brand has not authorised is reported but
not weighed (resellers of genuine goods reuse catalogue photos more often than counterfeiters do); an
edited copy - mirrored or rotated, or far enough from the original to have been cropped or overlaid -
is a strong sign. From an authorised seller a reference match is no sign at all. A match with the
known-counterfeit bank is strong; a match with the allow bank suppresses.
"""

from __future__ import annotations

from countermark.detection.analysis import ListingView
from countermark.detection.reasons import Reason
from countermark.detection.signals.base import Evidence

_NO_MATCH = Evidence((0.0, 0.0, 0.0, 0.0))


class ImageSignal:
    name = "image"
    features = ("image_counterfeit", "image_reference_unauthorised", "image_reference_edited", "image_allowed")

    COUNTERFEIT = 4.0
    REFERENCE = 0.0
    # Re-encoding or resizing stays well under this PDQ distance; crops and text overlays go beyond it.
    EDITED_DISTANCE = 16
    REFERENCE_EDITED = 1.5
    ALLOWED = -3.0

    def evaluate(self, view: ListingView) -> Evidence:
        if not view.image_matches:
            return _NO_MATCH
        counterfeit = [m for m in view.image_matches if m.kind == "counterfeit"]
        allowed = [m for m in view.image_matches if m.kind == "allow"]
        reference = [m for m in view.image_matches if m.kind == "reference" and not view.authorised]
        edited = [m for m in reference if m.transform not in (None, "", "identity", "original")
                  or m.distance >= self.EDITED_DISTANCE]
        reasons: list[Reason] = []
        if allowed:
            m = allowed[0]
            reasons.append(Reason("image.allowed", f"image matches allowed image {m.ref_id} ({m.bank})", self.ALLOWED))
        elif counterfeit:
            m = min(counterfeit, key=lambda x: x.distance)
            origin = f", confirmed by {m.source}" if m.source else ""
            reasons.append(Reason("image.counterfeit",
                                  f"image {m.listing_image} matches known counterfeit {m.ref_id} "
                                  f"(distance {m.distance}{origin})", self.COUNTERFEIT))
        if reference and not allowed:
            m = min(edited or reference, key=lambda x: x.distance)
            brand = f" of {m.brand_id}" if m.brand_id else ""
            if edited:
                how = m.transform if m.transform not in (None, "", "identity", "original") else f"distance {m.distance}"
                message = f"image {m.listing_image} is an edited copy ({how}) of official image{brand}"
                weight = self.REFERENCE_EDITED
            else:
                message = f"image {m.listing_image} is an official image{brand} used by a seller it has not authorised"
                weight = self.REFERENCE
            reasons.append(Reason("image.reference", message, weight))
        return Evidence((float(bool(counterfeit)), float(bool(reference)), float(bool(edited)), float(bool(allowed))),
                        tuple(reasons))
