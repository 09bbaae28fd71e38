import FP8
import Testing

/// The property `FP8Converter`'s fp32 table rests on: for every top-16-bit pattern `h`, every
/// non-zero low half `l` gives the code that the representative `h | 0x8000` gives (the table
/// stores that one code for all of them). Checked on the generic core with TestFloat's
/// walking-ones and walking-zeros patterns over the low 16 bits (0x0001, 0x0002, ... 0x8000;
/// 0xFFFE, 0xFFFD, ... 0x7FFF; and 0xFFFF), which take `l` to either end of its range and set
/// each bit alone: a rounding threshold strictly inside (h, h + 1 bf16 ulp) would put some of
/// them on either side of it.
///
/// Cost: 33 core conversions per h would be 2.2M per (format, policy), about a second in a debug
/// build, so the policies are taken once per rounding class, and the walking patterns over the
/// non-negative top halves (see the test). On a non-zero low half the input is never
/// zero, and a NaN or infinite top half makes every such input a NaN, so the code of such an
/// input is `g(R(x), sign)`, where the rounding result R (a representable magnitude, or "too
/// large") depends on the format and on the policy fields that place thresholds only: the
/// overflow test (before or after rounding, as applied to this format), ROCm's far-underflow
/// shift, and, in a zero-less format, the underflow rule. Every policy of a class therefore has
/// the property if R does. Each class is checked through a member whose overflow rule is
/// `.infinityOrNaN`, so that `g` tells "too large" from the largest finite value (where a class
/// has no such member, one of its members with that overflow rule: R is the same).
@Suite struct LowHalfTests {
    static let lowHalves: [UInt32] = (0..<16).map { 1 << UInt32($0) } + (0..<16).map { 0xFFFF ^ (1 << UInt32($0)) } + [0xFFFF]

    /// The fields of `policy` that place rounding thresholds for `format` (see above).
    static func roundingClass(_ policy: ConversionPolicy, _ format: FP8Format) -> String {
        let test = format.isSigned ? policy.overflowTest : policy.overflowTestInUnsigned ?? policy.overflowTest
        return format.isSigned ? "\(test) \(policy.farUnderflow)" : "\(test) \(policy.underflowWithoutZeroCode)"
    }

    /// One policy per rounding class of each format, overflow rule `.infinityOrNaN`.
    static let cases: [(FP8Format, ConversionPolicy)] = FP8Format.all.flatMap { format in
        var seen: [String: ConversionPolicy] = [:]
        var order: [String] = []
        for policy in ConversionPolicy.all {
            let key = roundingClass(policy, format)
            if seen[key] == nil { order.append(key) }
            if seen[key] == nil || (seen[key]!.overflow != .infinityOrNaN && policy.overflow == .infinityOrNaN) {
                seen[key] = policy
            }
        }
        return order.map { key in
            var policy = seen[key]!
            if policy.overflow != .infinityOrNaN { policy.overflow = .infinityOrNaN; policy.name += " (overflow to NaN/Inf)" }
            return (format, policy)
        }
    }

    @Test func everyPolicyHasItsClass() {
        #expect(Self.lowHalves.count == 33 && Set(Self.lowHalves).count == 33)
        for format in FP8Format.all {
            let classes = Set(Self.cases.filter { $0.0 == format }.map { Self.roundingClass($0.1, format) })
            #expect(ConversionPolicy.all.allSatisfy { classes.contains(Self.roundingClass($0, format)) })
        }
        // Signed formats: before/after rounding x exact/x86 shift; e8m0fnu: three underflow rules.
        #expect(Self.cases.count >= 4 * 4 + 3, "\(Self.cases.map { "\($0.0) \($0.1)" })")
    }

    /// Every non-negative top half h (32768), 33 low halves each: the code of `h | l` is that of
    /// `h | 0x8000`. Negative top halves get the two ends, 0x0001 and 0xFFFF: the funnel rounds
    /// the magnitude, so the walking patterns would repeat the positive side's check.
    @Test(arguments: LowHalfTests.cases)
    func walkingBitsInLowHalfKeepTheCode(format: FP8Format, policy: ConversionPolicy) {
        var bad = Mismatches()
        for h in UInt32(0)...0xFFFF {
            let high = h << 16
            let representative = format.encode(Double(Float(bitPattern: high | 0x8000)), policy: policy)
            for low in h < 0x8000 ? Self.lowHalves : [0x0001, 0xFFFF] {
                let code = format.encode(Double(Float(bitPattern: high | low)), policy: policy)
                if code != representative {
                    bad.record("f32 \(hex(high | low, width: 8)): \(hex(code, width: 2)) but \(hex(high | 0x8000, width: 8)) gives \(hex(representative, width: 2))")
                }
            }
        }
        #expect(bad.count == 0, "\(format) \(policy): \(bad.summary)")
    }
}
