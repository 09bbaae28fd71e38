import FP8
import Groups
import Recipes
import Schema

/// The payload comparison of one operand: every element's code against the reference, then
/// every mismatch attributed to the first cause that reproduces it (SPEC 8.2).
///
/// Attribution tries, per element, in order: both codes NaN (NaN byte sign); -0 written as 0x80
/// (`PayloadSlips`); unless the code follows the producer's own differing scale: the input's NaN
/// or Inf with `input_nan_to_num` toggled, the raw input in the payload only, a NaN product
/// clamped to +max, saturation vs NaN; the producer's own scale, when it differs (named after
/// that scale's cause); the lane's own scale of a rowwise reduction left partial
/// (`PartialRowReduction`); PR #4179's flat-block group lookup at the block size that reproduces most
/// mismatches and fits the payload (`FlatBlockGroups`, `straddleFits`); a group lookup off by one;
/// the adjacent group's scale near a boundary (not for a saturated code); a truncating cast; then
/// recipe variants with their own scales (NaN arithmetic, power-of-two and fp32/fp64 scale
/// rounding, amax NaN policies, cast policies); last the runner's poison byte. The truncating
/// cast, the variants and the poison byte name a code only where they fit the payload rather
/// than match a wrong byte by chance (`ChanceFits`), and so does -0 written as 0x80.
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
        let (actual, expected) = (self.actual, self.expected.codes)
        let parts = mapChunksConcurrently(count: grouping.rows, chunk: max(1, (1 << 16) / max(columns, 1))) { rows in
            actual.withUnsafeBufferPointer { ar in
                expected.withUnsafeBufferPointer { er in
                    var out = Comparison()
                    for r in rows where grouping.rowBase[r] >= 0 {
                        out.elements += columns
                        for i in r * columns..<(r + 1) * columns where ar[i] != er[i] {
                            out.indices.append(i)
                            if let u = Distances.fp8(er[i], ar[i], format) { out.maxUlp = max(out.maxUlp ?? 0, u) }
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
    /// mismatches among those whose model fits the payload (`straddleFits`; ties: the
    /// smallest), or nil when none reproduces any or the reduction has no groups. Mismatches the producer's own scale of the element's group already explains
    /// do not vote (attribution tries that first): a payload that only follows a contaminated
    /// scale shows no straddle. Returns every size with the most votes (the `declared` one
    /// alone when it is among them).
    func straddleBlockSizes(_ mismatches: [Int], declared: Int?) -> [Int] {
        let votes = votesBySize(mismatches)
        // The most votes among the sizes whose model fits the payload (`straddleFits`).
        for level in Set(votes.map(\.votes)).filter({ $0 > 0 }).sorted(by: >) {
            let winners = votes.filter { $0.votes == level }.map(\.size).filter { straddleFits(size: $0) }
            guard !winners.isEmpty else { continue }
            if let declared, winners.contains(declared) { return [declared] }
            return winners
        }
        return []
    }

    /// How many mismatches each candidate block size reproduces.
    func votesBySize(_ mismatches: [Int]) -> [(size: Int, votes: Int)] {
        guard let offsets = blockOffsets, !mismatches.isEmpty else { return [] }
        let scales = ScaledCodeTable(recipe: recipe, scales: producerScales ?? expected.scales)
        let own = ScaledCodeTable(recipe: recipe, scales: producerScales ?? [])
        let hasProducerScales = producerScales != nil
        let groupOfRow = offsets.groupOfRow(rows: grouping.rows)
        let columns = grouping.columns
        var out: [(size: Int, votes: Int)] = []
        for size in FlatBlockGroups.candidateSizes {
            let model = FlatBlockGroups(blockSize: size, columns: columns, rows: grouping.rows, offsets: offsets)
            let votes = withFrame(groupOfRow: groupOfRow) { f in
                let (sv, ov) = (scales.view, own.view)
                return mapChunksConcurrently(count: mismatches.count, chunk: 1 << 16) { range in
                    var n = 0
                    for m in range {
                        let i = mismatches[m]
                        let g = model.group(ofElement: i), ownGroup = f.groupOfRow[i / columns]
                        guard g != ownGroup else { continue }
                        let (x, a) = (f.source[i], f.actual[i])
                        if hasProducerScales && ov.code(x, scaleIndex: scaleIndex(group: ownGroup, column: i % columns)) == a { continue }
                        if sv.code(x, scaleIndex: scaleIndex(group: g, column: i % columns)) == a { n += 1 }
                    }
                    return n
                }.reduce(0, +)
            }
            out.append((size, votes))
        }
        return out
    }

    /// The group boundaries of the flat-block model (`FlatBlockGroups.boundaries`).
    var blockOffsets: GroupOffsets? { FlatBlockGroups.boundaries(reduction: reduction, shape: source.shape, offsets: offsets) }

    /// The scale index of group `g` and `column` under a per-group reduction.
    @inline(__always)
    func scaleIndex(group g: Int, column: Int) -> Int {
        grouping.columnStride == 0 ? g : g * grouping.columns + column
    }

    /// The tensors of the check as plain buffers, for the hot loops.
    struct Frame: @unchecked Sendable {
        let source: UnsafeBufferPointer<UInt16>
        let expected: UnsafeBufferPointer<UInt8>
        let actual: UnsafeBufferPointer<UInt8>
        let rowBase: UnsafeBufferPointer<Int>
        /// The group of every row (-1: none); empty when the tensor has no row groups.
        let groupOfRow: UnsafeBufferPointer<Int>
    }

    func withFrame<R>(groupOfRow: [Int], _ body: (Frame) -> R) -> R {
        source.bits.withUnsafeBufferPointer { x in
            expected.codes.withUnsafeBufferPointer { e in
                actual.withUnsafeBufferPointer { a in
                    grouping.rowBase.withUnsafeBufferPointer { rb in
                        groupOfRow.withUnsafeBufferPointer { g in
                            body(Frame(source: x, expected: e, actual: a, rowBase: rb, groupOfRow: g))
                        }
                    }
                }
            }
        }
    }

    /// Attributes every mismatch; `scaleCauses[s]` is the attributed cause of the producer's
    /// scale s when it mismatches.
    func attribute(_ mismatches: [Int], straddleSizes: [Int], scaleCauses: [String?]) -> MismatchTally {
        let groups: Int? = source.shape.count == 3 ? source.shape[0] : offsets?.groupCount
        var names = MismatchTally(groups: groups, rows: grouping.rows)
        var built = PayloadHypotheses(check: self, straddleSizes: straddleSizes, scaleCauses: scaleCauses, names: &names)
        built.neighbourRows = neighbourRows(mismatches)
        let first = tally(mismatches, hypotheses: built, template: names)
        // Per-element hypotheses that only matched wrong bytes by chance explain nothing
        // (`ChanceFits`): attribute again without them.
        let fits = ChanceFits(check: self, hypotheses: built, first: first, mismatches: mismatches)
        guard !fits.keepsAll else { return first }
        built.fits = fits
        return tally(mismatches, hypotheses: built, template: names)
    }

    /// Every mismatch's first cause under `hypotheses`, counted into a copy of `template`.
    private func tally(_ mismatches: [Int], hypotheses: PayloadHypotheses, template: MismatchTally) -> MismatchTally {
        let columns = grouping.columns
        let expertRows = source.shape.count == 3 ? max(source.shape[1], 1) : 0
        // The groups of the flat-block model where it applies (per_expert: the experts), else the
        // fixture's (rowwise payloads count their mismatches by group too).
        let groupOfRow = (blockOffsets ?? offsets)?.groupOfRow(rows: grouping.rows) ?? []
        let parts = withFrame(groupOfRow: groupOfRow) { f in
            mapChunksConcurrently(count: mismatches.count, chunk: 1 << 15) { range in
                var tally = template
                for m in range {
                    let i = mismatches[m]
                    let r = i / columns
                    let g: Int? = expertRows > 0 ? r / expertRows : (f.groupOfRow.isEmpty || f.groupOfRow[r] < 0 ? nil : f.groupOfRow[r])
                    tally.add(index: i, causeID: hypotheses.cause(at: i, f), group: g, row: r)
                }
                return tally
            }
        }
        var tally = template
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

/// The per-element hypotheses of `PayloadCheck.attribute`, built once per dataset; every cause
/// is an id of the dataset's tally.
struct PayloadHypotheses: @unchecked Sendable {
    let format: FP8Format
    let columns: Int
    let columnStride: Int
    /// Columns per scale along a row (SPEC 8.3 `block_1xC`; 1 otherwise).
    let columnBlock: Int
    let declaredNaNToNum: Bool
    let maxFiniteCode: UInt8
    /// The recipe with the reference scales, and with the producer's.
    let reference: ScaledCodeTable
    let producer: ScaledCodeTable?
    let producerView: ScaledCodeTable.View?
    let producerDiffers: [Bool]
    let referenceScales: [Float]
    /// Per scale index: the cause id of "follows the producer's scale" for that scale.
    let followsProducer: [Int]
    /// `input_nan_to_num` toggled, with its own scales; cause ids (NaN, Inf).
    let toggled: ScaledCodeTable
    let toggledCause: (nan: Int, inf: Int)
    /// Per scale: whether the toggled recipe may explain its block, i.e. the producer wrote no
    /// scale or wrote the toggled recipe's scale (a producer whose scale is the declared one did
    /// not sanitise: torchao's blockwise kernels write +448 for +Inf through `tl.clamp` of
    /// Inf * 0, which nan_to_num would also give).
    let toggledFits: [Bool]
    let nanClampedToMax: Int, saturationVsNaN: Int, nanByteSign: Int
    /// PR #4179's lookup at the payload's straddling block size (`hasStraddle`).
    let hasStraddle: Bool
    let straddleModel: FlatBlockGroups
    let straddleOwner: ScaledCodeTable
    let straddleCodes: ScaledCodeTable.View
    let straddleCause: Int
    /// Near-boundary fallback (per-group reductions): each group's first and end row.
    let groupLower: [Int], groupUpper: [Int]
    let groupBoundary: Int
    /// Recipe variants, each with its scales and the cause id it names.
    let variants: [(codes: ScaledCodeTable, cause: Int)]
    let variantViews: [ScaledCodeTable.View]
    let variantCauses: [Int]
    /// One-line kernel slips (`PayloadSlips`).
    let slips: PayloadSlips
    /// A rowwise reduction left partial (`PartialRowReduction.payloadModel`): the layout's lane
    /// scales and its cause id.
    let partial: (table: ScaledCodeTable, view: ScaledCodeTable.View, model: PartialRowReduction, cause: Int)?
    /// Rows near a boundary where the adjacent group's reference scale reproduces every mismatch.
    var neighbourRows: [Int: (previous: Bool, next: Bool)] = [:]
    /// Which chance-prone hypotheses may name a code (`ChanceFits`; all until the first tally).
    var fits: ChanceFits

    init(check: PayloadCheck, straddleSizes: [Int], scaleCauses: [String?], names: inout MismatchTally) {
        let straddleSize = straddleSizes.first
        let recipe = check.recipe
        format = recipe.format
        columns = check.grouping.columns
        columnStride = check.grouping.columnStride
        columnBlock = check.grouping.columnBlock
        declaredNaNToNum = recipe.inputNaNToNum
        maxFiniteCode = recipe.format.maxFiniteCode
        func scales(_ v: Recipe) -> [Float] { Quantizer(recipe: v).scales(check.source.bits, grouping: check.grouping) }
        reference = ScaledCodeTable(recipe: recipe, scales: check.expected.scales)
        referenceScales = check.expected.scales
        if let p = check.producerScales {
            producer = ScaledCodeTable(recipe: recipe, scales: p)
            producerDiffers = zip(p, check.expected.scales).map { $0.bitPattern != $1.bitPattern }
            followsProducer = p.indices.map { names.id(of: MismatchCause.followsProducerScale(scaleCauses.indices.contains($0) ? scaleCauses[$0] : nil)) }
        } else {
            (producer, producerDiffers, followsProducer) = (nil, [], [])
        }
        producerView = producer?.view
        var t = recipe
        t.inputNaNToNum.toggle()
        let toggledScales = scales(t)
        toggled = ScaledCodeTable(recipe: t, scales: toggledScales)
        toggledFits = check.producerScales.map { p in
            zip(p, toggledScales).map { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
        } ?? [Bool](repeating: true, count: toggledScales.count)
        toggledCause = (names.id(of: MismatchCause.inputNaNToNum(sanitised: !recipe.inputNaNToNum, nan: true)),
                        names.id(of: MismatchCause.inputNaNToNum(sanitised: !recipe.inputNaNToNum, nan: false)))
        nanClampedToMax = names.id(of: MismatchCause.nanClampedToMax)
        saturationVsNaN = names.id(of: MismatchCause.saturationVsNaN)
        nanByteSign = names.id(of: MismatchCause.nanByteSign)
        let offsets = check.blockOffsets
        hasStraddle = straddleSize != nil && offsets != nil
        straddleModel = FlatBlockGroups(blockSize: straddleSize ?? 1, columns: check.grouping.columns,
                                        rows: hasStraddle ? check.grouping.rows : 0, offsets: offsets ?? GroupOffsets([Int]()))
        straddleOwner = ScaledCodeTable(recipe: recipe, scales: check.producerScales ?? check.expected.scales)
        straddleCodes = straddleOwner.view
        straddleCause = names.id(of: straddleSizes.isEmpty ? MismatchCause.groupBoundaryUnsized : MismatchCause.groupBoundary(blockSizes: straddleSizes))
        groupLower = offsets.map { o in (0..<o.groupCount).map { o.rows(of: $0).lowerBound } } ?? []
        groupUpper = offsets.map { o in (0..<o.groupCount).map { o.rows(of: $0).upperBound } } ?? []
        groupBoundary = names.id(of: MismatchCause.groupBoundaryUnsized)
        var variants: [(ScaledCodeTable, Int)] = []
        var v = recipe
        v.nanArithmetic = recipe.nanArithmetic == .canonical ? .propagate : .canonical
        variants.append((ScaledCodeTable(recipe: v, scales: check.expected.scales), nanByteSign))
        v = recipe
        v.scalePow2.toggle()
        variants.append((ScaledCodeTable(recipe: v, scales: scales(v)), names.id(of: MismatchCause.pow2Rounding)))
        v = recipe
        v.scaleCompute = recipe.scaleCompute == .fp64 ? .fp32 : .fp64
        variants.append((ScaledCodeTable(recipe: v, scales: scales(v)), names.id(of: MismatchCause.scaleRounding)))
        for policy in AmaxNaNPolicy.allCases where policy != recipe.amaxNaN {
            v = recipe
            v.amaxNaN = policy
            variants.append((ScaledCodeTable(recipe: v, scales: scales(v)), names.id(of: MismatchCause.amaxNaNPolicy)))
        }
        if recipe.scaleFormat == .e8m0 {  // SPEC 8.3: the other scale modes
            for mode in ScaleMode.allCases where mode != recipe.scaleMode {
                v = recipe
                v.scaleMode = mode
                variants.append((ScaledCodeTable(recipe: v, scales: scales(v)), names.id(of: BlockScaleCauses.scaleMode(mode))))
            }
        }
        for policy in ConversionPolicy.all where policy != recipe.castPolicy {
            v = recipe
            v.castPolicy = policy
            variants.append((ScaledCodeTable(recipe: v, scales: check.expected.scales),
                             names.id(of: "cast policy \(policy.name) instead of \(recipe.castPolicy.name)")))
        }
        self.variants = variants
        variantViews = variants.map(\.0.view)
        variantCauses = variants.map(\.1)
        fits = .all(variants: variants.count)
        slips = PayloadSlips(check: check, names: &names)
        partial = PartialRowReduction.payloadModel(check: check).map { ($0.table, $0.table.view, $0.model, names.id(of: $0.model.cause)) }
    }

    @inline(__always)
    func scaleIndex(group g: Int, column: Int) -> Int { columnStride == 0 ? g : g * columns + column }

    /// The scale index of the element at (row r, column c) under the check's grouping.
    @inline(__always)
    func scaleIndex(row r: Int, column c: Int, _ f: PayloadCheck.Frame) -> Int {
        f.rowBase[r] + (columnBlock == 1 ? c : c / columnBlock) * columnStride
    }

    /// The id of the first cause that reproduces the actual code at flat index `i` (0: none).
    @inline(__always)
    func cause(at i: Int, _ f: PayloadCheck.Frame) -> Int {
        let (r, c) = (i / columns, i % columns)
        let s = scaleIndex(row: r, column: c, f)
        let x = f.source[i]
        let (e, a) = (f.expected[i], f.actual[i])
        let (eNaN, aNaN) = (format.decode(e).isNaN, format.decode(a).isNaN)
        if eNaN && aNaN { return nanByteSign }
        if fits.negativeZero, let id = slips.negativeZero(x: x, scaleIndex: s, expected: e, actual: a) { return id }
        let inputIsNaN = x & 0x7FFF > 0x7F80, inputIsInfinite = x & 0x7FFF == 0x7F80
        // A code that follows the producer's own (differing) scale is that scale's: a NaN or Inf
        // input's saturated code follows from it as well as from a missing nan_to_num, and a NaN
        // code from a NaN scale is no saturation choice.
        let followsOwnScale = producerView.map { producerDiffers[s] && $0.code(x, scaleIndex: s) == a } ?? false
        if !followsOwnScale && (inputIsNaN || inputIsInfinite) && toggledFits[s] && toggled.view.code(x, scaleIndex: s) == a {
            return inputIsNaN ? toggledCause.nan : toggledCause.inf
        }
        if !followsOwnScale, let id = slips.rawInput(x: x, scaleIndex: s, actual: a) { return id }
        if (eNaN || aNaN) && !followsOwnScale {
            // `saturation vs NaN` and its refinement `NaN clamped to +max` (MismatchCause).
            if eNaN && a == maxFiniteCode && (inputIsNaN || (inputIsInfinite && (referenceScales[s] == 0 || x & 0x8000 != 0))) {
                return nanClampedToMax
            }
            if (eNaN && a & 0x7F == maxFiniteCode & 0x7F) || (aNaN && e & 0x7F == maxFiniteCode & 0x7F) { return saturationVsNaN }
        }
        if let p = producerView, producerDiffers[s], p.code(x, scaleIndex: s) == a { return followsProducer[s] }
        if let p = partial, p.view.code(x, scaleIndex: r * p.model.lanes + p.model.lane(ofColumn: c)) == a { return p.cause }
        if !f.groupOfRow.isEmpty && !groupLower.isEmpty {
            let own = f.groupOfRow[r]
            if hasStraddle {
                let kernelGroup = straddleModel.group(ofElement: i)
                if kernelGroup != own && straddleCodes.code(x, scaleIndex: scaleIndex(group: kernelGroup, column: c)) == a {
                    return straddleCause
                }
            }
            if let id = slips.offByOne(x: x, row: r, column: c, actual: a) { return id }
            // Only in a row whose every mismatch the neighbour's scale reproduces, one of them not
            // saturated (`PayloadCheck.neighbourRows`): a lone saturated code follows from any
            // larger scale and names no neighbour.
            if own >= 0, let fit = neighbourRows[r], (r - groupLower[own] < 256 || groupUpper[own] - r <= 256) {
                let ref = reference.view
                if fit.previous && own > 0 && ref.code(x, scaleIndex: scaleIndex(group: own - 1, column: c)) == a { return groupBoundary }
                if fit.next && own + 1 < groupLower.count && ref.code(x, scaleIndex: scaleIndex(group: own + 1, column: c)) == a { return groupBoundary }
            }
        }
        if fits.truncation, let id = slips.truncation(x: x, scaleIndex: s, actual: a) { return id }
        for j in 0..<variantViews.count where fits.variants[j] && variantViews[j].code(x, scaleIndex: s) == a {
            return variantCauses[j]
        }
        if !fits.poisonRows.isEmpty && !fits.poisonRows[r] { return 0 }
        return slips.poison(actual: a) ?? 0
    }
}
