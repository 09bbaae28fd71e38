import FP8
import Groups
import Recipes
import Schema

/// The scale comparison of one operand: every scale bit for bit (NaN equals NaN), every
/// mismatch attributed (SPEC 8.2).
///
/// Attribution tries, per scale, in order: fp32 vs fp64 arithmetic; power-of-two rounding (and
/// both); another amax NaN policy; `input_nan_to_num` toggled; 1/(amax/fp8_max); fp8_max *
/// (1/amax) in fp32; the early
/// slips of `ScaleSlips` (pow2 rounded up, another format's fp8_max, the amax over non-negative
/// values, a rowwise reduction left partial); then, under a per-group reduction (or per_expert, experts as groups), PR #4179's
/// group lookup (`FlatBlockGroups`), the model that reproduces the most mismatching scales first
/// among those that fit the dataset (`consistent`): the tail rows counted in the last group, the
/// payload's straddling block size, the autotuner's config sets run into one amax buffer, any
/// single block size; a group lookup off by one; then the whole neighbouring group's amax; an
/// empty set; last an amax the set does not have (`ScaleSlips.lateCause`).
struct ScaleCheck {
    let recipe: Recipe
    let source: BF16Tensor
    let grouping: ScaleGrouping
    let reduction: Reduction
    let expected: [Float]
    let actual: [Float]
    let offsets: GroupOffsets?
    /// The block sizes the payload's straddling mismatches point to (empty: none).
    let payloadStraddleSizes: [Int]
    /// The producer's declared `block_size`, if any (a hint for naming, tried before the
    /// autotune sets when it reproduces as many scales).
    let declaredBlockSize: Int?
    /// Where the dataset's `staleVote` is a tie: name the stale amax (the producer's other
    /// operands voted for it).
    var staleOnTie = false

