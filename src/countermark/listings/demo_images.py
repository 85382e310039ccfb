"""Synthetic product photos of the demo marketplace (256x256 JPEG, drawn with Pillow, deterministic).

Each catalogue product has its own official photo (shape by category, colours and details from the
sku); sellers' own photos are drawn from another seed; counterfeiters' copies are official photos
edited the way real ones are (crop, mirror, heavy JPEG, text overlay, resize).
"""

from __future__ import annotations

import hashlib
import io
import random
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

SIZE = 256
EDITS = ("crop", "mirror", "heavy_jpeg", "text_overlay", "resize")
OVERLAYS = ("HOT SALE", "1:1", "BEST QUALITY", "FREE SHIPPING", "WhatsApp +86 135", "ORIGINAL", "NEW 2026", "-70%")
SHAPES = {
    "camera": ("camera", "camcorder", "slr"), "mouse": ("mice", "mouse", "trackball"),
    "box": ("printer", "toner", "ink", "software", "drive", "memory"), "screen": ("screen", "television", "monitor"),
    "card": ("card", "flash", "usb"), "audio": ("headphone", "headset", "speaker", "audio"),
    "bag": ("case", "bag", "sleeve", "backpack"),
}


def _rng(key: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def _shape_for(category: str) -> str:
    lowered = category.lower()
    for shape, words in SHAPES.items():
        if any(w in lowered for w in words):
            return shape
    return "device"


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _colour(rng: random.Random, low: int, high: int) -> tuple[int, int, int]:
    return (rng.randint(low, high), rng.randint(low, high), rng.randint(low, high))


def draw_product(key: str, category: str, label: str, model: str = "") -> Image.Image:
    """A product photo: seeded by `key` (a sku for official photos, a listing id for sellers' own)."""
    rng = _rng(key)
    img = _backdrop(rng)
    d = ImageDraw.Draw(img)
    for _ in range(rng.randint(2, 4)):  # props and shadows around the product: texture a photo would have
        x, y, s = rng.randint(-30, SIZE), rng.randint(-30, SIZE), rng.randint(30, 110)
        fill = _colour(rng, 60, 240)
        if rng.random() < 0.5:
            d.polygon([(x, y), (x + s, y + rng.randint(-s, s)), (x + rng.randint(-s, s), y + s)], fill=fill)
        else:
            d.ellipse((x, y, x + s, y + s * rng.uniform(0.4, 1.0)), fill=fill)
    body, accent = _colour(rng, 10, 140), _colour(rng, 90, 255)
    shape = _shape_for(category)
    cx, cy = 128 + rng.randint(-20, 20), 128 + rng.randint(-15, 15)
    w, h = rng.randint(70, 110), rng.randint(45, 80)
    if shape == "camera":
        d.rounded_rectangle((cx - w, cy - h, cx + w, cy + h), 12, fill=body)
        r = rng.randint(28, 45)
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=accent, outline=(20, 20, 20), width=6)
        d.rectangle((cx - w + 10, cy - h - 14, cx - w + 50, cy - h), fill=body)
    elif shape == "mouse":
        d.ellipse((cx - w // 2, cy - h - 20, cx + w // 2, cy + h + 20), fill=body)
        d.line((cx, cy - h - 20, cx, cy - 5), fill=accent, width=4)
    elif shape == "screen":
        d.rectangle((cx - w - 20, cy - h - 20, cx + w + 20, cy + h), fill=body)
        d.rectangle((cx - w - 12, cy - h - 12, cx + w + 12, cy + h - 8), fill=accent)
        d.rectangle((cx - 10, cy + h, cx + 10, cy + h + 30), fill=body)
    elif shape == "card":
        d.polygon([(cx - 45, cy - 60), (cx + 30, cy - 60), (cx + 45, cy - 45), (cx + 45, cy + 60), (cx - 45, cy + 60)],
                  fill=body)
        d.rectangle((cx - 35, cy + 10, cx + 35, cy + 50), fill=accent)
    elif shape == "audio":
        d.arc((cx - w, cy - h - 40, cx + w, cy + h), 180, 360, fill=body, width=12)
        d.ellipse((cx - w - 15, cy - 10, cx - w + 35, cy + 60), fill=body)
        d.ellipse((cx + w - 35, cy - 10, cx + w + 15, cy + 60), fill=body)
    elif shape == "bag":
        d.rounded_rectangle((cx - w, cy - h + 10, cx + w, cy + h + 20), 18, fill=body)
        d.arc((cx - 35, cy - h - 30, cx + 35, cy - h + 30), 180, 360, fill=body, width=8)
        d.rectangle((cx - w + 15, cy, cx + w - 15, cy + 12), fill=accent)
    elif shape == "box":
        d.rectangle((cx - w, cy - h, cx + w, cy + h), fill=body)
        d.polygon([(cx - w, cy - h), (cx - w + 25, cy - h - 22), (cx + w + 25, cy - h - 22), (cx + w, cy - h)],
                  fill=accent)
    else:
        d.rounded_rectangle((cx - w, cy - h, cx + w, cy + h), rng.randint(4, 30), fill=body)
    for _ in range(rng.randint(2, 6)):  # buttons, lights, stripes: details that make photos distinct
        x, y, r = cx + rng.randint(-w + 10, w - 10), cy + rng.randint(-h + 10, h - 10), rng.randint(3, 10)
        d.ellipse((x - r, y - r, x + r, y + r), fill=_colour(rng, 0, 255))
    if label:
        d.text((cx, cy - h // 2), label[:14], fill=(250, 250, 250), font=_font(18), anchor="mm")
    if model:
        d.text((SIZE // 2, SIZE - 18), model[:24], fill=(40, 40, 40), font=_font(13), anchor="mm")
    return img


def _backdrop(rng: random.Random) -> Image.Image:
    """A two-colour gradient in a random direction (studio backdrop)."""
    a, b = _colour(rng, 120, 250), _colour(rng, 60, 230)
    angle = rng.choice((0, 90, 180, 270)) + rng.uniform(-30, 30)
    ramp = _ramp().rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=128)
    small = Image.composite(Image.new("RGB", ramp.size, a), Image.new("RGB", ramp.size, b), ramp)
    return small.resize((SIZE, SIZE), Image.Resampling.BILINEAR)


@lru_cache(maxsize=1)
def _ramp() -> Image.Image:
    return Image.linear_gradient("L").resize((32, 32), Image.Resampling.BILINEAR)


def jpeg_bytes(img: Image.Image, quality: int = 88) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, optimize=False)
    return out.getvalue()


def edited_copy(img: Image.Image, edits: tuple[str, ...], rng: random.Random) -> bytes:
    """An official photo edited the way counterfeit sellers do; returns JPEG bytes."""
    out = img
    quality = 88
    for edit in edits:
        if edit == "crop":
            frac = rng.uniform(0.85, 0.97)
            side = int(SIZE * frac)
            x, y = rng.randint(0, SIZE - side), rng.randint(0, SIZE - side)
            out = out.crop((x, y, x + side, y + side)).resize((SIZE, SIZE), Image.Resampling.BILINEAR)
        elif edit == "mirror":
            out = ImageOps.mirror(out)
        elif edit == "heavy_jpeg":
            quality = rng.randint(8, 20)
        elif edit == "text_overlay":
            out = out.copy()
            d = ImageDraw.Draw(out)
            y = rng.choice((6, SIZE // 2 - 12, SIZE - 34))
            d.rectangle((0, y, SIZE, y + 28), fill=_colour(rng, 150, 255) if rng.random() < 0.5 else (220, 20, 30))
            d.text((SIZE // 2, y + 14), rng.choice(OVERLAYS), fill=(255, 255, 255), font=_font(20), anchor="mm")
        elif edit == "resize":
            side = rng.choice((160, 200, 320, 400))
            out = out.resize((side, side), Image.Resampling.BICUBIC)
    return jpeg_bytes(out, quality)


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
