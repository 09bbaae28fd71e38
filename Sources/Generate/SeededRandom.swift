import FP8

/// The generator of `fp8moe generate`: FP8's `SplitMix64`, so the same seed writes the same
/// fixture on every machine, with the draws the generator needs.
public typealias SeededRandom = SplitMix64

extension SplitMix64 {
    /// Uniform in (0, 1): 53 random bits, never 0.
    public mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// Standard normal (Box-Muller; uses two uniforms per value, for simplicity of replay).
    public mutating func normal() -> Double {
        let u = uniform(), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// An integer in `0..<n`.
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
