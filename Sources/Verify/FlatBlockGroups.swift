import FP8
import Groups
import Parallel
import Recipes

/// How PR #4179's per-group kernel assigns elements to groups, as a model to test mismatches
/// against (pytorch/ao bd79c46, `torchao/prototype/moe_training/kernels/fp8_tensorwise_per_group.py`,
/// `_fp8_per_group_amax_kernel` and `_fp8_per_group_quantize_kernel`): the [M,C] tensor is cut
/// into flat blocks of `blockSize` consecutive elements, and every element of a block takes the
/// group of the block's FIRST row, `min(#{g : offsets[g] <= row}, G - 1)`. A block that
/// straddles a group boundary puts the next group's elements into this group's amax and scales
/// them with this group's scale; rows past `offsets[G-1]` go to the last group.
///
/// With `blockSize` a multiple of C no block straddles, but the tail rows still count in the
/// last group.
struct FlatBlockGroups: Sendable {
    /// The power-of-two block sizes tried (the PR's autotune configs are 2048..16384).
    static let candidateSizes = (8...16).map { 1 << $0 }
    /// The PR's autotune config sets (NVIDIA, AMD): the first call runs every config of the
    /// set into one amax buffer.
    static let autotuneSets: [[Int]] = [[8192, 4096, 2048], [16384, 8192, 4096]]

    let blockSize: Int
    let columns: Int
    /// The kernel's group of every row (rows past the last offset: G - 1).
    let clampedGroupOfRow: [Int]

    /// The group boundaries the model runs on: the fixture's offsets under a per-group
    /// reduction; under `per_expert` on a 3-D weight [G,K,N], the experts as groups of K rows
    /// (offsets K, 2K, ..., GK: a kernel that quantizes the weight as a grouped [G*K, N] tensor
    /// with those offsets, as hip/kernels does, has the same flat-block lookup); nil otherwise.
    static func boundaries(reduction: Reduction, shape: [Int], offsets: GroupOffsets?) -> GroupOffsets? {
        if reduction.usesOffsets { return offsets }
        guard reduction == .perExpert, shape.count == 3, shape[0] > 1 else { return nil }
        return GroupOffsets((1...shape[0]).map { $0 * shape[1] })
    }

    init(blockSize: Int, columns: Int, rows: Int, offsets: GroupOffsets) {
        self.blockSize = blockSize
        self.columns = columns
        clampedGroupOfRow = Self.clampedGroups(rows: rows, offsets: offsets)
    }

    static func clampedGroups(rows: Int, offsets: GroupOffsets) -> [Int] {
        let g = offsets.groupCount
        var out = [Int](repeating: 0, count: rows)
        var next = 0  // #{g : offsets[g] <= row}
        for r in 0..<rows {
            while next < g && offsets.ends[next] <= r { next += 1 }
            out[r] = min(next, max(g - 1, 0))
        }
        return out
    }

    /// The group the kernel gives the element at flat index `i`.
    @inline(__always)
    func group(ofElement i: Int) -> Int {
        clampedGroupOfRow[(i / blockSize) * blockSize / max(columns, 1)]
    }

    /// The amax of every scale set of a per-group reduction under this assignment, from bf16
    /// bits (sanitised already when the recipe asks), with the amax NaN policy of `Amax`.
    /// `columnStride` 0: one scale per group; 1: per group and column.
    func amax(_ bits: [UInt16], columnStride: Int, groups: Int, policy: AmaxNaNPolicy) -> [Double] {
        let count = columnStride == 0 ? groups : groups * columns
        let rows = bits.count / max(columns, 1)
        let chunkRows = max(1, (1 << 16) / max(columns, 1))
        let chunks = (rows + chunkRows - 1) / chunkRows
        // Per chunk: the largest magnitude of each set (0xFFFF: a NaN under `propagate`).
        var partial = [UInt16](repeating: 0, count: chunks * count)
        forEachChunk(count: rows, chunk: chunkRows, writing: &partial) { range, out in
            let best = UnsafeMutableBufferPointer(rebasing: out[range.lowerBound / chunkRows * count..<(range.lowerBound / chunkRows + 1) * count])
            bits.withUnsafeBufferPointer { x in
                for i in range.lowerBound * columns..<range.upperBound * columns {
                    let s = group(ofElement: i) * (columnStride == 0 ? 1 : columns) + (i % columns) * columnStride
                    var m = x[i] & 0x7FFF
                    if m > 0x7F80 {
                        if policy == .propagate { best[s] = 0xFFFF; continue }
                        m = 0
                    } else if m == 0x7F80 && policy == .nanToNum {
                        m = 0x7F7F
                    }
                    if best[s] != 0xFFFF && m > best[s] { best[s] = m }
                }
            }
        }
        var best = [UInt16](repeating: 0, count: count)
        for c in 0..<chunks {
            for s in 0..<count {
                let v = partial[c * count + s]
                if v == 0xFFFF || best[s] == 0xFFFF { best[s] = 0xFFFF } else { best[s] = max(best[s], v) }
            }
        }
        return best.map { $0 == 0xFFFF ? .nan : BinaryFormat.bf16.decode(UInt32($0)) }
    }
}
