"""Reference corruptions with their random draws injected (`rng`, a SeededGenerator from
check_corruptions_rng.py, standing in for numpy.random). Bodies follow
hendrycks/robustness ImageNet-C/create_c/make_cifar_c.py and google-research/mnist-c
corruptions.py; the library calls that are not installed here are replaced by their
scipy equivalents (skimage.filters.gaussian = scipy gaussian_filter with mode 'nearest';
skimage.transform.warp = scipy affine_transform order 1, 'grid-constant'; cv2.warpAffine
= affine_transform 'mirror'; ImageMagick's motion blur = bethgelab/imagecorruptions'
numpy version). Inputs are H×W(×C) float arrays in [0, 255]; outputs likewise."""
import math

import numpy as np
from scipy.ndimage import affine_transform, gaussian_filter, map_coordinates, zoom as scizoom


def sk_gaussian(x, sigma, mode='nearest', truncate=4.0):
    if sigma <= 0:
        return x
    s = (sigma, sigma) + ((0,) if x.ndim == 3 else ())
    return gaussian_filter(x, s, mode=mode, truncate=truncate)


def clipped_zoom(img, z):
    h = img.shape[0]
    ch = int(np.ceil(h / z))
    top = (h - ch) // 2
    f = (z, z) + ((1,) if img.ndim == 3 else ())
    img = scizoom(img[top:top + ch, top:top + ch], f, order=1)
    t = (img.shape[0] - h) // 2
    return img[t:t + h, t:t + h]


def _shift(image, dx, dy):  # bethgelab/imagecorruptions
    if dx < 0:
        shifted = np.roll(image, shift=image.shape[1] + dx, axis=1)
        shifted[:, dx:] = shifted[:, dx - 1:dx]
    elif dx > 0:
        shifted = np.roll(image, shift=dx, axis=1)
        shifted[:, :dx] = shifted[:, dx:dx + 1]
    else:
        shifted = image
    if dy < 0:
        shifted = np.roll(shifted, shift=image.shape[0] + dy, axis=0)
        shifted[dy:, :] = shifted[dy - 1:dy, :]
    elif dy > 0:
        shifted = np.roll(shifted, shift=dy, axis=0)
        shifted[:dy, :] = shifted[dy:dy + 1, :]
    return shifted


def _motion_blur(x, radius, sigma, angle):  # bethgelab/imagecorruptions
    width = radius * 2 + 1
    k = np.exp(-np.arange(width) ** 2 / (2 * sigma ** 2))
    k /= k.sum()
    point = (width * np.sin(np.deg2rad(angle)), width * np.cos(np.deg2rad(angle)))
    hyp = math.hypot(point[0], point[1])
    out = np.zeros_like(x, dtype=np.float64)
    for i in range(width):
        dy = -math.ceil(((i * point[0]) / hyp) - 0.5)
        dx = -math.ceil(((i * point[1]) / hyp) - 0.5)
        # bethgelab stops here once a shift passes the border; ImageMagick, like edge-audit,
        # keeps reading the edge pixel, which a shift of n − 1 reproduces.
        dy, dx = max(-(x.shape[0] - 1), min(x.shape[0] - 1, dy)), max(-(x.shape[1] - 1), min(x.shape[1] - 1, dx))
        out = out + k[i] * _shift(x, dx, dy)
    return out


def motion_blur(x, severity, rng):
    c = [(6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)][severity - 1]
    return _motion_blur(x, c[0], c[1], rng.uniform(-45, 45))


def glass_blur(x, severity, rng):
    c = [(0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)][severity - 1]
    grey = np.array(x).ndim == 2
    # CIFAR-10-C's arrays are H×W×C, and the swap line below is then a copy (both sides are views).
    x = np.array(x)[..., np.newaxis] if grey else np.array(x)
    x = np.uint8(sk_gaussian(x / 255., c[0]) * 255)
    n0, n1 = x.shape[:2]
    for _ in range(c[2]):
        for h in range(n0 - c[1], c[1], -1):
            for w in range(n1 - c[1], c[1], -1):
                dx, dy = rng.randint(-c[1], c[1], size=(2,))
                hp, wp = h + dy, w + dx
                x[h, w], x[hp, wp] = x[hp, wp], x[h, w]
    out = np.clip(sk_gaussian(x / 255., c[0]), 0, 1) * 255
    return out[..., 0] if grey else out


