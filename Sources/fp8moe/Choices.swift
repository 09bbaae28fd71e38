import FP8

/// Command-line spellings of formats, policies, source types and rounding rules; each parser
/// throws an InputError (exit status 2) that lists the known spellings.
func parseFormat(_ name: String) throws -> FP8Format {
    guard let f = FP8Format(named: name) else {
        throw InputError("unknown format '\(name)' (known: \(FP8Format.all.map(\.name).joined(separator: ", ")))")
    }
    return f
}

func parsePolicy(_ name: String) throws -> ConversionPolicy {
    guard let p = ConversionPolicy(named: name) else {
        throw InputError("unknown policy '\(name)' (known: \(ConversionPolicy.all.map(\.name).joined(separator: ", ")))")
    }
    return p
}

func parseSource(_ name: String) throws -> BinaryFormat {
    guard let s = BinaryFormat(named: name) else { throw InputError("unknown source type '\(name)' (known: f32, bf16, f16)") }
    return s
}

/// `rne`, `rz`, `ru`, or `sr:BITS` (stochastic, BITS a 32-bit integer, decimal or 0x hex).
func parseRounding(_ text: String) throws -> RoundingRule {
    switch text.lowercased() {
    case "rne", "nearest": return .toNearestOrEven
    case "rz", "zero": return .towardZero
    case "ru", "up": return .upward
    default:
        if text.lowercased().hasPrefix("sr:") {
            let v = text.dropFirst(3)
            let bits = v.lowercased().hasPrefix("0x") ? UInt32(v.dropFirst(2), radix: 16) : UInt32(v)
            if let bits { return .stochastic(bits) }
        }
        throw InputError("unknown rounding '\(text)' (known: rne, rz, ru, sr:BITS)")
    }
}
