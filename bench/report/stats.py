"""Two-sided Mann-Whitney U test, standard library only.

Why this test: benchmark timings are skewed (a preempted repetition is much slower, never
much faster) and few (5 to 10 repetitions), so a rank test that assumes no distribution
is a better fit than a t-test.

Small samples without ties use the exact null distribution of U; otherwise the normal
approximation with the tie correction of the variance and a continuity correction.
"""

import functools
import math

# Largest sample size (on each side) for which the exact distribution is computed.
EXACT_LIMIT = 30


@functools.lru_cache(maxsize=None)
def _u_counts(m, n):
    """counts[u] = number of orderings of m x's and n y's in which U (pairs x > y) equals u.

    Recurrence on the largest of all m + n values: it is either an x (beating all n y's,
    which adds n to U) or a y (adding nothing).
    """
    if m == 0 or n == 0:
        return (1,)
    with_x_largest = _u_counts(m - 1, n)
    with_y_largest = _u_counts(m, n - 1)
    counts = [0] * (m * n + 1)
    for u, c in enumerate(with_x_largest):
        counts[u + n] += c
    for u, c in enumerate(with_y_largest):
        counts[u] += c
    return tuple(counts)


def u_statistic(x, y):
    """U for sample x: pairs (a in x, b in y) with a > b, ties counted one half."""
    u = 0.0
    for a in x:
        for b in y:
            if a > b:
                u += 1.0
            elif a == b:
                u += 0.5
    return u


def _has_ties(values):
    return len(set(values)) != len(values)


def exact_p_value(u, m, n):
    """Two-sided exact p-value of an integer U under H0 (no ties)."""
    counts = _u_counts(m, n)
    total = math.comb(m + n, m)
    # The null distribution is symmetric around mn/2; use the nearer tail and double it.
    k = int(round(min(u, m * n - u)))
    tail = sum(counts[: k + 1])
    return min(1.0, 2.0 * tail / total)


def normal_p_value(u, x, y):
    """Two-sided p-value from the normal approximation with tie and continuity corrections."""
    m, n = len(x), len(y)
    big_n = m + n
    mean = m * n / 2.0
    tie_term = 0
    counts = {}
    for v in list(x) + list(y):
        counts[v] = counts.get(v, 0) + 1
    for t in counts.values():
        tie_term += t ** 3 - t
    variance = m * n / 12.0 * ((big_n + 1) - tie_term / (big_n * (big_n - 1)))
    if variance <= 0:
        return 1.0  # every value equal: no evidence of any difference
    z = max(0.0, abs(u - mean) - 0.5) / math.sqrt(variance)
    return min(1.0, math.erfc(z / math.sqrt(2.0)))


def mann_whitney(x, y):
    """(U for x, two-sided p-value, method) for independent samples x and y."""
    m, n = len(x), len(y)
    if m == 0 or n == 0:
        raise ValueError("Mann-Whitney needs at least one value on each side")
    u = u_statistic(x, y)
    pooled = list(x) + list(y)
    if not _has_ties(pooled) and m <= EXACT_LIMIT and n <= EXACT_LIMIT:
        return u, exact_p_value(u, m, n), "exact"
    return u, normal_p_value(u, x, y), "normal"


def smallest_possible_p(m, n):
    """The smallest two-sided p-value any data can reach with these sample sizes."""
    if m == 0 or n == 0:
        return 1.0
    return min(1.0, 2.0 / math.comb(m + n, m))
