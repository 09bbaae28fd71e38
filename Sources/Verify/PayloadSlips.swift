import FP8
import Groups
import Recipes

/// Payload hypotheses for one-line slips in a kernel's cast or apply pass (issue 12 item 6: the
/// planted bugs of hip/mutants/, reports/mutation-causes-2026-12-05.md). Each reproduces the
/// actual code of one element; `PayloadHypotheses.cause` tries them at the places its doc
/// comment gives.
///
/// - `negativeZero`: a format without -0 (e4m3fnuz, e5m2fnuz) whose code 0x80 is its NaN, written
///   where the reference code is 0x00 and the input is negative and finite, its product with the
///   producer's scale rounding to zero (a -0):
///   the cast kept the sign of a zero code (hip/kernels/fp8_cast.h `fp32_to_fp8_raw` step 5,
///   mutant 14).
/// - `rawInPayload`: with `input_nan_to_num` declared, the code of the RAW input (no nan_to_num
///   in the multiply) with the producer's scale (the reference's when it wrote none): the amax
///   saw nan_to_num(x), the payload pass did not (mutants 02, 03).
/// - `poison`: the actual byte is 0xA5, the byte hip/runner/runner.cpp `run_job` fills the output
///   with before the kernel runs (`hipMemsetAsync(out.ptr, 0xA5, ...)`). The runner declares
///   its fill in no attribute, so the constant is matched here; tried last, after every hypothesis
///   that reproduces the code from the input (0xA5 is also a finite code) (mutant 12).
/// - `truncation`: the code of |x * scale| rounded toward zero instead of to nearest even where
///   the product is in the format's normal range (the subnormal path of the cast rounds by an
///   fp32 add and is left as it is), with the producer's scale (mutant 15).
/// - `offByOne`: under a per-group reduction, the LAST row of group g (offsets[g] - 1)
///   quantized with the scale of the next non-empty group: a group lookup comparing
///   `offsets[mid] > row + 1` (mutant 09). Distinct from PR #4179's flat blocks, which give the
///   FIRST rows of a group the previous group's scale. The last row of the last non-empty group
///   is then in no group, and hip/kernels writes code 0x00 for rows of no group:
///   `groupOffByOneOutside`. Under `per_expert` the experts are the groups (offsets K, 2K, ...).
struct PayloadSlips: @unchecked Sendable {
    static let negativeZero = MismatchCause.negativeZeroAsNaN
    static func rawInPayload(nan: Bool) -> String { MismatchCause.rawInputInPayload(nan: nan) }
    static let poisonByte: UInt8 = 0xA5
    static let poison = MismatchCause.runnerPoisonKept
    static let truncation = MismatchCause.castTruncates
    static let offByOne = MismatchCause.groupOffByOnePayload

    let format: FP8Format
    let declaredNaNToNum: Bool
    /// The producer's scales (the reference's when it wrote none), under the recipe, and the raw
    /// input (no nan_to_num).
    let own: ScaledCodeTable
    let raw: ScaledCodeTable?
    let scales: [Float]
    let fp8Max: Float
    let nanArithmetic: NaNArithmetic
    let minNormal: Float
    /// Per group: the next non-empty group (-1: none); per row: whether it is its group's last.
    let nextGroup: [Int]
    let lastRowGroup: [Int]
    let columns: Int
    let columnStride: Int
    let ids: (negativeZero: Int, rawNaN: Int, rawInf: Int, poison: Int, truncation: Int, offByOne: Int, offByOneOutside: Int)

    init(check: PayloadCheck, names: inout MismatchTally) {
        let recipe = check.recipe
        format = recipe.format
        declaredNaNToNum = recipe.inputNaNToNum
        scales = check.producerScales ?? check.expected.scales
        own = ScaledCodeTable(recipe: recipe, scales: scales)
        if recipe.inputNaNToNum {
            var r = recipe
            r.inputNaNToNum = false
            raw = ScaledCodeTable(recipe: r, scales: scales)
        } else {
            raw = nil
        }
        fp8Max = Float(recipe.fp8Max)
        nanArithmetic = recipe.nanArithmetic
        minNormal = Float(sign: .plus, exponent: format.minNormalExponent, significand: 1)
        columns = check.grouping.columns
        columnStride = check.grouping.columnStride
        var last = [Int](repeating: -1, count: check.grouping.rows)
        var next: [Int] = []
        if let o = check.blockOffsets {
            next = [Int](repeating: -1, count: o.groupCount)
            var following = -1
            for g in stride(from: o.groupCount - 1, through: 0, by: -1) {
                next[g] = following
                let rows = o.rows(of: g)
                if !rows.isEmpty {
                    if rows.upperBound - 1 < last.count { last[rows.upperBound - 1] = g }
                    following = g
                }
            }
        }
        nextGroup = next
        lastRowGroup = last
        ids = (names.id(of: Self.negativeZero), names.id(of: Self.rawInPayload(nan: true)), names.id(of: Self.rawInPayload(nan: false)),
               names.id(of: Self.poison), names.id(of: Self.truncation), names.id(of: Self.offByOne),
               names.id(of: MismatchCause.groupOffByOneOutside))
    }

    @inline(__always)
    func negativeZero(x: UInt16, scaleIndex s: Int, expected e: UInt8, actual a: UInt8) -> Int? {
        a == 0x80 && predictsNegativeZero(x: x, scaleIndex: s, expected: e) ? ids.negativeZero : nil
    }

    /// Whether the sign-keeping cast would write 0x80 here (where the reference writes 0x00).
    @inline(__always)
    func predictsNegativeZero(x: UInt16, scaleIndex s: Int, expected e: UInt8) -> Bool {
        !format.hasNegativeZero && e == 0 && x & 0x8000 != 0 && x & 0x7F80 != 0x7F80 && own.view.code(x, scaleIndex: s) == 0
    }

