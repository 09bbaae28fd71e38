import FP8
import Recipes

/// The payload comparison of one operand: every element's code against the reference, then
/// every mismatch attributed to the first cause that reproduces it (SPEC 8.2).
///
/// Attribution tries, per element, in order: both codes NaN (NaN byte sign); the input's NaN or
/// Inf with `input_nan_to_num` toggled; a NaN product clamped to +max; saturation vs NaN; the
/// producer's own scale, when it differs (named after that scale's cause); PR #4179's flat-block
/// group lookup at the block size that reproduces most mismatches (`FlatBlockGroups`); the
/// adjacent group's scale near a boundary; then recipe variants with their own scales (NaN
/// arithmetic, power-of-two and fp32/fp64 scale rounding, amax NaN policies, cast policies).
struct PayloadCheck {
    let recipe: Recipe
    let source: BF16Tensor
    let grouping: ScaleGrouping
    let reduction: Reduction
    let expected: QuantizedTensor
    let actual: [UInt8]
    let offsets: GroupOffsets?
    /// The producer's scales when it wrote them (and their count fits).
    let producerScales: [Float]?

    /// Flat indices of every mismatch, ascending, elements compared, and the largest code distance.
    struct Comparison: Sendable {
        var indices: [Int] = []
        var elements = 0
        var maxUlp: Double?
    }

    func compare() -> Comparison {
        let (columns, format) = (grouping.columns, recipe.format)
        let parts = actual.withUnsafeBufferPointer { a in
            expected.codes.withUnsafeBufferPointer { e in
                let (ar, er) = (SharedReads(a), SharedReads(e))
                return mapChunksConcurrently(count: grouping.rows, chunk: max(1, (1 << 16) / max(columns, 1))) { rows in
                    var out = Comparison()
                    for r in rows where grouping.rowBase[r] >= 0 {
                        out.elements += columns
                        for i in r * columns..<(r + 1) * columns where ar.buffer[i] != er.buffer[i] {
                            out.indices.append(i)
                            if let u = Distances.fp8(er.buffer[i], ar.buffer[i], format) { out.maxUlp = max(out.maxUlp ?? 0, u) }
                        }
                    }
                    return out
                }
            }
        }
        var all = Comparison()
        all.indices.reserveCapacity(parts.reduce(0) { $0 + $1.indices.count })
        for p in parts {
            all.indices += p.indices
            all.elements += p.elements
            if let u = p.maxUlp { all.maxUlp = max(all.maxUlp ?? 0, u) }
        }
        return all
    }

    /// The block size of PR #4179's flat-block group lookup that reproduces the most of these
    /// mismatches (ties: the smallest), or nil when none reproduces any or the reduction has
    /// no groups. Mismatches the producer's own scale of the element's group already explains
    /// do not vote (attribution tries that first): a payload that only follows a contaminated
    /// scale shows no straddle.
    func straddleBlockSize(_ mismatches: [Int]) -> Int? {
        guard reduction.usesOffsets, let offsets, !mismatches.isEmpty else { return nil }
        let scales = producerScales ?? expected.scales
        let quantizer = Quantizer(recipe: recipe)
        let own = offsets.groupOfRow(rows: grouping.rows)
        var best: (size: Int, votes: Int)?
        for size in FlatBlockGroups.candidateSizes {
            let model = FlatBlockGroups(blockSize: size, columns: grouping.columns, rows: grouping.rows, offsets: offsets)
            let votes = mapChunksConcurrently(count: mismatches.count, chunk: 1 << 16) { range in
                var n = 0
                for m in range {
                    let i = mismatches[m]
                    let g = model.group(ofElement: i), ownGroup = own[i / grouping.columns]
                    guard g != ownGroup else { continue }
                    let x = source.bits[i]
                    if let p = producerScales,
                       quantizer.code(bf16Bits: x, scale: p[scaleIndex(group: ownGroup, column: i % grouping.columns)]) == actual[i] {
                        continue
                    }
                    if quantizer.code(bf16Bits: x, scale: scales[scaleIndex(group: g, column: i % grouping.columns)]) == actual[i] { n += 1 }
                }
                return n
            }.reduce(0, +)
            if votes > (best?.votes ?? 0) { best = (size, votes) }
        }
        return best?.size
    }

    /// The scale index of group `g` and `column` under a per-group reduction.
    func scaleIndex(group g: Int, column: Int) -> Int {
        grouping.columnStride == 0 ? g : g * grouping.columns + column
    }

    /// Attributes every mismatch; `scaleCauses[s]` is the attributed cause of the producer's
    /// scale s when it mismatches.
    func attribute(_ mismatches: [Int], straddleSize: Int?, scaleCauses: [String?]) -> MismatchTally {
        let hypotheses = PayloadHypotheses(check: self, straddleSize: straddleSize, scaleCauses: scaleCauses)
        let columns = grouping.columns
        let groups: Int? = source.shape.count == 3 ? source.shape[0] : offsets?.groupCount
        let groupOfRow = offsets?.groupOfRow(rows: grouping.rows)
        let parts = mapChunksConcurrently(count: mismatches.count, chunk: 1 << 15) { range in
            var tally = MismatchTally(groups: groups, rows: grouping.rows)
            for m in range {
                let i = mismatches[m]
                let r = i / columns
                let g: Int? = source.shape.count == 3 ? r / max(source.shape[1], 1)
                    : groupOfRow.flatMap { $0[r] >= 0 ? $0[r] : nil }
                tally.add(index: i, cause: hypotheses.cause(at: i), group: g, row: r)
            }
            return tally
        }
        var tally = MismatchTally(groups: groups, rows: grouping.rows)
        for p in parts { tally.append(p) }
        return tally
    }

