/// How a producer fitted a tensor whose extent is not a multiple of its block (SPEC 8.3,
/// attribute `block_padding`). Without a declaration such a tensor is an error (exit 2).
public enum BlockPadding: String, CaseIterable, Hashable, Sendable {
    /// Blocks must divide the tensor.
    case none
    /// The tensor was padded with zeros to whole blocks along each blocked extent (per expert
    /// for a 3-D weight): the last block of a row or column holds fewer real elements, and
    /// since zeros never raise an amax its scale is the amax of those. The payload keeps the
    /// unpadded shape; the scales cover the padded grid (`ceil(extent / block)`).
    case zero
}
