import Groups
import HDF5
import Recipes

/// The `/inputs` of a fixture (SPEC section 5); every input is optional.
public struct FixtureInputs: Sendable {
    /// Activations [M,K].
    public var a: BF16Tensor?
    /// Expert weights [G,K,N].
    public var b: BF16Tensor?
    /// Cumulative end offsets [G].
    public var offsets: [Int]?
    /// Output gradient [M,N].
    public var gradOut: BF16Tensor?

    public init(a: BF16Tensor? = nil, b: BF16Tensor? = nil, offsets: [Int]? = nil, gradOut: BF16Tensor? = nil) {
        self.a = a
        self.b = b
        self.offsets = offsets
        self.gradOut = gradOut
    }

    /// The source tensor of an operand (`a`, `b` or `grad_out`).
    public func source(of operand: Operand) -> BF16Tensor? {
        switch operand.source {
        case "a": a
        case "b": b
        default: gradOut
        }
    }

    public var rowCount: Int? { a?.shape[0] ?? gradOut?.shape[0] }
    public var groupCount: Int? { offsets?.count ?? b?.shape[0] }

    /// Opens the fixture at `path` and reads its inputs (`read(_:)`).
    ///
    /// Errors: `InvalidFixture` naming the file, the path and the problem.
    public static func read(path: String) throws(InvalidFixture) -> FixtureInputs {
        let file = try InvalidFixture.wrap { () throws(FixtureError) in try HDF5File(reading: path) }
        defer { file.close() }
        return try read(file)
    }

    /// Reads and validates the inputs: element types, `dtype` attributes, ranks, agreeing
    /// extents (M, K, N, G) and offsets (non-negative, non-decreasing, <= M).
    ///
    /// Errors: `InvalidFixture` naming the file, the path and the problem.
    public static func read(_ file: HDF5File) throws(InvalidFixture) -> FixtureInputs {
        var inputs = FixtureInputs()
        func bf16(_ path: String, rank: Int) throws(InvalidFixture) -> BF16Tensor? {
            // Absent only when no link is there: an unreadable or non-dataset object is an error.
            guard let kind = try InvalidFixture.wrap({ () throws(FixtureError) in try file.objectKind(at: path) }) else { return nil }
            guard kind == .dataset else {
                throw InvalidFixture(FixtureError(file: file.path, path: path,
                                                  problem: .wrongObjectKind(expected: "dataset", found: kind.rawValue)))
            }
            let dtype = try InvalidFixture.wrap { () throws(FixtureError) in
                try file.hasAttribute("dtype", at: path) ? try file.stringAttribute("dtype", at: path) : nil
            }
            guard dtype == FixtureSchema.bf16DType else {
                throw InvalidFixture(file: file.path, path: path, problem: dtype == nil
                    ? "missing attribute dtype = \"bfloat16\" (bf16 tensors are stored as uint16 bit patterns)"
                    : "dtype is \"\(dtype!)\", expected \"bfloat16\"")
            }
            let array = try InvalidFixture.wrap { () throws(FixtureError) in
                try file.readArray(path, as: UInt16.self, shape: [Int?](repeating: nil, count: rank))
            }
            return BF16Tensor(bits: array.values, shape: array.shape)
        }
        inputs.a = try bf16(FixtureSchema.a, rank: 2)
        inputs.b = try bf16(FixtureSchema.b, rank: 3)
        inputs.gradOut = try bf16(FixtureSchema.gradOut, rank: 2)
        if try InvalidFixture.wrap({ () throws(FixtureError) in try file.exists(FixtureSchema.offsets) }) {
            let o = try InvalidFixture.wrap { () throws(FixtureError) in
                try file.readArray(FixtureSchema.offsets, as: Int32.self, shape: [nil])
            }
            inputs.offsets = o.values.map(Int.init)
        }
        try inputs.validate(file: file.path)
        return inputs
    }

    /// Checks that the extents agree and the offsets are valid.
    public func validate(file: String) throws(InvalidFixture) {
        func fail(_ path: String, _ problem: String) -> InvalidFixture {
            InvalidFixture(file: file, path: path, problem: problem)
        }
        if let a, let b, a.shape[1] != b.shape[1] {
            throw fail(FixtureSchema.b, "K = \(b.shape[1]) disagrees with /inputs/a's K = \(a.shape[1])")
        }
        if let a, let g = gradOut, a.shape[0] != g.shape[0] {
            throw fail(FixtureSchema.gradOut, "M = \(g.shape[0]) disagrees with /inputs/a's M = \(a.shape[0])")
        }
        if let b, let g = gradOut, b.shape[2] != g.shape[1] {
            throw fail(FixtureSchema.gradOut, "N = \(g.shape[1]) disagrees with /inputs/b's N = \(b.shape[2])")
        }
        if let offsets {
            if let b, b.shape[0] != offsets.count {
                throw fail(FixtureSchema.offsets, "G = \(offsets.count) disagrees with /inputs/b's G = \(b.shape[0])")
            }
            if let problem = GroupOffsets(offsets).problem(rows: rowCount ?? Int.max) {
                throw fail(FixtureSchema.offsets, problem)
            }
        }
    }
}
