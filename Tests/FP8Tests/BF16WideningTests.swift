import FP8
import Testing

/// `Float(bf16Bits:)` against the generic decoder (`BinaryFormat.bf16.decode`, which reads the
/// sign, exponent and mantissa fields) on all 65536 bf16 patterns: the same value and sign,
/// the low 16 bits of the fp32 zero, and a NaN's high half (sign, quiet bit, payload) kept.
@Suite struct BF16WideningTests {
    @Test func everyPatternWidensExactly() {
        var bad: [String] = []
        for b in UInt16.min...UInt16.max {
            let f = Float(bf16Bits: b)
            let want = BinaryFormat.bf16.decode(UInt32(b))
            let sameValue = want.isNaN ? f.isNaN : Double(f) == want && f.sign == want.sign
            let sameBits = f.bitPattern >> 16 == UInt32(b) && f.bitPattern & 0xFFFF == 0
            if !(sameValue && sameBits) && bad.count < 8 {
                bad.append("0x\(String(b, radix: 16)) -> 0x\(String(f.bitPattern, radix: 16)) (\(f)), decode \(want)")
            }
        }
        #expect(bad.isEmpty, "first \(bad.count): \(bad)")
    }
}
