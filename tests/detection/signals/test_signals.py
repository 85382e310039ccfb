"""Each signal on hand-made listings: the reasons it gives and how they weigh."""

from __future__ import annotations

from countermark.detection.context import ImageMatch, ScanContext, SellerFacts
from countermark.detection.engine import DetectionEngine
from countermark.detection.reasons import Decision
from tests.detection.conftest import AUTHORISED, NEWCOMER, RESELLER, SELLERS, listing


def decide(detector: DetectionEngine, scan_context: ScanContext, title: str, price: float = 100.0, **kw) -> Decision:
    return detector.scan([listing(title, price, **kw)], scan_context)[0]


def codes(decision: Decision) -> set[str]:
    return {r.code for r in decision.reasons}


def messages(decision: Decision) -> str:
    return " | ".join(r.message for r in decision.reasons)


# --- brand ------------------------------------------------------------------------------------------

def test_brand_mention_and_disguise(detector, scan_context) -> None:
    plain = decide(detector, scan_context, "Sony KDL-40V5100 LCD TV", 950)
    assert plain.brand_id == "sony" and "brand.mention" in codes(plain) and "brand.disguised" not in codes(plain)
    disguised = decide(detector, scan_context, "Ѕоnу KDL-40V5100 LCD TV", 950)
    assert "brand.disguised" in codes(disguised)
    assert "title mentions 'Sony' written with look-alike characters" in messages(disguised)


def test_brand_misspelling(detector, scan_context) -> None:
    d = decide(detector, scan_context, "Samsunng Galaxy S21 smartphone 128GB", 790)
    assert "brand.misspelt" in codes(d)
    assert "a misspelling of 'Samsung'" in messages(d)


def test_no_brand_no_risk(detector, scan_context) -> None:
    d = decide(detector, scan_context, "Garden hose 20m green replica of nothing", 3)
    assert d.brand_id is None and d.decision == "clear"


# --- replica vocabulary -----------------------------------------------------------------------------

def test_replica_words_in_many_languages(detector, scan_context) -> None:
    for title in ("Sony KDL-40V5100 replica", "Sony KDL-40V5100 AAA quality", "索尼 KDL-40V5100 高仿",
                  "Sony KDL-40V5100 реплика", "Sony KDL-40V5100 çakma", "Sony KDL-40V5100 réplica",
                  "Sony KDL-40V5100 Fälschung", "Sony KDL-40V5100 1:1 mirror quality", "Sony KDL-40V5100 r3plica",
                  "Sony KDL-40V5100 barang kw", "Sony KDL-40V5100 hàng nhái", "Sony KDL-40V5100 first copy",
                  "Sony KDL-40V5100 ماستر كوبي", "Sony KDL-40V5100 नकली", "Sony KDL-40V5100 podróbka",
                  "Sony KDL-40V5100 namaak", "Sony KDL-40V5100 정품급", "ทีวีSony KDL-40V5100ของก๊อปเกรดเอ"):
        d = decide(detector, scan_context, title, 900)
        assert "replica.term" in codes(d), title
        assert d.decision == "flag", title


def test_brand_red_flag_term(detector, scan_context) -> None:
    d = decide(detector, scan_context, "Sony KDL-40V5100 super copy", 900)
    assert "replica.term" in codes(d)


def test_innocent_copy_is_not_replica(detector, scan_context) -> None:
    d = decide(detector, scan_context, "Sony KDL-40V5100 LCD TV", 900, description="Copy of receipt on request.")
    assert "replica.term" not in codes(d)
    d = decide(detector, scan_context, "Sony KDL-40V5100 LCD TV 2 kW", 900, description="First copy of the manual.")
    assert "replica.term" not in codes(d)


def test_lookalike_claims(detector, scan_context) -> None:
    for title in ("LCD TV like Sony KDL-40V5100", "Sony-style LCD TV 40 inch"):
        assert "replica.lookalike" in codes(decide(detector, scan_context, title, 400)), title


# --- legitimate scan_context -----------------------------------------------------------------------------

def test_nominative_use_clears_cheap_accessories(detector, scan_context) -> None:
    for title in ("Remote control compatible with Sony KDL-40V5100", "Wall mount for Sony KDL-40V5100",
                  "Charger Sony KDL-40V5100 compatible", "Case for the Sony HDR-CX150",
                  "Remote untuk Sony KDL-40V5100", "Điều khiển dùng cho Sony KDL-40V5100",
                  "Pilot kompatybilny z Sony KDL-40V5100", "Afstandsbediening geschikt voor Sony KDL-40V5100"):
        d = decide(detector, scan_context, title, 9)
        assert "context.nominative" in codes(d), title
        assert "price.low" not in codes(d), title
        assert d.decision == "clear", title


def test_replica_words_beat_nominative_claims(detector, scan_context) -> None:
    d = decide(detector, scan_context, "Compatible with Sony KDL-40V5100 AAA replica", 90)
    assert d.decision == "flag"


