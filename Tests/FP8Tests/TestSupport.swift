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

/// Inputs where special values are decided, with a label each, for both signs: NaNs as fp32,
/// bf16 and fp16 hold them (quiet and signalling), +-Inf, +-0, the largest finite value, the
/// overflow midpoint above it and their fp32 neighbours, values far past the range (largest
/// fp32 and fp64), the smallest positive value, half of it and its neighbours, and far
/// underflow (around ROCm's 2^(minNormalExponent - 63) cut-off, fp32's smallest subnormal,
/// fp64's smallest subnormal).
func specialInputs(_ format: FP8Format) -> [(String, Double)] {
    var out: [(String, Double)] = []
    for (source, bits) in [(BinaryFormat.f32, UInt32(0x7FC0_0000)), (.f32, 0x7F80_0001), (.f32, 0x7FFF_FFFF),
                           (.bf16, 0x7FC0), (.bf16, 0x7F81), (.f16, 0x7E00), (.f16, 0x7C01)] {
        let sign = UInt32(1) << UInt32(source.bitWidth - 1)
        out.append(("\(source) \(hex(bits, width: source.bitWidth / 4))", source.decode(bits)))
        out.append(("\(source) \(hex(bits | sign, width: source.bitWidth / 4))", source.decode(bits | sign)))
    }
    let max = format.maxFinite
    let below = NearestCodeOracle(format).ladder.dropLast().last!.value
    let smallest = format.minPositive
    let farCutoff = Double(sign: .plus, exponent: format.minNormalExponent - 63, significand: 1)
    var magnitudes: [(String, Double)] = [
        ("inf", .infinity), ("0", 0), ("max", max), ("below max", below), ("max + ulp/2", max + (max - below) / 2),
        ("max + ulp", max + (max - below)), ("1.5 max", 1.5 * max), ("2 max", 2 * max),
        ("fp32 max", Double(Float.greatestFiniteMagnitude)), ("fp64 max", .greatestFiniteMagnitude),
        ("smallest", smallest), ("smallest / 2", smallest / 2), ("1.5 smallest", 1.5 * smallest),
        ("3/4 smallest", 0.75 * smallest), ("smallest / 4", smallest / 4),
        ("far cut-off", farCutoff), ("3 far cut-off", 3 * farCutoff), ("2^-100", 0x1p-100), ("2^-126", 0x1p-126),
        ("2^-127", 0x1p-127), ("2^-128", 0x1p-128), ("fp32 min", Double(Float.leastNonzeroMagnitude)),
        ("fp64 min", .leastNonzeroMagnitude),
    ]
    // fp32 neighbours of every finite magnitude above.
    for (label, v) in magnitudes where v.isFinite && v != 0 && v <= Double(Float.greatestFiniteMagnitude)
        && v >= Double(Float.leastNonzeroMagnitude) {
        magnitudes.append((label + " f32-", Double(Float(v).nextDown)))
        magnitudes.append((label + " f32+", Double(Float(v).nextUp)))
    }
    for (label, v) in magnitudes {
        out.append((label, v))
        out.append(("-" + label, -v))
    }
    return out
}
