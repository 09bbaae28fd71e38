import FP8
import Recipes

/// The causes verify names (SPEC 6 and 8.2), one line each. A cause is named only when it
/// reproduces the actual value: the hypotheses that try them are in `PayloadCheck`,
/// `ScaleCheck` and `GEMMCheck`.
public enum MismatchCause {
    public static let saturationVsNaN = "saturation vs NaN"
    /// The product x * scale was NaN (a NaN input, or +-Inf times a zero scale) and the producer
    /// wrote +max: its clamp dropped the NaN. Measured in torchao 0.18's fused Triton kernels on
    /// the H100 (fixtures/peers): `tl.clamp` returns +fp8_max for NaN, even for -NaN and -Inf.
    /// A refinement of `saturationVsNaN`, which it starts with.
    public static let nanClampedToMax = saturationVsNaN + ": the NaN product was clamped to +max (as Triton's tl.clamp does)"
    public static let nanByteSign = "NaN byte sign"
    /// Rows assigned to the neighbouring group near a boundary, block size unknown.
    public static let groupBoundaryUnsized = "block straddles group boundary"
    public static let scaleRounding = "scale rounding (fp32 vs fp64)"
    public static let pow2Rounding = "pow2 rounding"
    public static let amaxNaNPolicy = "amax NaN policy (propagate, nan_to_num or ignore)"
    public static let reciprocalScale = "scale computed as 1/(amax/fp8_max) (two fp32 roundings)"
    /// Rows past offsets[G-1] counted in the last group's amax (PR #4179's lookup clamps to G-1).
    public static let tailRowsInLastGroup = "rows past offsets[G-1] counted in the last group's amax (the group lookup clamps to G-1)"
    public static let nanNotPropagated = "NaN not propagated (a NaN or Inf operand reaches this output)"
    public static let spuriousNaN = "spurious NaN"
    /// A non-finite output where `S = sum |a b|` (scales applied) exceeds fp32 max: the partial
    /// sums of an fp32 accumulator (or of fp32 / bf16 dequantized products) can reach +-Inf, and
    /// Inf - Inf is NaN, in any order, whatever E is. Seen in torchao's emulated blockwise GEMM
    /// on rows holding bf16-max values (fixtures/peers/torchao-specials.h5).
    public static let fp32AccumulatorOverflow = "fp32 accumulator overflow (sum |a b| exceeds fp32 max)"
    public static let epilogueOverflow = "epilogue overflow to Inf where the exact result is finite"
    public static let accumulationBeyondBound = "accumulation beyond the declared bound (accum_eps)"
    public static let emptySet = "empty set (amax 0): expected fp8_max / 1e-12 with the recipe's rounding"

    /// A flat block of `blockSize` elements given its first row's group (`FlatBlockGroups`).
    public static func groupBoundary(blockSize: Int) -> String {
        "block straddles group boundary (BLOCK_SIZE \(blockSize) reproduces it)"
    }

    /// `groupBoundary` when several block sizes reproduce the mismatches equally (a tensor of
    /// at most `sizes[0]` elements is one block under every larger size too).
    public static func groupBoundary(blockSizes sizes: [Int]) -> String {
        guard sizes.count > 1 else { return groupBoundary(blockSize: sizes[0]) }
        let candidates = FlatBlockGroups.candidateSizes
        if sizes == Array(candidates.drop { $0 < sizes[0] }) {
            return "block straddles group boundary (BLOCK_SIZE \(sizes[0]) or larger reproduces it)"
        }
        return "block straddles group boundary (BLOCK_SIZE " + sizes.map(String.init).joined(separator: " or ") + " reproduce it)"
    }

    /// A scale whose amax took in a neighbouring group's elements, reproduced by an amax over
    /// flat blocks of `blockSizes` elements run into one buffer (several: the autotuner's first
    /// call benchmarking every config into the same amax buffer).
    public static func neighbouringAmax(blockSizes: [Int]) -> String {
        if blockSizes.count > 1 {
            return "scale from a neighbouring group's amax (the autotuner's first call ran BLOCK_SIZE "
                + blockSizes.map(String.init).joined(separator: ", ") + " into one amax buffer)"
        }
        return "scale from a neighbouring group's amax (an amax over flat blocks of \(blockSizes[0]) elements reproduces it)"
    }

    /// The payload used the producer's scale, which differs from the reference; `scaleCause` is
    /// that scale's own attributed cause.
    public static func followsProducerScale(_ scaleCause: String?) -> String {
        guard let scaleCause, scaleCause != MismatchTally.unexplained else {
            return "payload follows the producer's scale, which differs from the reference"
        }
        return scaleCause + "; the payload follows that scale"
    }

    /// A NaN or Inf input with `input_nan_to_num` the other way round from the declaration.
    public static func inputNaNToNum(sanitised: Bool, nan: Bool) -> String {
        switch (sanitised, nan) {
        case (true, true): "NaN sanitised to zero (nan_to_num in the payload)"
        case (true, false): "Inf sanitised to +-bf16 max (nan_to_num in the payload)"
        case (false, true): "NaN not sanitised (input_nan_to_num declared, no nan_to_num in the payload)"
        case (false, false): "Inf not sanitised (input_nan_to_num declared, no nan_to_num in the payload)"
        }
    }
}
