/// A strided view of fp8 codes: element (i, j) is `codes[offset + i * rowStride + j * columnStride]`.
/// Transposes and per-expert slices are views, never copies.
public struct MatrixView: Sendable {
    public let codes: [UInt8]
    public let offset: Int
    public let rows: Int
    public let columns: Int
    public let rowStride: Int
    public let columnStride: Int

    public init(codes: [UInt8], offset: Int = 0, rows: Int, columns: Int, rowStride: Int, columnStride: Int = 1) {
        self.codes = codes
        self.offset = offset
        self.rows = rows
        self.columns = columns
        self.rowStride = rowStride
        self.columnStride = columnStride
    }

    @inlinable public subscript(i: Int, j: Int) -> UInt8 {
        codes[offset + i * rowStride + j * columnStride]
    }

    /// The transpose.
    public var transposed: MatrixView {
        MatrixView(codes: codes, offset: offset, rows: columns, columns: rows,
                   rowStride: columnStride, columnStride: rowStride)
    }
}