    /// The rows where groups begin, for the strip: offsets (2-D) or multiples of K (3-D).
    var boundaries: [Int] {
        if source.shape.count == 3 { return (1..<max(source.shape[0], 1)).map { $0 * source.shape[1] } }
        guard let offsets else { return [] }
        return Array(offsets.ends.dropLast().filter { $0 > 0 && $0 < grouping.rows })
    }
}

/// The per-element hypotheses of `PayloadCheck.attribute`, built once per dataset.
struct PayloadHypotheses: @unchecked Sendable {
    let check: PayloadCheck
    let quantizer: Quantizer
    /// `input_nan_to_num` toggled, with its own scales.
    let toggledNaNToNum: (quantizer: Quantizer, scales: [Float])
    let straddle: (model: FlatBlockGroups, scales: [Float], cause: String)?
    let groupOfRow: [Int]?
    /// Recipe variants, each with its scales and the cause it names.
    let variants: [(quantizer: Quantizer, scales: [Float], cause: String)]
    let scaleCauses: [String?]

    init(check: PayloadCheck, straddleSize: Int?, scaleCauses: [String?]) {
        self.check = check
        self.scaleCauses = scaleCauses
        let recipe = check.recipe
        quantizer = Quantizer(recipe: recipe)
        func scales(_ v: Recipe) -> [Float] { Quantizer(recipe: v).scales(check.source.bits, grouping: check.grouping) }
        var t = recipe
        t.inputNaNToNum.toggle()
        toggledNaNToNum = (Quantizer(recipe: t), scales(t))
        if let size = straddleSize, let offsets = check.offsets {
            straddle = (FlatBlockGroups(blockSize: size, columns: check.grouping.columns, rows: check.grouping.rows, offsets: offsets),
                        check.producerScales ?? check.expected.scales, MismatchCause.groupBoundary(blockSize: size))
        } else {
            straddle = nil
        }
        groupOfRow = check.reduction.usesOffsets ? check.offsets?.groupOfRow(rows: check.grouping.rows) : nil
        var variants: [(Quantizer, [Float], String)] = []
        var v = recipe
        v.nanArithmetic = recipe.nanArithmetic == .canonical ? .propagate : .canonical
        variants.append((Quantizer(recipe: v), check.expected.scales, MismatchCause.nanByteSign))
        v = recipe
        v.scalePow2.toggle()
        variants.append((Quantizer(recipe: v), scales(v), MismatchCause.pow2Rounding))
        v = recipe
        v.scaleCompute = recipe.scaleCompute == .fp64 ? .fp32 : .fp64
        variants.append((Quantizer(recipe: v), scales(v), MismatchCause.scaleRounding))
        for policy in AmaxNaNPolicy.allCases where policy != recipe.amaxNaN {
            v = recipe
            v.amaxNaN = policy
            variants.append((Quantizer(recipe: v), scales(v), MismatchCause.amaxNaNPolicy))
        }
        for policy in ConversionPolicy.all where policy != recipe.castPolicy {
            v = recipe
            v.castPolicy = policy
            variants.append((Quantizer(recipe: v), check.expected.scales,
                             "cast policy \(policy.name) instead of \(recipe.castPolicy.name)"))
        }
        self.variants = variants
    }

    /// The first cause that reproduces the actual code at flat index `i`, or nil.
    func cause(at i: Int) -> String? {
        let g = check.grouping
        let (r, c) = (i / g.columns, i % g.columns)
        let s = g.rowBase[r] + c * g.columnStride
        let x = check.source.bits[i]
        let (e, a) = (check.expected.codes[i], check.actual[i])
        let f = check.recipe.format
        if f.decode(e).isNaN && f.decode(a).isNaN { return MismatchCause.nanByteSign }
        let inputIsNaN = x & 0x7FFF > 0x7F80, inputIsInfinite = x & 0x7FFF == 0x7F80
        if (inputIsNaN || inputIsInfinite) && toggledNaNToNum.quantizer.code(bf16Bits: x, scale: toggledNaNToNum.scales[s]) == a {
            return MismatchCause.inputNaNToNum(sanitised: !check.recipe.inputNaNToNum, nan: inputIsNaN)
        }
        if let cause = MismatchCause.nanSaturation(recipe: check.recipe, input: x, expected: e, actual: a,
                                                   scale: check.expected.scales[s]) {
            return cause
        }
        if let p = check.producerScales, p[s].bitPattern != check.expected.scales[s].bitPattern,
           quantizer.code(bf16Bits: x, scale: p[s]) == a {
            return MismatchCause.followsProducerScale(scaleCauses.indices.contains(s) ? scaleCauses[s] : nil)
        }
        if let straddle, let own = groupOfRow?[r] {
            let kernelGroup = straddle.model.group(ofElement: i)
            if kernelGroup != own,
               quantizer.code(bf16Bits: x, scale: straddle.scales[check.scaleIndex(group: kernelGroup, column: c)]) == a {
                return straddle.cause
            }
        }
        if let groupOfRow, let offsets = check.offsets, groupOfRow[r] >= 0 {
            let own = groupOfRow[r]
            let rows = offsets.rows(of: own)
            for n in [own - 1, own + 1] where n >= 0 && n < offsets.groupCount
                && (r - rows.lowerBound < 256 || rows.upperBound - r <= 256) {
                if quantizer.code(bf16Bits: x, scale: check.expected.scales[check.scaleIndex(group: n, column: c)]) == a {
                    return MismatchCause.groupBoundaryUnsized
                }
            }
        }
        for v in variants where v.quantizer.code(bf16Bits: x, scale: v.scales[s]) == a { return v.cause }
        return nil
    }
}
