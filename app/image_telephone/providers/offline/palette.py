"""The twelve colour names: what sketch paints for each, and nearest-name lookup in CIELAB."""

import numpy as np

RGB = tuple[int, int, int]

# What sketch paints for each name; describe names a pixel by its nearest prototype below.
COLOURS: dict[str, RGB] = {
    "red": (215, 40, 40),
    "orange": (240, 140, 30),
    "yellow": (245, 215, 50),
    "green": (60, 160, 60),
    "teal": (30, 150, 150),
    "blue": (40, 90, 210),
    "purple": (130, 60, 175),
    "pink": (240, 140, 185),
    "brown": (130, 80, 40),
    "black": (20, 20, 20),
    "white": (245, 245, 245),
    "gray": (128, 128, 128),
}
NAMES: tuple[str, ...] = tuple(COLOURS)

# Other words sketch reads as a colour: the name they mean and the shade they imply.
ALIASES: dict[str, tuple[str, str]] = {
    "grey": ("gray", ""),
    "silver": ("gray", "light"),
    "charcoal": ("gray", "dark"),
    "crimson": ("red", ""),
    "scarlet": ("red", "bright"),
    "maroon": ("red", "dark"),
    "amber": ("orange", ""),
    "gold": ("yellow", ""),
    "golden": ("yellow", ""),
    "lime": ("green", "light"),
    "olive": ("green", "dark"),
    "emerald": ("green", "bright"),
    "cyan": ("teal", "light"),
    "turquoise": ("teal", "light"),
    "aqua": ("teal", "light"),
    "navy": ("blue", "dark"),
    "azure": ("blue", "light"),
    "violet": ("purple", ""),
    "indigo": ("purple", "dark"),
    "lavender": ("purple", "light"),
    "magenta": ("pink", "bright"),
    "rose": ("pink", ""),
    "tan": ("brown", "light"),
    "beige": ("brown", "light"),
    "chocolate": ("brown", "dark"),
    "ivory": ("white", ""),
    "cream": ("white", ""),
}

# Several prototypes per name, so that dark, light and pure variants land on the right name.
_PROTOTYPES: tuple[tuple[str, RGB], ...] = (
    *COLOURS.items(),
    ("red", (255, 0, 0)),
    ("red", (140, 20, 25)),
    ("red", (190, 30, 70)),
    ("orange", (255, 165, 0)),
    ("orange", (200, 100, 20)),
    ("orange", (255, 190, 120)),
    ("yellow", (255, 255, 0)),
    ("yellow", (255, 240, 150)),
    ("yellow", (200, 180, 40)),
    ("green", (0, 100, 0)),
    ("green", (140, 220, 120)),
    ("green", (0, 255, 0)),
    ("green", (100, 140, 40)),
    ("green", (30, 70, 30)),
    ("teal", (0, 200, 210)),
    ("teal", (0, 100, 100)),
    ("teal", (120, 220, 220)),
    ("blue", (20, 30, 110)),
    ("blue", (0, 0, 255)),
    ("blue", (120, 170, 235)),
    ("blue", (10, 15, 60)),
    ("blue", (70, 130, 180)),
    ("blue", (135, 206, 235)),
    ("purple", (70, 25, 100)),
    ("purple", (180, 140, 220)),
    ("purple", (150, 0, 200)),
    ("pink", (255, 20, 147)),
    ("pink", (255, 190, 210)),
    ("pink", (220, 80, 200)),
    ("pink", (140, 70, 105)),
    ("brown", (80, 50, 25)),
    ("brown", (190, 150, 100)),
    ("brown", (160, 110, 60)),
    ("black", (0, 0, 0)),
    ("white", (255, 255, 255)),
    ("gray", (70, 70, 70)),
    ("gray", (190, 190, 190)),
    ("gray", (100, 105, 115)),
)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """Convert sRGB values in 0..1 (any shape ending in 3) to CIELAB under D65."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array(
        [[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192], [0.1805, 0.0722, 0.9505]]
    )
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


_PROTOTYPE_LAB = to_lab(np.array([rgb for _, rgb in _PROTOTYPES], dtype=np.float64) / 255)
_PROTOTYPE_NAME = np.array([NAMES.index(name) for name, _ in _PROTOTYPES])
_CANONICAL_LIGHTNESS = {
    name: float(to_lab(np.array(rgb) / 255)[0]) for name, rgb in COLOURS.items()
}


def nearest_names(lab: np.ndarray) -> np.ndarray:
    """Index into NAMES of the nearest prototype colour for each Lab value (shape (..., 3))."""
    flat = lab.reshape(-1, 3)
    # Channel by channel rather than a matrix product: multi-threaded BLAS stalls on a busy host.
    distances = sum(
        np.subtract.outer(flat[:, channel], _PROTOTYPE_LAB[:, channel]) ** 2 for channel in range(3)
    )
    return _PROTOTYPE_NAME[distances.argmin(1)].reshape(lab.shape[:-1])


def shade_steps(name: str, lightness: np.ndarray) -> np.ndarray:
    """-1 (dark), 0 or 1 (light) for colours of this name at these Lab lightnesses."""
    if name in ("black", "white"):
        return np.zeros(np.shape(lightness), dtype=int)
    low, high = (
        (38, 68)
        if name == "gray"
        else (_CANONICAL_LIGHTNESS[name] - 14, _CANONICAL_LIGHTNESS[name] + 14)
    )
    return (np.asarray(lightness) > high).astype(int) - (np.asarray(lightness) < low)


def shade_of(name: str, lightness: float) -> str:
    """'dark', 'light' or '' for a colour of this name at this Lab lightness."""
    return {-1: "dark", 0: "", 1: "light"}[int(shade_steps(name, np.array(lightness)))]


def paint_rgb(name: str, shade: str = "") -> RGB:
    """The RGB that sketch paints for a colour name in a shade ('', dark, light or bright)."""
    rgb = np.array(COLOURS[name], dtype=np.float64)
    if shade == "dark":
        rgb = rgb * 0.55
    elif shade == "light":
        rgb = rgb + (255 - rgb) * 0.45
    elif shade == "bright":
        grey = rgb @ np.array([0.299, 0.587, 0.114])
        rgb = grey + (rgb - grey) * 1.3 + 8
    r, g, b = np.clip(np.rint(rgb), 0, 255).astype(int).tolist()
    return r, g, b
