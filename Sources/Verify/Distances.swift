import FP8

/// Distances in units in the last place, through the monotone map from sign-magnitude bits to
/// integers (-0 and +0 are one step apart for formats that have -0).
enum Distances {
    static func fp8(_ a: UInt8, _ b: UInt8, _ format: FP8Format) -> Double? {
        if format.decode(a).isNaN || format.decode(b).isNaN { return nil }
        return Double(abs(ordinal8(a, format) - ordinal8(b, format)))
    }

    static func ordinal8(_ c: UInt8, _ format: FP8Format) -> Int {
        guard format.isSigned else { return Int(c) }
        let magnitude = Int(c & 0x7F)
        return c & 0x80 != 0 ? -magnitude - (format.hasNegativeZero ? 1 : 0) : magnitude
    }

    static func fp32(_ a: Float, _ b: Float) -> Double? {
        if a.isNaN || b.isNaN { return nil }
        func ordinal(_ x: Float) -> Int64 {
            let m = Int64(x.bitPattern & 0x7FFF_FFFF)
            return x.sign == .minus ? -m - 1 : m
        }
        return Double(abs(ordinal(a) - ordinal(b)))
    }
}
