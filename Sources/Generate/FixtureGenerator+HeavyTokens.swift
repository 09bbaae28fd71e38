import Foundation

extension FixtureGenerator {
    /// The magnitude of token (row) `row` under the `heavy-tokens` distribution: 1 for the
    /// weights (stream 2); else `10^(-4 u)` with u uniform in (0, 1) from its own stream
    /// (seed, tensor, row), so the tensor's main stream is the one `heavy` uses.
    static func tokenMagnitude(row: Int, _ c: GeneratorConfig, stream: UInt64) -> Double {
        guard stream != 2 else { return 1 }
        var rng = SeededRandom(seed: (c.seed &* 0x100 &+ stream) ^ (UInt64(row) &* 0xD1B5_4A32_D192_ED03 &+ 0x5EED))
        return pow(10, -4 * rng.uniform())
    }
}
