import FP8

/// Which per-element hypotheses fit the payload, rather than matching wrong bytes by chance
/// (SPEC 8.2: a cause must be the producer's, not a coincidence).
///
/// A truncating cast, a recipe variant (NaN arithmetic, power-of-two or fp32/fp64 scale rounding,
/// an amax NaN policy, a scale mode, a cast policy), -0 written as 0x80 in a format without -0,
/// and the runner's poison byte each predict one code per element, so among random wrong bytes
/// each matches about one in 255 of the elements where it predicts something else than the
/// reference. A producer that really truncates, or really rounds its scales up, shows it wherever
/// the prediction differs. So after a first attribution, each such hypothesis that explained a
/// mismatch is kept only if it fits:
/// - truncation, -0 as 0x80 and the variants: of the compared elements where the hypothesis's
///   code differs from the reference's (all of them, or an even sample of 2^24 in a larger
///   tensor), at least half carry the hypothesis's code (PR #4179's flat-block model,
///   `straddleFits`, asks 9 in 10 of the same count);
/// - the poison byte (a kernel that leaves elements unwritten leaves runs of them): per row, at
///   least half of the row's mismatches are 0xA5.
/// Found on 2026-12-05 (scripts/bench/attribution.sh: 25 % random bytes in a 98432 x 2048
/// payload): 196,313 mismatches were named "element not written (the runner's poison byte)",
/// 90,360 "cast rounds toward zero" and 198,354 "pow2 rounding", all by chance; with this check
/// all 50.4 M are unexplained, as random bytes are (reports/attribution-2026-12-05.md).
struct ChanceFits: Sendable {
    var truncation = true
    var negativeZero = true
    /// Per variant of `PayloadHypotheses.variants`.
    var variants: [Bool]
    /// Per row: whether 0xA5 may be named the poison byte (empty: every row).
    var poisonRows: [Bool] = []

    /// Every hypothesis kept (before a first attribution).
    static func all(variants: Int) -> ChanceFits { ChanceFits(keeping: variants) }

    private init(keeping variantCount: Int) { variants = [Bool](repeating: true, count: variantCount) }

    var keepsAll: Bool { truncation && negativeZero && !variants.contains(false) && poisonRows.isEmpty }

    /// Samples of the fit test at most (`all` elements below it).
    static let sampleLimit = 1 << 24

    /// The fits of the hypotheses that explained mismatches in `first`.
    init(check: PayloadCheck, hypotheses h: PayloadHypotheses, first: MismatchTally, mismatches: [Int]) {
        variants = [Bool](repeating: true, count: h.variantViews.count)
        let explained = { (id: Int) in first.countByID.indices.contains(id) && first.countByID[id] > 0 }
        let testTruncation = explained(h.slips.ids.truncation), testNegativeZero = explained(h.slips.ids.negativeZero)
        let tested = h.variantCauses.indices.filter { explained(h.variantCauses[$0]) }
        let columns = check.grouping.columns
        let n = check.grouping.rows * columns
        if (testTruncation || testNegativeZero || !tested.isEmpty) && n > 0 {
            let step = max(1, (n + Self.sampleLimit - 1) / Self.sampleLimit)
            let samples = (n + step - 1) / step
            let slots = tested.count + 2  // then truncation, -0 as 0x80
            let counts = check.withFrame(groupOfRow: []) { f in
                mapChunksConcurrently(count: samples, chunk: 1 << 16) { range in
                    var differs = [Int](repeating: 0, count: slots), carried = [Int](repeating: 0, count: slots)
                    for k in range {
                        let i = k * step
                        let (r, c) = (i / columns, i % columns)
                        guard f.rowBase[r] >= 0 else { continue }
                        let s = h.scaleIndex(row: r, column: c, f)
                        let (x, e, a) = (f.source[i], f.expected[i], f.actual[i])
                        for (slot, j) in tested.enumerated() {
                            let code = h.variantViews[j].code(x, scaleIndex: s)
                            if code != e { differs[slot] += 1; if code == a { carried[slot] += 1 } }
                        }
                        if testTruncation {
                            let code = h.slips.truncated(x: x, scaleIndex: s)
                            if code != e { differs[slots - 2] += 1; if code == a { carried[slots - 2] += 1 } }
                        }
                        if testNegativeZero && h.slips.predictsNegativeZero(x: x, scaleIndex: s, expected: e) {
                            differs[slots - 1] += 1
                            if a == 0x80 { carried[slots - 1] += 1 }
                        }
                    }
                    return (differs, carried)
                }
            }
            func fits(_ slot: Int) -> Bool {
                let d = counts.reduce(0) { $0 + $1.0[slot] }, m = counts.reduce(0) { $0 + $1.1[slot] }
                return m * 2 >= d
            }
            for (slot, j) in tested.enumerated() { variants[j] = fits(slot) }
            if testTruncation { truncation = fits(slots - 2) }
            if testNegativeZero { negativeZero = fits(slots - 1) }
        }
        if explained(h.slips.ids.poison) {
            var perRow = [(mismatches: Int, poison: Int)](repeating: (0, 0), count: check.grouping.rows)
            for i in mismatches {
                perRow[i / columns].mismatches += 1
                if check.actual[i] == PayloadSlips.poisonByte { perRow[i / columns].poison += 1 }
            }
            poisonRows = perRow.map { $0.poison * 2 >= $0.mismatches }
            if !poisonRows.contains(false) { poisonRows = [] }
        }
    }
}
