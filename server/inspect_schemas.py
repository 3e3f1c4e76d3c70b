"""The inspections' wire models: ``POST /api/runs/{id}/inspect``'s bodies and the run stream's
``inspect`` message (the same, plus ``type`` and the client's ``id``), and how a request is
checked against the network it asks about.

Every field is bounded here, by the largest network a config can build; what depends on the
run (its layers' sizes, its training set) is checked by ``misfit`` on the event loop before
anything reaches a worker. Nothing here imports the rest of the server: ``server.schemas``
takes the socket's messages from this module.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

KINDS = ("probe", "activations", "gradients", "update", "chain")
MAX_LAYER = 20  # as the weight message's: more than a config's 10 hidden layers + output
MAX_UNIT = 1000  # more than a layer's 256 units or a dataset's 9 features
MAX_EXAMPLE = 10_000  # more than a training set's 9,000 examples
MAX_BINS = 100
MAX_ID = 2**53 - 1  # a JavaScript integer

Layer = Annotated[
    int, Field(ge=0, le=MAX_LAYER, description="a weight layer; 0: features → first hidden")
]
Unit = Annotated[int, Field(ge=0, le=MAX_UNIT)]
Example = Annotated[int, Field(ge=0, le=MAX_EXAMPLE, description="a training example's index")]
Coordinate = Annotated[float, Field(ge=-1000, le=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ProbeRequest(_Strict):
    """One point's way through the network: every neuron's z and a, every link's w·a."""

    kind: Literal["probe"]
    point: tuple[Coordinate, Coordinate] | None = Field(None, description="(x1, x2)")
    example: Example | None = None

    @model_validator(mode="after")
    def _one_input(self) -> ProbeRequest:
        if (self.point is None) == (self.example is None):
            raise ValueError("give point or example (one of them)")
        return self


class ActivationsRequest(_Strict):
    """A layer's z over the training set: histograms, dead and saturated units."""

    kind: Literal["activations"]
    layer: Layer
    bins: int = Field(20, ge=1, le=MAX_BINS)
    values: bool = Field(False, description="every z too (a bounded number of them)")


class GradientsRequest(_Strict):
    """Per layer, the norms of the loss's and the penalty's parts of the gradient."""

    kind: Literal["gradients"]
    on: Literal["batch", "train"] = Field("batch", description="the next batch, or every example")


class UpdateRequest(_Strict):
    """What the next step will do to one weight (``source`` null: ``target``'s bias)."""

    kind: Literal["update"]
    layer: Layer
    source: Unit | None = None
    target: Unit


class ChainRequest(_Strict):
    """One weight's ∂E/∂w for one example by the chain rule, beside finite differences."""

    kind: Literal["chain"]
    layer: Layer
    source: Unit | None = None
    target: Unit
    example: Example


AnyInspectRequest = (
    ProbeRequest | ActivationsRequest | GradientsRequest | UpdateRequest | ChainRequest
)
InspectBody = Annotated[AnyInspectRequest, Field(discriminator="kind")]

# -- the run stream's ``inspect`` message: a request, its ``type`` and the client's ``id`` --

MessageId = Annotated[int, Field(ge=0, le=MAX_ID, description="the client's; the answer's too")]


class InspectProbe(ProbeRequest):
    type: Literal["inspect"]
    id: MessageId


class InspectActivations(ActivationsRequest):
    type: Literal["inspect"]
    id: MessageId


class InspectGradients(GradientsRequest):
    type: Literal["inspect"]
    id: MessageId


class InspectUpdate(UpdateRequest):
    type: Literal["inspect"]
    id: MessageId


class InspectChain(ChainRequest):
    type: Literal["inspect"]
    id: MessageId


AnyInspectMessage = (
    InspectProbe | InspectActivations | InspectGradients | InspectUpdate | InspectChain
)
InspectMessage = Annotated[AnyInspectMessage, Field(discriminator="kind")]


def engine_params(request: AnyInspectRequest) -> dict[str, Any]:
    """The engine function's keyword arguments (``server.inspect_worker`` calls it)."""
    return request.model_dump(exclude={"kind", "type", "id"})


def misfit(
    request: AnyInspectRequest, sizes: list[int], examples: int | None
) -> tuple[str, str] | None:
    """(the field, why) when ``request`` asks for what a network of ``sizes`` (features,
    each layer's units, outputs) trained on ``examples`` examples has not; else None.
    ``examples`` None: not known yet (the run is building), the worker checks it."""
    last = len(sizes) - 2
    layer = getattr(request, "layer", None)
    if layer is not None and layer > last:
        return "layer", f"the network has layers 0 … {last}"
    if isinstance(request, UpdateRequest | ChainRequest):
        fan_in, fan_out = sizes[request.layer], sizes[request.layer + 1]
        if request.target >= fan_out:
            return "target", f"layer {request.layer} feeds {fan_out} units: 0 … {fan_out - 1}"
        if request.source is not None and request.source >= fan_in:
            return "source", f"layer {request.layer} takes {fan_in} inputs: 0 … {fan_in - 1}"
    example = getattr(request, "example", None)
    if example is not None and examples is not None and example >= examples:
        return "example", f"the run has training examples 0 … {examples - 1}"
    return None
