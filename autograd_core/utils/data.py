"""torch.utils.data: datasets and a DataLoader that batches them (single process).

    loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True)
    for xb, yb in loader: ...

Batches are collated as PyTorch's default_collate does: tensors stacked along a new dim 0, Python
numbers made into a tensor, tuples/lists/dicts collated element by element. Shuffling draws from
autograd_core's generator (so the order differs from PyTorch's, as every random draw does).
"""
import numbers

import numpy as np

from .._factories import default_generator
from .._functions import stack
from .._random import TorchRandom
from .._tensor import Tensor, tensor


class Dataset:
    """Anything with __getitem__(index) and __len__()."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")


class TensorDataset(Dataset):
    """Item i is (t[i] for t in tensors); all tensors share their first dimension."""

    def __init__(self, *tensors):
        if any(tensors[0].size(0) != t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


class Subset(Dataset):
    """The items of dataset at indices."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, idx):
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Subsets of the given lengths (or fractions summing to 1) of a random permutation."""
    n = len(dataset)
    if all(0 <= x <= 1 for x in lengths) and abs(sum(lengths) - 1) < 1e-9 and sum(lengths) != n:
        counts = [int(np.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = (generator or default_generator)._random.permutation(n).tolist()
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, order[start:start + length]))
        start += length
    return out


def default_collate(batch):
    """Stack a list of samples into a batch, structure by structure."""
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(batch, 0)
    if isinstance(first, np.ndarray):
        return stack([tensor(b) for b in batch], 0)
    if isinstance(first, bool) or isinstance(first, numbers.Number):
        return tensor(batch)
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, dict):
        return {key: default_collate([b[key] for b in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(first, (tuple, list)):
        return [default_collate(list(samples)) for samples in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                    f"lists; found {type(first)}")


class DataLoader:
    """Iterates over dataset in batches of batch_size (the last one smaller unless drop_last)."""

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, generator=None, **kwargs):
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.drop_last, self.generator = drop_last, generator
        self.collate_fn = collate_fn or default_collate
        self.num_workers = num_workers  # accepted; batches are always made in this process

    def __iter__(self):
        # (as PyTorch's, each epoch's iterator draws its workers' base seed as it is made)
        (self.generator or default_generator)._random.words64(1)
        return self._batches(self._shuffled(len(self.dataset)) if self.shuffle else range(len(self.dataset)))

    def _shuffled(self, n):
        """PyTorch's RandomSampler: randperm(n) from the loader's generator, or without one from a
        generator of its own, seeded (at the first batch) by a 63-bit number drawn from the default
        one; once through, it draws a second randperm of which it yields nothing."""
        if self.generator is not None:
            source = self.generator._random
        else:
            source = TorchRandom(int(default_generator._random.words64(1)[0] % (1 << 63)))
        yield from source.permutation(n).tolist()
        source.permutation(n)

    def _batches(self, order):
        if self.batch_size is None:
            for i in order:
                yield self.dataset[i]
            return
        batch = []
        for i in order:
            batch.append(self.dataset[i])
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self):
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