def test_used_goods_have_a_lower_price_floor(detector, scan_context) -> None:
    for title in ("Sony KDL-40V5100 LCD TV (used, good condition)", "Sony KDL-40V5100 LCD TV bekas",
                  "Sony KDL-40V5100 LCD TV tweedehands", "Sony KDL-40V5100 LCD TV używany"):
        used = decide(detector, scan_context, title, 400)
        assert "context.used" in codes(used) and used.decision == "clear", title
    new = decide(detector, scan_context, "Sony KDL-40V5100 LCD TV brand new", 400)
    assert new.decision == "flag"


# --- price ------------------------------------------------------------------------------------------

def test_price_against_model_number(detector, scan_context) -> None:
    d = decide(detector, scan_context, "Sony KDL-40V5100 LCD TV", 180)
    assert d.matched_sku == "sku-tv"
    assert "price is 18% of the list price of KDL-40V5100" in messages(d)
    assert d.decision == "flag"


def test_price_against_title_when_no_model_number(detector, scan_context) -> None:
    d = decide(detector, scan_context, "Sony Handycam camcorder HDR CX150", 100)
    assert d.matched_sku == "sku-cam"


def test_price_near_list_price_is_normal(detector, scan_context) -> None:
    d = decide(detector, scan_context, "Sony KDL-40V5100 LCD TV", 950)
    assert "price.normal" in codes(d) and d.decision == "clear"


# --- seller -----------------------------------------------------------------------------------------

def test_authorised_seller_clears(detector, scan_context) -> None:
    d = decide(detector, scan_context, "Sony KDL-40V5100 LCD TV", 500, seller=AUTHORISED)
    assert "seller.authorised" in codes(d) and d.decision == "clear"


def test_new_account_and_history(detector) -> None:
    facts = {**SELLERS, RESELLER: SellerFacts(RESELLER, "2016-06-01", prior_infringements=2, linked_to_banned=True,
                                               link_evidence="shared payout account")}
    d = detector.scan([listing("Sony KDL-40V5100 LCD TV", 950)], ScanContext(sellers=facts))[0]
    assert {"seller.prior_infringements", "seller.linked_to_banned"} <= codes(d)
    assert "shared payout account" in messages(d)
    young = detector.scan([listing("Sony KDL-40V5100 LCD TV", 950, seller=NEWCOMER)], ScanContext(sellers=SELLERS))[0]
    assert "seller.new" in codes(young)


# --- images -----------------------------------------------------------------------------------------

def _match(kind: str, transform: str | None = None) -> ImageMatch:
    return ImageMatch("images/L1-1.jpg", kind + "-bank", kind, "sony", "ref-1", 8, transform)  # type: ignore[arg-type]


def test_image_matches(detector) -> None:
    def run(kind: str, seller: str = RESELLER, transform: str | None = None) -> Decision:
        ctx = ScanContext(sellers=SELLERS, image_matches={"L1": [_match(kind, transform)]})
        return detector.scan([listing("Sony KDL-40V5100 LCD TV", 950, seller=seller)], ctx)[0]

    assert run("counterfeit").decision == "flag"
    assert "image.reference" in codes(run("reference"))
    assert "edited copy" in messages(run("reference", transform="mirror"))
    assert "image.reference" not in codes(run("reference", seller=AUTHORISED))
    allowed = run("allow")
    assert "image.allowed" in codes(allowed) and allowed.decision == "clear"


def test_an_official_picture_names_the_brand_the_title_hides(detector) -> None:
    ctx = ScanContext(sellers=SELLERS, image_matches={"L1": [_match("reference", "mirror")]})
    d = detector.scan([listing("4GB Memory Stick PRO Duo", 8)], ctx)[0]
    assert d.brand_id == "sony" and d.matched_sku == "sku-ms"
    assert {"image.reference", "price.low"} <= codes(d) and d.decision == "flag"


# --- catalogue copy ---------------------------------------------------------------------------------

def test_unbranded_copy_of_a_catalogue_title_is_priced_against_it(detector, scan_context) -> None:
    cheap = decide(detector, scan_context, "4GB Memory Stick PRO Duo", 4)
    assert cheap.brand_id == "sony" and cheap.matched_sku == "sku-ms" and cheap.decision == "flag"
    assert "copy.catalogue_title" in codes(cheap) and "price.low" in codes(cheap)
    assert "title copies Sony's catalogue title" in messages(cheap)
    fair = decide(detector, scan_context, "4GB Memory Stick PRO Duo", 38)
    assert fair.decision == "clear" and "copy.catalogue_title" in codes(fair)


def test_a_title_sharing_only_some_words_is_no_copy(detector, scan_context) -> None:
    d = decide(detector, scan_context, "Generic camcorder bag with strap black", 5)
    assert d.brand_id is None and d.decision == "clear" and "copy.catalogue_title" not in codes(d)


def test_authorised_seller_copying_its_own_catalogue_title(detector, scan_context) -> None:
    d = decide(detector, scan_context, "4GB Memory Stick PRO Duo", 38, seller=AUTHORISED)
    assert "copy.catalogue_title" not in codes(d) and d.decision == "clear"
