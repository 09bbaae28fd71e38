/// Reading values typed by a person: decimal, hex float, or raw bits.
extension BinaryFormat {
    /// Why a piece of text is not a value of this format.
    public struct ParseError: Error, CustomStringConvertible {
        public let text: String
        public let reason: String
        public var description: String { "'\(text)': \(reason)" }
    }

    /// Parses `text` into this format's bits.
    ///
    /// - `0x` followed by hex digits only (no `.` or `p`): the raw bit pattern, which must fit in
    ///   `bitWidth` bits (`0x3f80` is bf16 1.0).
    /// - a decimal (`448`, `-1.5e-3`), a hex float (`0x1.cp8`), `inf`, `-inf` or `nan`: the number,
    ///   rounded to nearest even into this format (fp32 directly from the text; bf16 and fp16 from
    ///   the correctly rounded fp64 value, which rounds the same except for decimal strings within
    ///   2^-53 relative of a bf16/fp16 tie).
    public func parse(_ text: String) throws -> UInt32 {
        let t = text.trimmingCharacters(in: " \t\r")
        let lower = t.lowercased()
        let unsigned = lower.hasPrefix("-") || lower.hasPrefix("+") ? String(lower.dropFirst()) : lower
        if unsigned.hasPrefix("0x") && !unsigned.contains(".") && !unsigned.contains("p") {
            guard lower == unsigned, let bits = UInt64(unsigned.dropFirst(2), radix: 16) else {
                throw ParseError(text: text, reason: "not a bit pattern (expected 0x followed by hex digits)")
            }
            guard bits < (1 << UInt64(bitWidth)) else {
                throw ParseError(text: text, reason: "does not fit in \(name) (\(bitWidth) bits)")
            }
            return UInt32(bits)
        }
        if self == .f32 {
            guard let f = Float(t) else { throw notANumber(text) }
            return f.bitPattern
        }
        guard let d = Double(t) else { throw notANumber(text) }
        return roundToNearestEven(d)
    }

    private func notANumber(_ text: String) -> ParseError {
        ParseError(text: text, reason: "not a number (give a decimal, a hex float like 0x1.8p3, inf, nan, or \(name) bits like 0x\(String(repeating: "0", count: bitWidth / 4 - 2))3c)")
    }
}

private extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
