import FP8
import Groups
import Recipes
import Testing

/// Tensors large enough for the quantizer's table path (one 64 Ki table per scale, taken when
/// every row has one scale and each scale covers 4 x 64 Ki elements on average) and the
/// row-by-row amax: the same scales and codes as the naive per-element reference, on one thread
/// and on every core.
@Suite struct TablePathTests {
    static let recipes: [Recipe] = {
        var x86 = Recipe.rowwise
        x86.nanArithmetic = .propagate
        x86.castPolicy = .satfinite
        var ignore = Recipe.tensorwise
        ignore.amaxNaN = .ignore
        ignore.format = .e5m2
        return [.tensorwise, x86, ignore]
    }()

    @Test("large tensors match the naive reference", arguments: Self.recipes)
    func matchesNaive(recipe: Recipe) throws {
        var rng = SplitMix64(seed: 11)
        let offsets = [700, 700, 2000]  // an empty group, and rows 2000... in no group
        let cases: [(shape: [Int], reduction: Reduction)] = [
            ([1024, 512], .tensorwise), ([2048, 512], .perGroup), ([2, 512, 512], .perExpert),
        ]
        for (shape, reduction) in cases {
            for specials in [false, true] {
                let bits = randomBF16(shape.reduce(1, *), rng: &rng, specials: specials)
                let naive = naiveQuantize(bits, shape: shape, reduction: reduction, transposed: false,
                                          offsets: offsets, recipe: recipe)
                for concurrently in [false, true] {
                    let q = try Quantizer(recipe: recipe).quantize(
                        bits, shape: shape, reduction: reduction, offsets: GroupOffsets(offsets), concurrently: concurrently)
                    #expect(sameBits(q.scales, naive.scales), "\(reduction) \(shape) specials=\(specials) scales")
                    #expect(q.codes == naive.codes, "\(reduction) \(shape) specials=\(specials) concurrently=\(concurrently)")
                }
            }
        }
    }

    /// The row-by-row amax under each NaN policy, against a plain loop.
    @Test func amaxByRows() throws {
        var rng = SplitMix64(seed: 12)
        let bits = randomBF16(64 * 96, rng: &rng, specials: true)
        let grouping = try ScaleGrouping(reduction: .rowwise, shape: [64, 96])
        for policy in AmaxNaNPolicy.allCases {
            for concurrently in [false, true] {
                let amax = Amax.compute(bits, grouping: grouping, policy: policy, concurrently: concurrently)
                for r in 0..<64 {
                    var expected = 0.0
                    for c in 0..<96 {
                        let v = BinaryFormat.bf16.decode(UInt32(bits[r * 96 + c]))
                        if v.isNaN {
                            if policy == .propagate { expected = .nan; break }
                            continue
                        }
                        let m = v.isInfinite && policy == .nanToNum ? Amax.bf16Max : abs(v)
                        expected = max(expected, m)
                    }
                    #expect(amax[r] == expected || (amax[r].isNaN && expected.isNaN), "\(policy) row \(r)")
                }
            }
        }
    }
}
