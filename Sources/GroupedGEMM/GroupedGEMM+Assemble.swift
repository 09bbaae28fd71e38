import Groups
extension GroupedGEMM {
    /// The full bf16 output of forward ([M,N]) or dgrad ([M,K]): each group's block at its
    /// rows, rows outside every group 0.
    public static func assembleRows(totalRows: Int, columns: Int, offsets: [Int],
                                    _ run: ((GroupBlock) -> Void) -> Void) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: totalRows * columns)
        run { block in
            let start = GroupOffsets(offsets).rows(of: block.group).lowerBound * columns
            out.replaceSubrange(start..<(start + block.bits.count), with: block.bits)
        }
        return out
    }

    /// The full bf16 output of wgrad ([G,K,N]): group g's block at slice g.
    public static func assembleGroups(groups: Int, k: Int, n: Int,
                                      _ run: ((GroupBlock) -> Void) -> Void) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: groups * k * n)
        run { block in
            let start = block.group * k * n
            out.replaceSubrange(start..<(start + block.bits.count), with: block.bits)
        }
        return out
    }
}
