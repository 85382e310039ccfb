"""Brand portal: registration, verification by admins only, profile, catalogue CSV, reference images."""

import io

from PIL import Image

from countermark.rights.models import Brand
from countermark.storage.engine import transaction


def test_register_brand_scopes_it_to_the_registrant(world):
    c, h = world.client, world.headers("rights_holder")
    r = c.post("/api/v1/brands", headers=h, json={
        "brand_id": "gamma", "name": "Gamma", "trademarks": [{"mark": "GAMMA", "office": "USPTO", "classes": [18]}]})
    assert r.status_code == 201
    assert r.json()["trademarks"][0]["verification_status"] == "unverified"
    assert {b["brand_id"] for b in c.get("/api/v1/brands", headers=h).json()["items"]} == {"alpha", "gamma"}
    assert c.post("/api/v1/brands", headers=h, json={"brand_id": "gamma", "name": "G"}).status_code == 409
    assert c.get("/api/v1/brands/gamma", headers=world.headers("other_holder")).status_code == 404


def test_only_admins_verify_trademarks(world):
    c = world.client
    body = {"status": "verified"}
    r = c.put("/api/v1/trademarks/1/verification", headers=world.headers("rights_holder"), json=body)
    assert r.status_code == 403
    r = c.put("/api/v1/trademarks/1/verification", headers=world.headers("admin"), json=body)
    assert r.status_code == 200 and r.json()["verification_status"] == "verified"


def test_profile_update(world):
    c, h = world.client, world.headers("rights_holder")
    r = c.put("/api/v1/brands/alpha/profile", headers=h, json={
        "aliases": ["Alfa", " Alfa ", "ALPHA"], "red_flag_terms": ["mirror quality"], "authorized_sellers": ["S-own"]})
    assert r.status_code == 200
    assert r.json()["aliases"] == ["Alfa", "ALPHA"] and r.json()["authorized_sellers"] == ["S-own"]
    assert c.put("/api/v1/brands/alpha/profile", headers=world.headers("notifier"), json={}).status_code == 403


def test_catalogue_csv_reports_bad_rows_and_applies_good_ones(world):
    c, h = world.client, world.headers("rights_holder")
    csv = ("sku,title,model_numbers,msrp,currency,category,images\n"
           "alpha-1,Alpha Bag v2,AB1;AB2,1100,EUR,bags,\n"
           "alpha-2,Alpha Wallet,,300,,,\n"
           "alpha-3,,,,,,\n"
           "alpha-4,Alpha Belt,,-5,,,\n"
           "alpha-2,Again,,1,,,\n")
    r = c.post("/api/v1/brands/alpha/catalogue", headers=h, files={"file": ("c.csv", csv.encode())})
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["accepted"], report["created"], report["updated"]) == (2, 1, 1)
    assert [(x["line"], x["sku"]) for x in report["rejects"]] == [(4, "alpha-3"), (5, "alpha-4"), (6, "alpha-2")]
    products = c.get("/api/v1/brands/alpha/products?q=bag", headers=h).json()["items"]
    assert products[0]["model_numbers"] == ["AB1", "AB2"] and products[0]["currency"] == "EUR"
    bad = c.post("/api/v1/brands/alpha/catalogue", headers=h, files={"file": ("c.csv", b"name,price\nx,1\n")})
    assert bad.status_code == 422 and "sku" in bad.json()["detail"]
    assert c.post("/api/v1/brands/alpha/catalogue", headers=h,
                  files={"file": ("c.csv", b"sku,title,msrp\n\xff\xfe,x,1\n")}).status_code == 422


def test_reference_image_upload(world, tmp_path):
    c, h = world.client, world.headers("rights_holder")
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 10, 10)).save(buffer, format="JPEG")
    r = c.post("/api/v1/brands/alpha/reference-images", headers=h, files={"file": ("a.jpg", buffer.getvalue())})
    assert r.status_code == 201
    assert (tmp_path / "var" / "media" / r.json()["path"]).is_file()
    r = c.post("/api/v1/brands/alpha/reference-images", headers=h, files={"file": ("a.jpg", b"not an image")})
    assert r.status_code == 422
    with transaction(world.engine) as s:
        assert len(s.get(Brand, "alpha").reference_images) == 2  # the seeded one and the valid upload
