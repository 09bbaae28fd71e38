/// A histogram of errors in bf16 units in the last place of the ideal value, for GEMM
/// outputs (bf16 tensors).
///
/// Definitions: `ulp(x) = 2^(max(e, -126) - 7)` where `e` is the binary exponent of `x`
/// (`floor(log2 |x|)`; -126 for `x = 0`), the spacing of bf16 values at `|x|` (subnormal
/// spacing below 2^-126). The error of an element is `|x - q| / ulp(x)`. Buckets:
/// `[0, 0.5]` (what a single correct rounding of `x` gives), `(0.5, 1]`, then
/// `(2^(i-1), 2^i]` for i = 1...15, then `> 2^15`. NaN or infinite pairs are counted in
/// `nonFinite`, not in a bucket.
public struct ULPHistogram: Codable, Hashable, Sendable {
    enum CodingKeys: String, CodingKey {
        case counts
        case nonFinite = "non_finite", maxULP = "max_ulp"
    }

    /// Upper edges of the buckets in ulps; the last bucket has no upper edge.
    public static let edges: [Double] = [0.5] + (0...15).map { Double(sign: .plus, exponent: $0, significand: 1) }
    /// `counts[i]` counts errors in `(edges[i-1], edges[i]]` (`[0, edges[0]]` for i = 0);
    /// `counts[edges.count]` errors above the last edge.
    public private(set) var counts: [Int]
    public private(set) var nonFinite = 0
    /// The largest error in ulps over finite pairs.
    public private(set) var maxULP = 0.0

    public init() { counts = [Int](repeating: 0, count: Self.edges.count + 1) }

    /// One bf16 ulp at the magnitude of `x`.
    @inlinable
    public static func bf16ULP(_ x: Double) -> Double {
        let e = x == 0 || !x.isFinite ? -126 : Swift.max(Int(x.exponent), -126)
        return Double(sign: .plus, exponent: e - 7, significand: 1)
    }

    /// The error of `q` against `x` in bf16 ulps of `x`, or nil for a non-finite pair.
    @inlinable
    public static func ulps(ideal x: Double, actual q: Double) -> Double? {
        guard x.isFinite && q.isFinite else { return nil }
        return abs(x - q) / bf16ULP(x)
    }

    public mutating func add(ideal x: Double, actual q: Double) {
        guard let u = Self.ulps(ideal: x, actual: q) else { nonFinite += 1; return }
        if u > maxULP { maxULP = u }
        var i = 0
        while i < Self.edges.count && u > Self.edges[i] { i += 1 }
        counts[i] += 1
    }

    public mutating func merge(_ o: ULPHistogram) {
        for i in counts.indices { counts[i] += o.counts[i] }
        nonFinite += o.nonFinite
        maxULP = Swift.max(maxULP, o.maxULP)
    }

    /// Bucket labels: `<=0.5`, `<=1`, `<=2`, ..., `<=32768`, `>32768`.
    public static var labels: [String] {
        edges.map { $0 == 0.5 ? "<=0.5" : "<=\(Int($0))" } + [">\(Int(edges.last!))"]
    }

    /// The fraction of finite pairs within `limit` ulps (limit one of `edges`).
    public func fractionWithin(_ limit: Double) -> Double {
        let total = counts.reduce(0, +)
        guard total > 0 else { return 0 }
        let within = zip(Self.edges, counts).filter { $0.0 <= limit }.map(\.1).reduce(0, +)
        return Double(within) / Double(total)
    }
}
