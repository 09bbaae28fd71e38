// Module Metrics: error metrics of a tensor against its ideal, independent of fixtures: SQNR,
// relative Frobenius error, maximum absolute error, quantiles, and the bf16 ULP histogram
// (ULPHistogram.bf16ULP is the project's one bf16 ULP). A new metric goes in ErrorAccumulator
// and ErrorSummary.

/// The error metrics of one tensor, group or row (definitions in `ErrorAccumulator`).
///
/// JSON: snake_case keys (explicit `CodingKeys`, so no key strategy is needed); `sqnr_db` is `"inf"` for an exact result and absent (null) when
/// undefined (no signal).
public struct ErrorSummary: Codable, Hashable, Sendable {
    enum CodingKeys: String, CodingKey {
        case elements, nan, saturated, flushed
        case finitePairs = "finite_pairs", sqnrDB = "sqnr_db", relativeFrobenius = "relative_frobenius"
        case maxAbsError = "max_abs_error", idealNaN = "ideal_nan", nonFinite = "non_finite"
    }

    public var elements: Int
    public var finitePairs: Int
    /// `10 log10(sum x^2 / sum (x - q)^2)` over finite pairs; `+inf` exact; nil without signal.
    public var sqnrDB: Double?
    /// `sqrt(sum (x - q)^2 / sum x^2)` over finite pairs.
    public var relativeFrobenius: Double?
    /// `max |x - q|` over finite pairs.
    public var maxAbsError: Double
    /// Elements whose approximation is NaN.
    public var nan: Int
    /// Elements whose ideal is NaN but whose approximation is not.
    public var idealNaN: Int
    /// Non-NaN elements where the ideal or the approximation is infinite.
    public var nonFinite: Int
    /// Elements clamped to the format's largest finite value (as flagged by the caller).
    public var saturated: Int
    /// Finite elements with a nonzero ideal that came out 0.
    public var flushed: Int

    public init(elements: Int, finitePairs: Int, sqnrDB: Double?, relativeFrobenius: Double?, maxAbsError: Double,
                nan: Int, idealNaN: Int, nonFinite: Int, saturated: Int, flushed: Int) {
        self.elements = elements
        self.finitePairs = finitePairs
        self.sqnrDB = sqnrDB
        self.relativeFrobenius = relativeFrobenius
        self.maxAbsError = maxAbsError
        self.nan = nan
        self.idealNaN = idealNaN
        self.nonFinite = nonFinite
        self.saturated = saturated
        self.flushed = flushed
    }
}