    static func same(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

    /// A multiplier as the producer stores it: its reciprocal under `scale_convention =
    /// reciprocal` (fp32 scales); e8m0 codes are compared as their multipliers (one to one).
    func stored(_ m: Float) -> Float {
        recipe.scaleFormat == .fp32 ? recipe.scaleConvention.stored(multiplier: m) : m
    }

    /// Mismatching scale indices, ascending.
    func mismatches() -> [Int] { expected.indices.filter { !Self.same(stored(expected[$0]), actual[$0]) } }

    /// The cause of every scale (nil where it matches or nothing reproduces it).
    func attribute(_ mismatches: [Int]) -> [Int: String?] { attributeWithVote(mismatches).causes }

    /// `attribute`, with the dataset's vote between a stale amax and a group lookup
    /// (`staleVote`).
    func attributeWithVote(_ mismatches: [Int]) -> (causes: [Int: String?], vote: StaleVote) {
        guard !mismatches.isEmpty else { return ([:], .none) }
        let bits = sanitisedBits
        let amax = Dictionary(uniqueKeysWithValues: AmaxNaNPolicy.allCases.map {
            ($0, Amax.compute(bits, grouping: grouping, policy: $0, concurrently: true))
        })
        var t = recipe
        t.inputNaNToNum.toggle()
        let toggled = Quantizer(recipe: t).scales(source.bits, grouping: grouping)
        // nan_to_num declared (on the input or in the amax), applied to NaN but not to +-Inf in
        // the amax pass (mutant 04, hip/mutants/04-amax-inf-not-clipped.mutant): the raw input's
        // amax with NaN skipped and Inf kept, which is the `ignore` policy.
        let infKept: [Float]? = recipe.inputNaNToNum || recipe.amaxNaN == .nanToNum
            ? Amax.compute(source.bits, grouping: grouping, policy: .ignore, concurrently: true)
                .map { ScaleArithmetic.scale(amax: $0, recipe: recipe) }
            : nil
        // One model explains a dataset: the one that reproduces the most mismatching scales is
        // tried first (ties: the order of `blockModels`).
        // A model names scales only when it is consistent with the dataset (`consistent`).
        let models = blockModels(bits).enumerated().map { (i, m) in
            (m, i, mismatches.filter { Self.same(stored(m.scales[$0]), actual[$0]) }.count)
        }.filter { consistent($0.0.scales) }.sorted { ($0.2, -$0.1) > ($1.2, -$1.1) }.map(\.0)
        let slips = ScaleSlips(check: self, bits: bits, ownAmax: amax[recipe.amaxNaN]!, mismatches: mismatches)
        var out: [Int: String?] = [:]
        var rest: [Int] = []
        for i in mismatches {
            if let c = leadingCause(i, amax: amax, toggledNaNToNum: toggled, infKept: infKept, slips: slips) { out[i] = c } else { rest.append(i) }
        }
        let vote = staleVote(rest, ownAmax: amax[recipe.amaxNaN]!, models: models, slips: slips)
        let preferStale = vote == .stale || (vote == .tie && staleOnTie)
        for i in rest {
            out[i] = trailingCause(i, ownAmax: amax[recipe.amaxNaN]!, models: models, slips: slips, preferStale: preferStale)
        }
        return (out, vote)
    }

    /// How the scales left after the leading causes split between a stale amax and the group
    /// lookup family (`staleVote`).
    enum StaleVote: Equatable {
        /// Neither explains any, or no lookup model applies.
        case none
        /// Some scale only the lookup family reproduces: a lookup bug.
        case lookup
        /// Both reproduce the same scales (a few sets), or the stale amax only empty sets' (as
        /// an unwritten scale holding an earlier one would): the dataset alone cannot tell.
        case tie
        /// The stale amax reproduces every scale the lookup family does, and more.
        case stale
    }

    /// Whether the scales left after the leading causes are one stale or foreign amax rather
    /// than a group lookup (mutant 11 against PR #4179's): both give sets a larger amax than
    /// their own, and on a few sets a block model or a neighbour's amax may reproduce some of a
    /// stale amax's scales by chance (the 9-in-10 fit of `consistent` is 2 of 2 there). The
    /// stale amax (`ScaleSlips.lateCause`, and for an empty set a finite scale of some bf16
    /// amax) is preferred for the whole dataset only where it reproduces every scale the group
    /// lookup family (block models, off by one, neighbouring group) does and more, a set with
    /// values among them: one cause for all of them against several for a part. A NaN scale of
    /// an empty set (a scale never written, mutant 10, where the runner poisoned the buffer) is
    /// no stale amax, and a finite one alone is a tie.
    /// A tie is decided by the producer (`Verifier`): where another operand of the same producer
    /// votes `stale` and none `lookup`, its tied datasets are judged again with `staleOnTie`.
    func staleVote(_ rest: [Int], ownAmax: [Double], models: [(scales: [Float], cause: String)], slips: ScaleSlips) -> StaleVote {
        // (A reduction without a lookup model, tensorwise or rowwise, votes too: its stale
        // amaxes are the producer's evidence for its per-group operands.)
        guard recipe.scaleFormat == .fp32 && recipe.scaleConvention == .multiplier, !rest.isEmpty else { return .none }
        var stale = 0, staleWithValues = 0, lookup = 0
        for i in rest {
            let a = actual[i]
            let own = ownAmax[i]
            // (A value of the set below its amax is a partial reduction, no stale amax.)
            let late = own == 0 && !a.isFinite ? nil : slips.lateCause(i, actual: a)
            let byStale = late != nil && late != MismatchCause.smallerAmax
            let byLookup = models.contains { Self.same(stored($0.scales[i]), a) } || slips.offByOneCause(i, actual: a) != nil
                || neighbourGroupCause(i, ownAmax: ownAmax) != nil
            if byLookup && !byStale { return .lookup }
            if byStale { stale += 1 }
            if byStale && own != 0 { staleWithValues += 1 }
            if byLookup { lookup += 1 }
        }
        // Empty sets alone are no evidence of a stale amax: a scale never written (mutant 10)
        // keeps whatever the buffer held, often an earlier call's scale.
        return stale > lookup && staleWithValues > 0 ? .stale : stale > 0 ? .tie : .none
    }

    /// The merged amax of the set and its neighbouring group's (unsized straddle).
    func neighbourGroupCause(_ i: Int, ownAmax: [Double]) -> String? {
        guard reduction.usesOffsets, let offsets else { return nil }
        let own = ownAmax[i]
        let step = reduction == .perGroup ? 1 : grouping.columns
        let g = i / step
        for n in [g - 1, g + 1] where n >= 0 && n < offsets.groupCount {
            let other = ownAmax[n * step + i % step]
            let merged = own.isNaN || other.isNaN ? Double.nan : max(own, other)
            if Self.same(stored(ScaleArithmetic.scale(amax: merged, recipe: recipe)), actual[i]) { return MismatchCause.groupBoundaryUnsized }
        }
        return nil
    }

    /// The source as the recipe's amax sees it.
    var sanitisedBits: [UInt16] { recipe.inputNaNToNum ? NaNToNum.apply(source.bits) : source.bits }

    /// Candidate scale vectors of PR #4179's group lookup, each with the cause it names, in the
    /// order they are tried. Empty unless the reduction is per group.
    /// `bits`: the source as the amax sees it (`sanitisedBits`).
    func blockModels(_ bits: [UInt16]) -> [(scales: [Float], cause: String)] {
        guard let offsets = FlatBlockGroups.boundaries(reduction: reduction, shape: source.shape, offsets: offsets) else { return [] }
        let columns = grouping.columns
        func amax(_ size: Int) -> [Double] {
            FlatBlockGroups(blockSize: size, columns: columns, rows: grouping.rows, offsets: offsets)
                .amax(bits, columnStride: grouping.columnStride, groups: offsets.groupCount, policy: recipe.amaxNaN)
        }
        func scales(_ a: [Double]) -> [Float] { a.map { ScaleArithmetic.scale(amax: $0, recipe: recipe) } }
        var bySize: [Int: [Double]] = [:]
        for size in FlatBlockGroups.candidateSizes { bySize[size] = amax(size) }
        var out: [([Float], String)] = []
        if offsets.covered < grouping.rows { out.append((scales(amax(columns)), MismatchCause.tailRowsInLastGroup)) }
        // The payload's straddling block size first, then the autotuner's config sets, then
        // every single block size (`attribute` orders them by how many scales each reproduces).
        if let s = payloadStraddleSizes.first, let a = bySize[s] {
            out.append((scales(a), MismatchCause.groupBoundary(blockSizes: payloadStraddleSizes)))
        }
        if let d = declaredBlockSize, !payloadStraddleSizes.contains(d) {
            out.append((scales(bySize[d] ?? amax(d)), MismatchCause.groupBoundary(blockSize: d)))
        }
        for set in FlatBlockGroups.autotuneSets {
            let merged = set.dropFirst().reduce(bySize[set[0]]!) { acc, size in
                zip(acc, bySize[size]!).map { $0.isNaN || $1.isNaN ? .nan : max($0, $1) }
            }
            out.append((scales(merged), MismatchCause.neighbouringAmax(blockSizes: set)))
        }
        for size in FlatBlockGroups.candidateSizes where size != payloadStraddleSizes.first && size != declaredBlockSize {
            out.append((scales(bySize[size]!), MismatchCause.groupBoundary(blockSize: size)))
        }
        return out
    }

    /// Whether a model of the group lookup fits the whole dataset, not one scale by chance: of
    /// the scales where the model's differs from the reference, at least 9 in 10 are the
    /// producer's (a real lookup bug changes exactly those; under power-of-two scales an
    /// unrelated wrong amax often lands on one model's scale for a few sets).
    func consistent(_ model: [Float]) -> Bool {
        var changed = 0, reproduced = 0
        for s in model.indices where !Self.same(model[s], expected[s]) {
            changed += 1
            if Self.same(stored(model[s]), actual[s]) { reproduced += 1 }
        }
        return changed > 0 && reproduced * 10 >= changed * 9
    }

    /// The causes tried before PR #4179's group lookup models.
    func leadingCause(_ i: Int, amax: [AmaxNaNPolicy: [Double]], toggledNaNToNum: [Float], infKept: [Float]?,
                      slips: ScaleSlips) -> String? {
        // Block recipes (SPEC 8.3) first: scale mode, NaN block scale, convention, EPS.
        let a = actual[i]
        func same(_ s: Float) -> Bool { Self.same(stored(s), a) }
        let own = amax[recipe.amaxNaN]![i]
        if let named = BlockScaleCauses.cause(recipe: recipe, amax: own, expected: expected[i], actual: a) { return named }
        var v = recipe
        v.scaleCompute = recipe.scaleCompute == .fp64 ? .fp32 : .fp64
        if same(ScaleArithmetic.scale(amax: own, recipe: v)) { return MismatchCause.scaleRounding }
        v = recipe
        v.scalePow2.toggle()
        if same(ScaleArithmetic.scale(amax: own, recipe: v)) { return MismatchCause.pow2Rounding }
        v.scaleCompute = recipe.scaleCompute == .fp64 ? .fp32 : .fp64
        if same(ScaleArithmetic.scale(amax: own, recipe: v)) { return MismatchCause.pow2Rounding + "; " + MismatchCause.scaleRounding }
        for other in AmaxNaNPolicy.allCases where other != recipe.amaxNaN {
            v = recipe
            v.amaxNaN = other
            if same(ScaleArithmetic.scale(amax: amax[other]![i], recipe: v)) { return MismatchCause.amaxNaNPolicy }
        }
        if same(toggledNaNToNum[i]) {
            return recipe.inputNaNToNum ? "amax without nan_to_num (input_nan_to_num declared)" : "amax over nan_to_num(x) (input_nan_to_num)"
        }
        if let infKept, same(infKept[i]) { return MismatchCause.amaxInfNotClipped }
        if !own.isNaN {
            var r = Float(own) / Float(recipe.fp8Max)
            r = Float(1) / max(r, Float(ScaleArithmetic.eps) / Float(recipe.fp8Max))
            if same(recipe.scalePow2 ? ScaleArithmetic.roundDownToPowerOfTwo(r) : r) { return MismatchCause.reciprocalScale }
            // fp8_max * (1/amax) in fp32 (mutant 06: hip/kernels/fp8_cast.h `scale_from_amax`'s fp64
            // quotient replaced by a reciprocal; the clamp to EPS in fp64, then to fp32).
            let m = Float(recipe.fp8Max) * (Float(1) / Float(max(own, ScaleArithmetic.eps)))
            if same(recipe.scalePow2 ? ScaleArithmetic.roundDownToPowerOfTwo(m) : m) { return MismatchCause.reciprocalTimesMax }
        }
        // The slips model kernels that store fp32 multipliers (their scales are compared with
        // the stored values as they are); other stored forms are left to the causes above.
        let slipsApply = recipe.scaleFormat == .fp32 && recipe.scaleConvention == .multiplier
        if slipsApply, let c = slips.earlyCause(i, actual: a) { return c }
        return nil
    }

    /// The causes from PR #4179's group lookup models on (`preferStale`: the dataset is one
    /// stale amax, `prefersStaleAmax`; the lookup family is skipped).
    func trailingCause(_ i: Int, ownAmax: [Double], models: [(scales: [Float], cause: String)], slips: ScaleSlips,
                       preferStale: Bool) -> String? {
        let a = actual[i]
        let own = ownAmax[i]
        let slipsApply = recipe.scaleFormat == .fp32 && recipe.scaleConvention == .multiplier
        if preferStale {
            if own == 0 && !a.isFinite { return MismatchCause.emptySet }
            if let c = slips.lateCause(i, actual: a) { return c }
        } else {
            for m in models where Self.same(stored(m.scales[i]), a) { return m.cause }
            if slipsApply, let c = slips.offByOneCause(i, actual: a) { return c }
            if let c = neighbourGroupCause(i, ownAmax: ownAmax) { return c }
        }
        if own == 0 { return MismatchCause.emptySet }
        return slipsApply ? slips.lateCause(i, actual: a) : nil
    }

    /// The (group, row, column) a scale index stands for, as `first_mismatch` reports it.
    func locate(_ i: Int) -> (group: Int?, row: Int?, column: Int?) {
        let last = grouping.scaleShape.last ?? 1
        switch reduction {
        case .tensorwise: return (nil, nil, nil)
        case .perExpert, .perGroup: return (i, nil, nil)
        case .perGroupColumn: return (i / last, nil, i % last)
        case .rowwise:
            if source.shape.count == 3 { return (i / last, nil, i % last) }
            return (offsets?.group(ofRow: i), i, nil)
        default:  // SPEC 8.3 blocks: the block's first row (of the (G*K) x N view) and column, and its group
            let row = (i / last) * grouping.rowBlock, column = (i % last) * grouping.columnBlock
            if source.shape.count == 3 { return (row / max(source.shape[1], 1), row % max(source.shape[1], 1), column) }
            return (offsets?.group(ofRow: row), row, column)
        }
    }
}
