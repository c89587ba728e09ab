"""Connected regions of a boolean mask, found run by run (no SciPy needed)."""

import numpy as np


def components(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Label the 4-connected regions of a 2-D mask: (labels, sizes), where 0 labels 'outside'.

    Region k (1-based) has sizes[k - 1] pixels.
    """
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    steps = np.diff(padded, axis=1)
    rows, starts = np.nonzero(steps == 1)
    ends = np.nonzero(steps == -1)[1]
    labels = np.zeros(mask.shape, dtype=np.int32)
    if rows.size == 0:
        return labels, np.zeros(0, dtype=np.int64)

    parent = list(range(rows.size))

    def root(run: int) -> int:
        while parent[run] != run:
            parent[run] = parent[parent[run]]
            run = parent[run]
        return run

    # Join each run with the runs of the row above that overlap it.
    row_start = np.searchsorted(rows, np.arange(height + 1)).tolist()
    start_list, end_list = starts.tolist(), ends.tolist()
    for row in range(1, height):
        above, above_end = row_start[row - 1], row_start[row]
        for run in range(row_start[row], row_start[row + 1]):
            while above < above_end and end_list[above] <= start_list[run]:
                above += 1
            other = above
            while other < above_end and start_list[other] < end_list[run]:
                parent[root(other)] = root(run)
                other += 1

    _, ids = np.unique([root(run) for run in range(rows.size)], return_inverse=True)
    lengths = ends - starts
    offsets = np.cumsum(lengths) - lengths
    pixels = np.repeat(rows * width + starts - offsets, lengths) + np.arange(lengths.sum())
    labels.flat[pixels] = np.repeat(ids + 1, lengths)
    return labels, np.bincount(ids, weights=lengths).astype(np.int64)
