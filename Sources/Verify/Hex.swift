/// `0x`-prefixed, zero-padded hex of `width` digits: the project's one spelling of bit patterns
/// (verify's mismatch reports, `fp8moe convert`).
public func hex(_ v: some BinaryInteger, width: Int) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, width - s.count)) + s
}

/// Row-major coordinates of a flat index.
func unravel(_ index: Int, _ shape: [Int]) -> [Int] {
    var rest = index
    var out = [Int](repeating: 0, count: shape.count)
    for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
        out[d] = rest % shape[d]
        rest /= shape[d]
    }
    return out
}

/// Whether two shapes hold the same elements in the same order, ignoring extents of 1
/// (a scale written as [M,1] or [] for [1]).
func sameShapeIgnoringOnes(_ a: [Int], _ b: [Int]) -> Bool {
    a.reduce(1, *) == b.reduce(1, *) && a.filter { $0 != 1 } == b.filter { $0 != 1 }
}
