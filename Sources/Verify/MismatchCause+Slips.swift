import FP8

/// The causes of one-line kernel slips (issue 12 item 6; hypotheses in `ScaleSlips` and
/// `PayloadSlips`, which say exactly what each reproduces).
extension MismatchCause {
    // Scales.
    public static let pow2RoundedUp = "pow2 rounding up: 2^ceil(log2 s) instead of 2^floor(log2 s)"
    public static func otherFormatMax(_ used: FP8Format, instead declared: FP8Format) -> String {
        "scale from another format's fp8_max (\(used.maxFinite) of \(used.name) instead of \(declared.maxFinite) of \(declared.name))"
    }
    public static let nonNegativeAmax = "amax over the non-negative values only (sign kept in the amax key: max(x), not max(|x|))"
    public static let groupOffByOneAmax = "group boundary off by one: a group's last row counted in the next group's amax"
    public static let largerAmax = "amax larger than the set's own (the scale of an amax the set does not have: a stale or foreign amax, e.g. a scratch not reset between calls)"
    public static let foreignNaNAmax = "NaN scale from an amax the set does not have (a stale or foreign amax, e.g. a scratch not reset between calls)"
    public static let reciprocalTimesMax = scaleRounding + ": fp8_max * (1/amax) in fp32 (a reciprocal then a product, two fp32 roundings, instead of one fp64 quotient)"
    public static func partialRowAmax(vectorWidth v: Int, lanes: Int, vectorsPerRow: Int) -> String {
        let layout = lanes >= vectorsPerRow ? "each run of \(v) element\(v == 1 ? "" : "s")"
            : "each of \(lanes) lanes (run j of \(v) element\(v == 1 ? "" : "s") in lane j mod \(lanes))"
        return "amax smaller than the set's own: a partial reduction (\(layout) scaled by its own amax, no max across the row; the stored scale is the first one's)"
    }
    public static let foreignSmallerAmax = "amax smaller than the set's own and none of its values (a stale or foreign amax key, e.g. a scratch not reset between calls)"
    public static let smallerAmax = "amax smaller than the set's own (the scale of a value of the set below its amax: a partial reduction)"
    public static let amaxInfNotClipped = "amax without nan_to_num for Inf only (NaN sanitised, +-Inf kept: amax Inf, scale fp8_max/Inf = 0)"
    public static let emptySetScaleWithValues = "the empty set's scale (amax 0) where the set has values (a stale or foreign amax key, e.g. a scratch not reset between calls)"
    // Payloads.
    public static let negativeZeroAsNaN = "negative zero written as 0x80 (the NaN code of a format without -0)"
    public static func rawInputInPayload(nan: Bool) -> String {
        (nan ? "NaN" : "Inf") + " not sanitised in the payload only (the multiply saw the raw input; the amax and scale are the declared ones)"
    }
    public static let runnerPoisonKept = "element not written (the runner's poison byte 0xA5 kept)"
    public static let castTruncates = "cast rounds toward zero (truncation) instead of to nearest even"
    public static let groupOffByOneOutside = "group boundary off by one: the last group's last row taken as outside every group (code 0x00)"
    public static let groupOffByOnePayload = "group boundary off by one: a group's last row quantized with the next group's scale"
}
