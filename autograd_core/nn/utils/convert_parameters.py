"""Parameters as one flat vector and back (torch.nn.utils.parameters_to_vector)."""
from ..._functions import cat
from ..._graph import no_grad


def parameters_to_vector(parameters):
    """cat of every parameter flattened (in the graph: CatBackward0 over ViewBackward0s)"""
    return cat([p.view(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of vec into the parameters (their .data)."""
    pointer = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.data = vec[pointer:pointer + n].view_as(p).data
            pointer += n
