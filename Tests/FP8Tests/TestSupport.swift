import FP8

/// Collects disagreements and renders the first few in hex, TestFloat style.
struct Mismatches {
    let limit = 10
    private(set) var count = 0
    private(set) var shown: [String] = []
    mutating func record(_ line: @autoclosure () -> String) {
        count += 1
        if shown.count < limit { shown.append(line()) }
    }
    var summary: String { "\(count) mismatches; first: " + shown.joined(separator: "; ") }
}

func hex(_ v: some BinaryInteger, width: Int) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, width - s.count)) + s
}

/// fp32 inputs on and around every rounding boundary of `format`: each representable value,
/// each midpoint between neighbours (and the overflow midpoint above the max), and one fp32 ulp
/// either side of each, for both signs.
func roundingBoundaryInputs(_ format: FP8Format) -> [UInt32] {
    let oracle = NearestCodeOracle(format)
    var values = oracle.ladder.map(\.value)
    let top = values[values.count - 1]
    values.append(top + (top - values[values.count - 2]))  // beyond-max, for the overflow midpoint
    var points: [Float] = []
    for i in 0..<values.count {
        points.append(Float(values[i]))
        if i + 1 < values.count { points.append(Float((values[i] + values[i + 1]) / 2)) }
    }
    var bits: [UInt32] = []
    for p in points where p.isFinite {
        for q in [p.nextDown, p, p.nextUp] where q.isFinite {
            bits.append(q.bitPattern)
            bits.append((-q).bitPattern)
        }
    }
    return bits
}
