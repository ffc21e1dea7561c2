"""Reading an ONNX image model's graph: its input (shape, layout), its metadata props, the tensors that
can serve as an embedding, and the default one (the last pooled/flattened tensor before the classifier).

Any named tensor can be read by appending it to the graph's outputs (checked on torchvision exports:
ONNX Runtime then returns it unchanged), so intermediate layers need no re-export.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from latentview.core.errors import UserError

POOL_OPS = ("GlobalAveragePool", "GlobalMaxPool", "Flatten", "ReduceMean")
LINEAR_OPS = ("Gemm", "MatMul")


class ModelFileError(UserError):
    """The file is not an ONNX image model latentview can run; the message says why."""


@dataclass
class Tensor:
    name: str
    shape: tuple  # ints, or None for a dimension only known at run time
    op: str  # the operator that produces it
    channels_last: bool = False  # feature maps are N×H×W×C (the model's input layout)

    @property
    def dim(self) -> int | None:
        """Length of the embedding it gives: channels of a feature map (pooled), or the flat width."""
        if len(self.shape) in (2, 3):  # (B, D), or tokens (B, T, C) averaged over tokens
            return self.shape[-1]
        if len(self.shape) == 4:
            return self.shape[3] if self.channels_last else self.shape[1]
        return None

    def describe(self) -> str:
        dims = "×".join("?" if d is None else str(d) for d in self.shape[1:])
        return f"{self.name}  ({dims})"


@dataclass
class GraphInfo:
    input_name: str
    input_shape: tuple
    layout: str  # "NCHW" or "NHWC"
    size: int | None  # the graph's fixed spatial size, if any
    batch: int | None  # a fixed batch size (e.g. 1), or None when dynamic
    tensors: list[Tensor]  # embedding candidates in graph order
    default: str
    props: dict[str, str] = field(default_factory=dict)
    raw_uint8: bool = False  # the graph takes 0–255 bytes and normalises inside (TF/TFLite conversions)

    def tensor(self, name: str) -> Tensor | None:
        return next((t for t in self.tensors if t.name == name), None)


def load_model(path: str):
    import onnx

    try:
        return onnx.load(path)
    except Exception as exc:
        raise ModelFileError(f"{path} is not a readable ONNX model ({type(exc).__name__}).") from None


def _dims(type_proto) -> tuple | None:
    t = type_proto.tensor_type
    if not t.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim)


def inspect(model) -> GraphInfo:
    """What latentview needs to know to run `model` (an onnx ModelProto) as an image encoder."""
    import onnx

    g = model.graph
    inits = {i.name for i in g.initializer}
    inputs = [i for i in g.input if i.name not in inits]
    if len(inputs) != 1:
        raise ModelFileError(f"An image model takes one input; this graph takes {len(inputs)}.")
    shape = _dims(inputs[0].type)
    if shape is None or len(shape) != 4:
        raise ModelFileError("The model's input is not an image batch (expected 4 dimensions, N×C×H×W).")
    layout = "NHWC" if shape[3] == 3 and shape[1] != 3 else "NCHW"
    h, w = (shape[2], shape[3]) if layout == "NCHW" else (shape[1], shape[2])
    if h and w and h != w:
        raise ModelFileError(f"The model wants {h}×{w} images; only square inputs are supported.")
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:  # shape inference is a courtesy: names still work without shapes
        inferred = model
    shapes = {v.name: _dims(v.type) for v in [*inferred.graph.value_info, *inferred.graph.output]}
    floats = {v.name for v in [*inferred.graph.value_info, *inferred.graph.output]
              if v.type.tensor_type.elem_type == onnx.TensorProto.FLOAT}  # fmt: skip
    tensors, pooled, linear_in = [], None, None
    for node in g.node:
        for out in node.output:
            s = shapes.get(out)
            if out in floats and s is not None and len(s) in (2, 3, 4):
                tensors.append(Tensor(out, s, node.op_type, channels_last(s, layout)))
                if node.op_type in POOL_OPS and len(s) in (2, 4):
                    pooled = out
        if node.op_type in LINEAR_OPS and node.input and node.input[0] not in inits:
            linear_in = linear_in or node.input[0]  # the first linear layer: the classifier's input
    default = pooled or linear_in or g.output[0].name
    if not any(t.name == default for t in tensors):
        tensors.append(Tensor(default, shapes.get(default) or (None, None), "output"))
    props = {p.key: p.value for p in model.metadata_props}
    batch = shape[0] if shape[0] else None
    elem = inputs[0].type.tensor_type.elem_type
    if elem not in (onnx.TensorProto.FLOAT, onnx.TensorProto.UINT8):
        raise ModelFileError(
            "The model's input is neither float32 nor uint8 pixels; re-export it with float input."
        )
    raw = elem == onnx.TensorProto.UINT8
    return GraphInfo(inputs[0].name, shape, layout, h or None, batch, tensors, default, props, raw)


def channels_last(shape: tuple, layout: str) -> bool:
    """Where a feature map keeps its channels: inputs are square, so the two equal dimensions are the
    spatial ones (a TF export transposes NHWC input to NCHW inside); otherwise the input's layout."""
    if len(shape) != 4:
        return False
    _, a, b, c = shape
    if a is not None and a == b and c != a:
        return True
    if b is not None and b == c and a != b:
        return False
    return layout == "NHWC"


def with_outputs(model, names: list[str]) -> bytes:
    """The serialized model with `names` as its outputs (only those: nothing else is computed)."""
    import onnx

    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    existing = {o.name: o for o in copy.graph.output}
    del copy.graph.output[:]
    for name in names:
        info = existing.get(name) or onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
        copy.graph.output.append(info)
    return copy.SerializeToString()


def last_output_under(model, prefix: str) -> str:
    """The output of the last node whose name starts with `prefix` (a module path such as
    '/_blocks.4/'): the exporter names nodes by module, so this is that module's output."""
    name = None
    for node in model.graph.node:
        if node.name.startswith(prefix):
            name = node.output[0]
    if name is None:
        raise ModelFileError(f"No layer '{prefix}' in this model's graph.")
    return name