    @inline(__always)
    func rawInput(x: UInt16, scaleIndex s: Int, actual a: UInt8) -> Int? {
        guard let raw, x & 0x7FFF >= 0x7F80, raw.view.code(x, scaleIndex: s) == a else { return nil }
        return x & 0x7FFF > 0x7F80 ? ids.rawNaN : ids.rawInf
    }

    @inline(__always)
    func poison(actual a: UInt8) -> Int? { a == Self.poisonByte ? ids.poison : nil }

    /// The code toward zero of x * scale (see the type's comment).
    func truncated(x: UInt16, scaleIndex s: Int) -> UInt8 {
        let c = own.view.code(x, scaleIndex: s)
        let bits = declaredNaNToNum ? NaNToNum.bf16(x) : x
        let y = ScaleApplication.apply(Float(bf16Bits: bits), scale: scales[s], fp8Max: fp8Max, nan: nanArithmetic)
        guard y.isFinite, abs(y) >= minNormal, c & 0x7F != 0 else { return c }
        let v = format.decode(c)
        return !v.isNaN && abs(v) > Double(abs(y)) ? c - 1 : c
    }

    @inline(__always)
    func truncation(x: UInt16, scaleIndex s: Int, actual a: UInt8) -> Int? {
        truncated(x: x, scaleIndex: s) == a ? ids.truncation : nil
    }

    @inline(__always)
    func offByOne(x: UInt16, row r: Int, column c: Int, actual a: UInt8) -> Int? {
        guard !nextGroup.isEmpty, lastRowGroup[r] >= 0 else { return nil }
        let n = nextGroup[lastRowGroup[r]]
        guard n >= 0 else { return a == 0 ? ids.offByOneOutside : nil }
        return own.view.code(x, scaleIndex: columnStride == 0 ? n : n * columns + c) == a ? ids.offByOne : nil
    }
}

extension PayloadCheck {
    /// Whether PR #4179's flat-block lookup at `size` fits the whole payload, not a few codes by
    /// chance: of the elements the model moves to another group's scale where that scale gives
    /// another code than the reference, at least 9 in 10 carry that code. (A block that spans
    /// the whole tensor moves every later group to group 0; an unrelated bug's wrong codes then
    /// match group 0's scale here and there, which this refuses.)
    func straddleFits(size: Int) -> Bool {
        guard let offsets = blockOffsets else { return false }
        let columns = grouping.columns
        let model = FlatBlockGroups(blockSize: size, columns: columns, rows: grouping.rows, offsets: offsets)
        let scales = ScaledCodeTable(recipe: recipe, scales: producerScales ?? expected.scales)
        let groupOfRow = offsets.groupOfRow(rows: grouping.rows)
        let parts = withFrame(groupOfRow: groupOfRow) { f in
            let sv = scales.view
            return mapChunksConcurrently(count: grouping.rows, chunk: max(1, (1 << 16) / max(columns, 1))) { rows in
                var (changed, carried) = (0, 0)
                for r in rows where f.groupOfRow[r] >= 0 {
                    for i in r * columns..<(r + 1) * columns {
                        let g = model.group(ofElement: i)
                        guard g != f.groupOfRow[r] else { continue }
                        let code = sv.code(f.source[i], scaleIndex: scaleIndex(group: g, column: i % columns))
                        guard code != f.expected[i] else { continue }
                        changed += 1
                        if f.actual[i] == code { carried += 1 }
                    }
                }
                return (changed, carried)
            }
        }
        let (changed, carried) = parts.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        return changed > 0 && carried * 10 >= changed * 9
    }
}

extension PayloadCheck {
    /// Per row with mismatches under a per-group reduction: whether the previous / next group's
    /// reference scale reproduces EVERY mismatch of the row, and either one of them is a code
    /// that is not saturated (+-max) or there are two or more. The near-boundary straddle names
    /// only such rows: a row a kernel quantized with its neighbour's scale shows it in all its
    /// codes, while a lone saturated code follows from any larger scale.
    func neighbourRows(_ mismatches: [Int]) -> [Int: (previous: Bool, next: Bool)] {
        guard reduction.usesOffsets, let offsets else { return [:] }
        let columns = grouping.columns
        let groupOfRow = offsets.groupOfRow(rows: grouping.rows)
        let reference = ScaledCodeTable(recipe: recipe, scales: expected.scales)
        let ref = reference.view
        let saturated = recipe.format.maxFiniteCode & 0x7F
        var state: [Int: (previous: Bool, next: Bool, previousInformative: Bool, nextInformative: Bool, count: Int)] = [:]
        for i in mismatches {
            let (r, c) = (i / columns, i % columns)
            let own = groupOfRow[r]
            guard own >= 0 else { continue }
            let (x, a) = (source.bits[i], actual[i])
            let p = own > 0 && ref.code(x, scaleIndex: scaleIndex(group: own - 1, column: c)) == a
            let n = own + 1 < offsets.groupCount && ref.code(x, scaleIndex: scaleIndex(group: own + 1, column: c)) == a
            let informative = a & 0x7F != saturated
            var s = state[r] ?? (true, true, false, false, 0)
            s.count += 1
            s.previous = s.previous && p
            s.next = s.next && n
            s.previousInformative = s.previousInformative || (p && informative)
            s.nextInformative = s.nextInformative || (n && informative)
            state[r] = s
        }
        return state.mapValues { ($0.previous && ($0.previousInformative || $0.count > 1), $0.next && ($0.nextInformative || $0.count > 1)) }
    }
}