def plasma_fractal(rng, mapsize=32, wibbledecay=3):
    maparray = np.empty((mapsize, mapsize), dtype=np.float64)
    maparray[0, 0] = 0
    stepsize = mapsize
    wibble = 100

    def wibbledmean(array):
        return array / 4 + wibble * rng.uniform(-wibble, wibble, array.shape)

    while stepsize >= 2:
        cornerref = maparray[0:mapsize:stepsize, 0:mapsize:stepsize]
        squareaccum = cornerref + np.roll(cornerref, shift=-1, axis=0)
        squareaccum += np.roll(squareaccum, shift=-1, axis=1)
        maparray[stepsize // 2:mapsize:stepsize, stepsize // 2:mapsize:stepsize] = wibbledmean(squareaccum)
        drgrid = maparray[stepsize // 2:mapsize:stepsize, stepsize // 2:mapsize:stepsize]
        ulgrid = maparray[0:mapsize:stepsize, 0:mapsize:stepsize]
        ltsum = drgrid + np.roll(drgrid, 1, axis=0) + ulgrid + np.roll(ulgrid, -1, axis=1)
        maparray[0:mapsize:stepsize, stepsize // 2:mapsize:stepsize] = wibbledmean(ltsum)
        ttsum = drgrid + np.roll(drgrid, 1, axis=1) + ulgrid + np.roll(ulgrid, -1, axis=0)
        maparray[stepsize // 2:mapsize:stepsize, 0:mapsize:stepsize] = wibbledmean(ttsum)
        stepsize //= 2
        wibble /= wibbledecay
    maparray -= maparray.min()
    return maparray / maparray.max()


def fog(x, severity, rng):
    c = [(.2, 3), (.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)][severity - 1]
    x = np.array(x) / 255.
    max_val = x.max()
    p = plasma_fractal(rng, wibbledecay=c[1])[:x.shape[0], :x.shape[1]]
    x = x + c[0] * (p[..., np.newaxis] if x.ndim == 3 else p)
    return np.clip(x * max_val / (max_val + c[0]), 0, 1) * 255


def snow(x, severity, rng):
    c = [(0.1, 0.2, 1, 0.6, 8, 3, 0.95), (0.1, 0.2, 1, 0.5, 10, 4, 0.9), (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
         (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85), (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8)][severity - 1]
    x = np.array(x, dtype=np.float64) / 255.
    layer = rng.normal(size=x.shape[:2], loc=c[0], scale=c[1])
    layer = clipped_zoom(layer, c[2])
    layer[layer < c[3]] = 0
    layer = (np.clip(layer, 0, 1) * 255).astype(np.uint8).astype(np.float64)
    # ImageMagick's result comes back through an 8-bit PNG: rounded to the grid.
    layer = np.round(_motion_blur(layer, c[4], c[5], rng.uniform(-135, -45))) / 255.
    grey = x if x.ndim == 2 else (0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2])[..., np.newaxis]
    if x.ndim == 3:
        layer = layer[..., np.newaxis]
    x = c[6] * x + (1 - c[6]) * np.maximum(x, grey * 1.5 + 0.5)
    return np.clip(x + layer + np.rot90(layer, k=2), 0, 1) * 255


def spatter_mud(x, severity, rng):
    c = [None, None, None, (0.65, 0.1, 0.7, 0.69, 0.6, 1), (0.65, 0.1, 0.5, 0.68, 0.6, 1)][severity - 1]
    x = np.array(x, dtype=np.float64) / 255.
    liquid = sk_gaussian(rng.normal(size=x.shape[:2], loc=c[0], scale=c[1]), c[2])
    liquid[liquid < c[3]] = 0
    m = sk_gaussian(np.where(liquid > c[3], 1, 0).astype(np.float64), c[4])
    m[m < 0.8] = 0
    if x.ndim == 2:  # MNIST-C's grey mud
        return np.clip(x * (1 - m) + 63 / 255. * m, 0, 1) * 255
    color = np.stack([63 / 255. * m, 42 / 255. * m, 20 / 255. * m], axis=2)
    return np.clip(x * (1 - m[..., np.newaxis]) + color, 0, 1) * 255


def elastic_transform(image, severity, rng):
    n = image.shape[0]
    c = [(n * 0, n * 0, n * 0.08), (n * 0.05, n * 0.2, n * 0.07), (n * 0.08, n * 0.06, n * 0.06),
         (n * 0.1, n * 0.04, n * 0.05), (n * 0.1, n * 0.03, n * 0.03)][severity - 1]
    image = np.array(image, dtype=np.float64) / 255.
    shape = image.shape
    center = np.float64(shape[:2]) // 2
    sq = min(shape[:2]) // 3
    pts1 = np.float64([center + sq, [center[0] + sq, center[1] - sq], center - sq])
    pts2 = pts1 + rng.uniform(-c[2], c[2], size=pts1.shape)
    # cv2.getAffineTransform(pts1, pts2) then warpAffine: dst(p) = src(M⁻¹p), points as (x, y).
    A = np.hstack([pts2, np.ones((3, 1))])
    inv = np.linalg.solve(A, pts1).T  # maps dst (x, y, 1) to src (x, y)
    mat = np.array([[inv[1, 1], inv[1, 0]], [inv[0, 1], inv[0, 0]]])  # in (row, col) order
    off = np.array([inv[1, 2], inv[0, 2]])
    planes = [image] if image.ndim == 2 else [image[..., k] for k in range(shape[2])]
    planes = [affine_transform(p, mat, offset=off, order=1, mode='mirror') for p in planes]
    if c[0] > 0:
        dx = sk_gaussian(rng.uniform(-1, 1, size=shape[:2]), c[1], mode='reflect', truncate=3) * c[0]
        dy = sk_gaussian(rng.uniform(-1, 1, size=shape[:2]), c[1], mode='reflect', truncate=3) * c[0]
        yy, xx = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing='ij')
        planes = [map_coordinates(p, [yy + dy, xx + dx], order=1, mode='reflect') for p in planes]
    out = planes[0] if image.ndim == 2 else np.stack(planes, axis=2)
    return np.clip(out, 0, 1) * 255


def _warp(x, mat, off):
    planes = [x] if x.ndim == 2 else [x[..., k] for k in range(x.shape[2])]
    planes = [affine_transform(p, mat, offset=off, order=1, mode='grid-constant', cval=0.0) for p in planes]
    return planes[0] if x.ndim == 2 else np.stack(planes, axis=2)


def rotate(x, severity, rng):
    c = [0.2, 0.4, 0.6, 0.8, 1.][severity - 1] * rng.choice([-1, 1])
    x = np.array(x) / 255.
    m = (x.shape[0] - 1) / 2
    cs, sn = np.cos(c), np.sin(c)
    # skimage inverse map (col, row) -> (cos col - sin row + a3, sin col + cos row + b3), in (row, col) order.
    a3, b3 = m * (1 - cs + sn), m * (1 - sn - cs)
    return np.clip(_warp(x, np.array([[cs, sn], [-sn, cs]]), [b3, a3]), 0, 1) * 255


def shear(x, severity, rng):
    c = [0.2, 0.4, 0.6, 0.8, 1.][severity - 1] * rng.choice([-1, 1])
    x = np.array(x) / 255.
    m = (x.shape[0] - 1) / 2
    a1, a2, b1, b2 = 1, -np.sin(c), 0, np.cos(c)  # skimage <= 0.18 AffineTransform(shear=c)
    a3, b3 = m * (1 - a1 - a2), m * (1 - b1 - b2)
    return np.clip(_warp(x, np.array([[b2, b1], [a2, a1]]), [b3, a3]), 0, 1) * 255


def translate(x, severity, rng):
    c = [1, 2, 3, 4, 5][severity - 1]
    bit = rng.choice([-1, 1], 2)
    x = np.array(x) / 255.
    return np.clip(_warp(x, np.eye(2), [c * bit[1], c * bit[0]]), 0, 1) * 255


def line_from_points(c0, r0, c1, r1, n):
    if c1 == c0:
        return np.zeros((n, n))
    cc, rr = np.meshgrid(np.linspace(0, n - 1, n), np.linspace(0, n - 1, n), sparse=True)
    m = (r1 - r0) / (c1 - c0)
    dist = np.clip(np.abs(rr - (m * (cc - c0) + r0)), 0, 2.3 - 1e-10)
    corruption = np.clip(np.log(1 - dist / 2.3) + 1, 0, 1)
    l, r = int(np.floor(c0)), int(np.ceil(c1))
    corruption[:, :l] = 0
    corruption[:, r:] = 0
    return np.clip(corruption, 0, 1)


def _lines(severity):
    s = [0.5, 0.75, 1, 2, 3][severity - 1]
    return (1, s) if s <= 1 else (int(s), 1.0)


def _add(x, plane, k):
    return np.minimum(x + k * (plane if x.ndim == 2 else plane[..., np.newaxis]), 1)


def dotted_line(x, severity, rng):
    x = np.array(x) / 255.
    n = x.shape[0]
    count, k = _lines(severity)
    for _ in range(count):
        r0, r1 = rng.randint(low=0, high=n - 1, size=2)
        corruption = line_from_points(0, r0, n - 1, r1, n)
        idx = np.arange(0, n + 2, 2)
        off = True
        for i in range(1, len(idx)):
            if off:
                corruption[:, idx[i - 1]:idx[i]] = 0
            off = not off
        x = _add(x, corruption, k)
    return x * 255


def zigzag(x, severity, rng):
    x = np.array(x) / 255.
    n = x.shape[0]
    count, k = _lines(severity)
    for _ in range(count):
        a = b = 2.
        c0, c1 = 2, n - 3
        r0 = rng.randint(low=0, high=n - 1)
        r1 = r0 + rng.randint(low=-5, high=5)
        theta = np.arctan((r1 - r0) / (c1 - c0))
        d = (c1 - c0) / np.cos(theta)
        endpoints = [(0, 0)]
        for i in range(int((d - a) // (2 * a)) + 1):
            r_i = (-1) ** i * b
            endpoints.append(((2 * i + 1) * a, r_i))
        max_c = (2 * a) * (d // (2 * a))
        if d != max_c:
            endpoints.append((d, r_i / (2 * (d - max_c))))
        endpoints = np.array(endpoints).T
        M = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        cs, rs = M.dot(endpoints)
        cs += c0
        rs += r0
        for i in range(1, len(cs)):
            x = _add(x, line_from_points(cs[i - 1], rs[i - 1], cs[i], rs[i], n), k)
    return x * 255


def impulse_noise(x, severity, rng):
    """The seed suite's impulse noise; checks the generator port itself."""
    c = [.03, .06, .09, 0.17, 0.27][severity - 1]
    x = np.array(x, dtype=np.float64) / 255.
    flat = x.transpose(2, 0, 1).reshape(-1) if x.ndim == 3 else x.reshape(-1)
    out = flat.copy()
    for i in range(flat.size):
        u = rng.double()
        out[i] = 0 if u < c / 2 else (1 if u < c else flat[i])
    out = out.reshape(x.shape[2], x.shape[0], x.shape[1]).transpose(1, 2, 0) if x.ndim == 3 else out.reshape(x.shape)
    return out * 255


# kind -> (Corruption.id, reference, levels)
SEEDED = {
    "impulse_noise": (3, impulse_noise, range(1, 6)),
    "motion_blur": (10, motion_blur, range(1, 6)),
    "glass_blur": (11, glass_blur, range(1, 6)),
    "elastic_transform": (13, elastic_transform, range(1, 6)),
    "fog": (15, fog, range(1, 6)),
    "snow": (16, snow, range(1, 6)),
    "spatter": (17, spatter_mud, range(4, 6)),
    "rotate": (18, rotate, range(1, 6)),
    "shear": (19, shear, range(1, 6)),
    "translate": (21, translate, range(1, 6)),
    "zigzag": (23, zigzag, range(1, 6)),
    "dotted_line": (24, dotted_line, range(1, 6)),
}


# Kinds whose reference needs OpenCV or scikit-image; compared on the mean difference,
# because edge-audit's Canny suppresses non-maxima on 4 directions where skimage
# interpolates and keeps a few different edge pixels.
APPROX = {}
try:
    import cv2
    from skimage import feature

    def spatter_water(x, severity, rng):
        c = [(0.62, 0.1, 0.7, 0.7, 0.5, 0), (0.65, 0.1, 0.8, 0.7, 0.5, 0), (0.65, 0.3, 1, 0.69, 0.5, 0)][severity - 1]
        grey = np.array(x).ndim == 2
        x = np.array(x, dtype=np.float32) / 255.
        liquid = sk_gaussian(rng.normal(size=x.shape[:2], loc=c[0], scale=c[1]), c[2])
        liquid[liquid < c[3]] = 0
        u8 = (np.clip(liquid, 0, 1) * 255).astype(np.uint8)  # the reference wraps above 1; edge-audit clips
        dist = 255 - cv2.Canny(u8, 50, 150)
        dist = cv2.distanceTransform(dist, cv2.DIST_L2, 5)
        _, dist = cv2.threshold(dist, 20, 20, cv2.THRESH_TRUNC)
        dist = cv2.blur(dist, (3, 3)).astype(np.uint8)
        dist = cv2.equalizeHist(dist)
        ker = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
        dist = cv2.filter2D(dist, cv2.CV_8U, ker)
        dist = cv2.blur(dist, (3, 3)).astype(np.float32)
        m = liquid * dist
        m = m / m.max() * c[4] if m.max() > 0 else m
        if grey:
            return np.clip(x + m * (0.299 * 175 + 0.587 * 238 + 0.114 * 238) / 255., 0, 1) * 255
        colour = np.array([175, 238, 238]) / 255.
        return np.clip(x + m[..., np.newaxis] * colour, 0, 1) * 255

    def canny_edges(x, severity, rng):
        w = [0.2, 0.4, 0.6, 0.8, 1.0][severity - 1]
        x = np.array(x, dtype=np.float64) / 255.
        luma = x if x.ndim == 2 else 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]
        e = feature.canny(luma).astype(np.float64)
        return ((1 - w) * x + w * (e if x.ndim == 2 else e[..., np.newaxis])) * 255

    def warp_skimage(x, severity, rng, kind):
        """rotate and shear through skimage's own warp (the library MNIST-C called)."""
        from skimage import transform
        c = [0.2, 0.4, 0.6, 0.8, 1.][severity - 1] * rng.choice([-1, 1])
        x = np.array(x) / 255.
        m = (x.shape[0] - 1) / 2
        if kind == "rotate":
            a1, a2, b1, b2 = np.cos(c), -np.sin(c), np.sin(c), np.cos(c)
        else:  # skimage <= 0.18's shear; 0.19 changed the convention, so build the matrix
            a1, a2, b1, b2 = 1, -np.sin(c), 0, np.cos(c)
        aff = transform.AffineTransform(matrix=np.array([[a1, a2, m * (1 - a1 - a2)], [b1, b2, m * (1 - b1 - b2)], [0, 0, 1]]))
        return np.clip(transform.warp(x, inverse_map=aff, order=1, mode='constant', cval=0), 0, 1) * 255

    APPROX = {
        "spatter": (17, spatter_water, range(1, 4)),
        "canny_edges": (25, canny_edges, range(1, 6)),
    }
    SEEDED["rotate (skimage)"] = (18, lambda x, s, r: warp_skimage(x, s, r, "rotate"), range(1, 6))
    SEEDED["shear (skimage)"] = (19, lambda x, s, r: warp_skimage(x, s, r, "shear"), range(1, 6))
except ImportError:
    pass
