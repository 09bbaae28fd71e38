// Module Generate: `fp8moe generate`: fixture inputs made deterministically from a seed
// (GeneratorConfig: shapes, value distributions, routing, injected special values;
// SeededRandom). The reference results written beside them come from Schema's FixtureWriter.
// A new distribution, routing or injection is a case of GeneratorConfig's enums, drawn here.

import Groups
import Schema
import FP8
import Recipes

/// Makes fixture inputs from a `GeneratorConfig`, deterministically from its seed.
///
/// Each tensor gets its own generator stream (seed, tensor index), so changing one tensor's
/// shape leaves the others' leading values alone.
public enum FixtureGenerator {
    public static func inputs(_ c: GeneratorConfig) -> FixtureInputs {
        let offsets = routing(c)
        var a = tensor(rows: c.m, columns: c.k, base: 1, c, stream: 1)
        var b = tensor(rows: c.g * c.k, columns: c.n, base: 0x1p-6, c, stream: 2)
        var go = c.withGradOut ? tensor(rows: c.m, columns: c.n, base: 0x1p-10, c, stream: 3) : []
        var rng = SeededRandom(seed: c.seed &* 0x100 &+ 4)
        for injection in c.injections {
            switch injection {
            case .nan:
                if c.m > 0 && c.k > 1 {
                    let r = rng.below(c.m)
                    a[r * c.k + rng.below(c.k)] = 0x7FC0
                    a[r * c.k + rng.below(c.k)] = 0xFFC0
                }
                if c.withGradOut && c.m > 0 && c.n > 0 {
                    go[rng.below(c.m) * c.n + rng.below(c.n)] = 0xFFC1
                }
            case .inf:
                if c.m > 1 && c.k > 0 {
                    a[rng.below(c.m) * c.k + rng.below(c.k)] = 0x7F80
                    a[rng.below(c.m) * c.k + rng.below(c.k)] = 0xFF80
                }
                if c.withGradOut && c.m > 0 && c.n > 0 { go[rng.below(c.m) * c.n + rng.below(c.n)] = 0xFF80 }
                if c.g > 0 && c.k > 0 && c.n > 0 { b[rng.below(c.g * c.k) * c.n + rng.below(c.n)] = 0x7F80 }
            case .subnormal:
                for _ in 0..<max(1, c.m * c.k / 64) where c.m > 0 && c.k > 0 {
                    a[rng.below(c.m * c.k)] = UInt16(1 + rng.below(0x7F)) | (rng.below(2) == 0 ? 0 : 0x8000)
                }
                if c.m > 0 {
                    let r = rng.below(c.m)
                    for j in 0..<c.k { a[r * c.k + j] = UInt16(1 + rng.below(0x7F)) | (rng.below(2) == 0 ? 0 : 0x8000) }
                }
            case .zeroGroup:
                let nonEmpty = (0..<c.g).filter { !GroupOffsets(offsets).rows(of: $0).isEmpty }
                if let grp = nonEmpty.dropFirst(nonEmpty.count / 2).first {
                    for r in GroupOffsets(offsets).rows(of: grp) {
                        for j in 0..<c.k { a[r * c.k + j] = 0 }
                        if c.withGradOut { for j in 0..<c.n { go[r * c.n + j] = 0 } }
                    }
                }
            }
        }
        return FixtureInputs(
            a: BF16Tensor(bits: a, shape: [c.m, c.k]), b: BF16Tensor(bits: b, shape: [c.g, c.k, c.n]),
            offsets: offsets, gradOut: c.withGradOut ? BF16Tensor(bits: go, shape: [c.m, c.n]) : nil)
    }

    /// The offsets of the configured routing over `M - tailRows` rows.
    public static func routing(_ c: GeneratorConfig) -> [Int] {
        let total = max(0, c.m - c.tailRows)
        guard c.g > 0 else { return [] }
        let weights: [Double] = switch c.routing {
        case .balanced: Array(repeating: 1, count: c.g)
        case .skewed: (0..<c.g).map { 1 / pow(Double($0 + 1), 1.5) }
        case .empty: (0..<c.g).map { $0 % 3 == 1 ? 0 : 1 }
        case .single: (0..<c.g).map { $0 == c.g / 2 ? 1 : 0 }
        }
        let sum = weights.reduce(0, +)
        var ends: [Int] = []
        var acc = 0.0
        for w in weights {
            acc += w
            ends.append(Int((Double(total) * acc / sum).rounded()))
        }
        ends[ends.count - 1] = total
        return ends
    }

    static func tensor(rows: Int, columns: Int, base: Double, _ c: GeneratorConfig, stream: UInt64) -> [UInt16] {
        var rng = SeededRandom(seed: c.seed &* 0x100 &+ stream)
        let loudColumns = (0..<columns).map { _ in rng.below(16) == 0 }
        var out = [UInt16](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            let loudRow = rng.below(16) == 0
            for j in 0..<columns {
                var x = rng.normal() * base
                switch c.distribution {
                case .normal: break
                case .heavy: x *= exp2(2 * rng.normal())
                case .outlierChannels: if loudColumns[j] { x *= 0x1p10 }
                case .outlierRows: if loudRow { x *= 0x1p10 }
                case .heavyTokens: x *= exp2(2 * rng.normal()) * tokenMagnitude(row: r, c, stream: stream)
                }
                out[r * columns + j] = UInt16(BinaryFormat.bf16.roundToNearestEven(x))
            }
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
