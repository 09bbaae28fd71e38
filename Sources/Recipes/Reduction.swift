/// The set of elements that share one scale (SPEC section 3, docs/results-schema.md).
///
///     reduction          2-D [M,C] tensor                       3-D [G,K,N] weight
///     tensorwise         the whole tensor, scale [1]            the whole tensor, scale [1]
///     per_expert         -                                      each [K,N] slice, scale [G]
///     rowwise            each row, scale [M]                    each (g, n) column over K, scale [G,N]
///                                                               (seen transposed, `b_t`: each (g, k)
///                                                               row over N, scale [G,K])
///     per_group          rows offsets[g-1]..<offsets[g], [G]    -
///     per_group_column   (g, column c) over the group's rows,   -
///                        scale [G,C]
///
/// Rows at and beyond `offsets[G-1]` belong to no group under `per_group` and
/// `per_group_column`: they get no scale, and their codes are written as 0.
public enum Reduction: String, CaseIterable, Hashable, Sendable {
    case tensorwise
    case perExpert = "per_expert"
    case rowwise
    case perGroup = "per_group"
    case perGroupColumn = "per_group_column"
    /// SPEC 8.3 block reductions (`Reduction+Blocks.swift`): `block_RxC` is R consecutive rows
    /// by C consecutive columns.
    case block1x32 = "block_1x32"
    case block32x1 = "block_32x1"
    case block1x128 = "block_1x128"
    case block128x1 = "block_128x1"
    case block128x128 = "block_128x128"

    /// Whether the reduction needs `offsets`.
    public var usesOffsets: Bool { self == .perGroup || self == .perGroupColumn }
}
