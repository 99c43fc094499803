"""CUDA graphs: a whole training iteration recorded once and replayed."""

import torch

__all__ = ["graphed"]


def graphed(iteration, rngs, device, *, warmup=3):
    """``iteration`` (which takes no argument and returns tensors) replayed as one CUDA
    graph: the kernels of a whole iteration launched at once instead of one by one.

    The first ``warmup`` calls run eagerly on a side stream (they let the libraries
    pick their kernels and allocate their workspaces), the next one records the graph,
    and every call runs one iteration. The random draws come from ``rngs`` (one
    ``torch.Generator`` per member), registered with the graph, which advances them on
    every replay as eager calls would. The outputs are copied out of the graph's
    buffers, which the next replay overwrites.
    """
    graph, outputs, calls = None, None, 0
    side = torch.cuda.Stream(device)

    def run():
        nonlocal graph, outputs, calls
        with torch.cuda.device(device):
            if graph is None and calls < warmup:
                calls += 1
                side.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(side):
                    result = iteration()
                torch.cuda.current_stream().wait_stream(side)
                return result
            if graph is None:
                graph = torch.cuda.CUDAGraph()
                for rng in rngs:
                    graph.register_generator_state(rng)
                try:
                    with torch.cuda.graph(graph):
                        outputs = iteration()
                except RuntimeError as err:
                    raise RuntimeError("cuda_graph=True: recording the training iteration "
                                       f"as a CUDA graph failed ({err}); train with "
                                       "cuda_graph=False") from err
            graph.replay()
            return tuple(t.clone() for t in outputs)

    return run
