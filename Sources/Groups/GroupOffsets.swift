// Module Groups: GroupOffsets, the one place that says which rows belong to which group
// (expert) of a grouped GEMM: the rows of group g, the group of every row, and what is wrong
// with a set of offsets. Recipes (per-group scales), GroupedGEMM (the GEMM over groups),
// Schema (offset validation), Verify, Generate and Report all read groups through it.

/// The `offsets` of a grouped GEMM (SPEC section 4): int32 [G], cumulative end offsets. Group
/// g covers rows `offsets[g-1]..<offsets[g]`, with `offsets[-1]` taken as 0; rows at and beyond
/// `offsets[G-1]` belong to no group.
public struct GroupOffsets: Hashable, Sendable {
    public let ends: [Int]

    /// Preconditions (checked by `validate(rows:)`, not here): non-negative, non-decreasing,
    /// last <= rows.
    public init(_ ends: [Int]) { self.ends = ends }
    public init(_ ends: [Int32]) { self.ends = ends.map(Int.init) }

    public var groupCount: Int { ends.count }

    /// The rows of group `g`.
    public func rows(of g: Int) -> Range<Int> {
        let start = g == 0 ? 0 : ends[g - 1]
        return start..<max(start, ends[g])
    }

    /// Rows `0..<covered` belong to some group.
    public var covered: Int { ends.last ?? 0 }

    /// The group of row `r`, or nil when it belongs to no group (the first group whose end is
    /// past `r`, by binary search: empty groups hold no row).
    public func group(ofRow r: Int) -> Int? {
        guard r >= 0, r < covered else { return nil }
        var (lo, hi) = (0, ends.count - 1)
        while lo < hi {
            let mid = (lo + hi) / 2
            if ends[mid] > r { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// The group of every row `0..<rows`, -1 for rows that belong to no group.
    public func groupOfRow(rows count: Int) -> [Int] {
        var result = [Int](repeating: -1, count: count)
        for g in 0..<groupCount {
            for r in rows(of: g) where r < count { result[r] = g }
        }
        return result
    }

    /// What is wrong with these offsets for a tensor of `rows` rows, or nil.
    public func problem(rows: Int) -> String? {
        var previous = 0
        for (g, e) in ends.enumerated() {
            if e < 0 { return "offsets[\(g)] = \(e) is negative" }
            if e < previous { return "offsets[\(g)] = \(e) is less than offsets[\(g - 1)] = \(previous) (must be non-decreasing)" }
            if e > rows { return "offsets[\(g)] = \(e) exceeds the row count M = \(rows)" }
            previous = e
        }
        return nil
    }
}
