"""edge-audit's SeededGenerator (Sources/EdgeCore/SeededGenerator.swift) in Python, with
the numpy.random calls the reference corruption scripts make, drawing in numpy's order
(row-major, one value per element), so that reference code fed this generator must give
edge-audit's pictures."""
import math

import numpy as np

M64 = (1 << 64) - 1


def _splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return x, z ^ (z >> 31)


def _mix(v):
    return _splitmix(v)[1]


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class SeededGenerator:
    def __init__(self, seed):
        s, sm = [], seed
        for _ in range(4):
            sm, z = _splitmix(sm)
            s.append(z)
        self.s = s

    @classmethod
    def stream(cls, seed, *ids):
        h = seed
        for i in ids:
            h = _mix(h ^ _mix((i + 0x632BE59BD9B4E019) & M64))
        return cls(h)

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (_rotl((s1 * 5) & M64, 7) * 9) & M64
        t = (s1 << 17) & M64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def double(self):
        return (self.next() >> 11) * (1.0 / 9007199254740992.0)

    def gaussian(self):
        u1 = self.double()
        if u1 < 1e-300:
            u1 = 1e-300
        u2 = self.double()
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)

    def below(self, n):
        limit = M64 - M64 % n
        while True:
            r = self.next()
            if r < limit:
                return r % n

    # numpy.random's signatures, as the reference scripts call them
    def uniform(self, low=0.0, high=1.0, size=None):
        if size is None:
            return low + (high - low) * self.double()
        return np.array([low + (high - low) * self.double() for _ in range(int(np.prod(size)))]).reshape(size)

    def normal(self, size, loc=0.0, scale=1.0):
        return np.array([loc + scale * self.gaussian() for _ in range(int(np.prod(size)))]).reshape(size)

    def randint(self, low, high=None, size=None):
        if size is None:
            return low + self.below(high - low)
        return np.array([low + self.below(high - low) for _ in range(int(np.prod(size)))]).reshape(size)

    def choice(self, options, size=None):
        if size is None:
            return options[self.below(len(options))]
        return np.array([options[self.below(len(options))] for _ in range(int(np.prod(size)))])


def corruption_generator(seed, kind_id, level, index):
    """Corruption.generator(seed:corruption:level:index:)."""
    return SeededGenerator.stream(seed, kind_id, level, index)
