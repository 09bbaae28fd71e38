/// Running sums of the error of an approximation `q` against an ideal `x` (fp64), element by
/// element. Merge accumulators in a fixed order to get the same result on every run.
///
/// Element classes (each element is counted in `elements` and in at most one class below
/// before the sums; `saturated` and `flushed` are counted among the finite pairs):
/// - `nan`: `q` is NaN (whatever `x` is).
/// - `nonFinite`: `q` is not NaN but `x` or `q` is infinite (an overflow, or an ideal that is
///   itself infinite).
/// - `idealNaN`: `x` is NaN and `q` is not (a NaN that did not propagate).
/// - finite pairs: both finite. Only these enter the sums `signal = sum x^2`,
///   `noise = sum (x - q)^2` and `maxAbsError = max |x - q|`.
/// - `flushed`: a finite pair with `x != 0` and `q == 0` (flushed to zero: below the smallest
///   subnormal of the format after scaling).
/// - `saturated`: as the caller flags it (`add(ideal:actual:saturated:)`): a finite pair whose
///   scaled value exceeded the format's largest finite value and was clamped to it.
public struct ErrorAccumulator: Hashable, Sendable {
    public private(set) var elements = 0
    public private(set) var finitePairs = 0
    public private(set) var nan = 0
    public private(set) var idealNaN = 0
    public private(set) var nonFinite = 0
    public private(set) var flushed = 0
    public private(set) var saturated = 0
    /// `sum x^2` over finite pairs.
    public private(set) var signal = 0.0
    /// `sum (x - q)^2` over finite pairs.
    public private(set) var noise = 0.0
    /// `max |x - q|` over finite pairs (0 when there are none).
    public private(set) var maxAbsError = 0.0

    public init() {}

    /// Adds one element: ideal `x`, approximation `q`.
    public mutating func add(ideal x: Double, actual q: Double, saturated isSaturated: Bool = false) {
        elements += 1
        if q.isNaN { nan += 1; return }
        if x.isNaN { idealNaN += 1; return }
        if !x.isFinite || !q.isFinite { nonFinite += 1; return }
        finitePairs += 1
        let d = x - q
        signal += x * x
        noise += d * d
        let a = abs(d)
        if a > maxAbsError { maxAbsError = a }
        if q == 0 && x != 0 { flushed += 1 }
        if isSaturated { saturated += 1 }
    }

    /// Adds another accumulator's elements (sums add; maxima take the max).
    public mutating func merge(_ o: ErrorAccumulator) {
        elements += o.elements
        finitePairs += o.finitePairs
        nan += o.nan
        idealNaN += o.idealNaN
        nonFinite += o.nonFinite
        flushed += o.flushed
        saturated += o.saturated
        signal += o.signal
        noise += o.noise
        maxAbsError = max(maxAbsError, o.maxAbsError)
    }

    /// SQNR in dB: `10 log10(signal / noise)` = `10 log10(sum x^2 / sum (x - q)^2)` over the
    /// finite pairs.
    ///
    /// Edge Cases: `+inf` when the noise is 0 and the signal is not (exact); `nil` when there
    /// is no signal (no finite pairs, or every ideal value is 0): the ratio says nothing then.
    public var sqnrDB: Double? {
        guard signal > 0 else { return nil }
        if noise == 0 { return .infinity }
        return 10 * log10(signal / noise)
    }

    /// Relative Frobenius error `sqrt(sum (x - q)^2 / sum x^2)` over the finite pairs.
    ///
    /// Edge Cases: 0 when both sums are 0; `nil` when only the signal is 0.
    public var relativeFrobenius: Double? {
        if signal > 0 { return (noise / signal).squareRoot() }
        return noise == 0 ? 0 : nil
    }

    /// The summary of what was added.
    public var summary: ErrorSummary {
        ErrorSummary(elements: elements, finitePairs: finitePairs, sqnrDB: sqnrDB, relativeFrobenius: relativeFrobenius,
                     maxAbsError: maxAbsError, nan: nan, idealNaN: idealNaN, nonFinite: nonFinite,
                     saturated: saturated, flushed: flushed)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
