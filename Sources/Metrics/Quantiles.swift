/// A distribution of per-row (per-token) values summarised by order statistics.
///
/// Definitions (nearest rank, no interpolation, so every reported value is one of the rows'
/// own values): with the `n` values sorted ascending as `v[0] <= ... <= v[n-1]`, the p-th
/// percentile is `v[ceil(p/100 * n) - 1]` (and `v[0]` for p = 0); `min = v[0]`,
/// `p1` the 1st percentile, `median` the 50th (the lower median for even n), `max = v[n-1]`.
///
/// Edge Cases: `+inf` values (exact rows) sort last; NaN values are not accepted: leave
/// undefined rows out and count them in `excluded`. Without values every statistic is nil.
public struct Quantiles: Codable, Hashable, Sendable {
    public var count: Int
    /// Rows left out because their value is undefined (for SQNR: rows without signal).
    public var excluded: Int
    public var min: Double?
    public var p1: Double?
    public var median: Double?
    public var max: Double?
    /// Where the minimum is: the index (in the caller's numbering) of the first row holding it.
    public var argmin: Int?

    /// Summarises `(index, value)` pairs; `excluded` counts rows the caller left out.
    public init(_ values: [(index: Int, value: Double)], excluded: Int = 0) {
        precondition(!values.contains { $0.value.isNaN }, "NaN values must be left out (excluded)")
        count = values.count
        self.excluded = excluded
        let sorted = values.sorted { $0.value < $1.value || ($0.value == $1.value && $0.index < $1.index) }
        guard let first = sorted.first else { return }
        min = first.value
        argmin = first.index
        p1 = Self.percentile(sorted.map(\.value), 1)
        median = Self.percentile(sorted.map(\.value), 50)
        max = sorted.last!.value
    }

    /// Nearest-rank percentile of ascending `sorted` (non-empty).
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        precondition(!sorted.isEmpty)
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }
}
