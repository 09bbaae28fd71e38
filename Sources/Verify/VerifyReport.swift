import Foundation
import Metrics

/// The JSON summary of `fp8moe verify` (SPEC section 6): per producer and dataset, `elements`,
/// `mismatches`, `max_ulp`, `accum_bits` (GEMM outputs) and `first_mismatch`.
/// Keys are written in snake_case.
public struct VerifyReport: Codable, Sendable {
    public var file: String
    /// `agree` or `mismatch`.
    public var status: String
    public var producers: [String: ProducerReport]

    public var agrees: Bool { status == "agree" }

    public func json() throws -> Data {
        try JSONCoding.encoder(snakeCase: true).encode(self)
    }
}

public struct ProducerReport: Codable, Sendable {
    /// The group's attributes as text.
    public var attributes: [String: String]
    public var datasets: [String: DatasetReport]
}

public struct DatasetReport: Codable, Sendable {
    /// `payload`, `scale` or `gemm`.
    public var kind: String
    /// Elements compared (rows outside every group are not compared for per-group reductions,
    /// nor for GEMM outputs).
    public var elements: Int = 0
    public var mismatches: Int = 0
    /// Largest distance between expected and actual in units in the last place: fp8 code
    /// steps (payloads), fp32 ulps (scales), bf16 ulps of E (GEMM outputs). NaN pairs are left
    /// out. Absent when nothing finite was compared.
    public var maxUlp: Double?
    /// GEMM outputs: `-log2(max |actual - E| / S)`, the measured accumulation precision in bits
    /// (SPEC section 4); absent when every output equals E exactly or S is 0 everywhere.
    public var accumBits: Double?
    /// GEMM outputs: the same with the output's own rounding taken out,
    /// `-log2(max (|actual - E| - ulp_bf16(E)/2) / S)`: a lower bound on the accumulator's error
    /// relative to S. `accum_bits` cannot exceed about 9 bits wherever the output does not
    /// cancel (bf16 rounding alone is 2^-9 of |E| <= S); this one can, so it tells fp32
    /// accumulation (~24 - log2 K bits) from a 14-bit one. Absent when every output is within
    /// half an ulp of E.
    public var accumBitsBeyondRounding: Double?
    /// Why the dataset was not checked (a missing input), if it was not.
    public var skipped: String?
    public var firstMismatch: MismatchReport?
    /// Every mismatch attributed to the first recognised cause that reproduces it (SPEC 8.2),
    /// largest count first; `unexplained` collects the rest. The counts add up to `mismatches`.
    public var causes: [CauseReport]?
    /// How many of the mismatches no recognised cause reproduces (the `unexplained` entry of
    /// `causes`; 0 when every mismatch is explained). Present when there are mismatches.
    public var unexplained: Int?
    /// Mismatches per group (G entries, then one for rows outside every group), when the
    /// dataset's elements have groups.
    public var byGroup: [Int]?
    /// Where the mismatches fall along the rows, for the report's strip.
    public var mismatchRows: RowDensity?
    /// GEMM outputs: bf16 ULP histogram of the output against the exact reference E (rows
    /// outside every group left out), for the report. Not written to the JSON summary.
    public var ulpHistogram: ULPHistogram?

    enum CodingKeys: String, CodingKey {
        case kind, elements, mismatches, maxUlp, accumBits, accumBitsBeyondRounding, skipped, firstMismatch
        case causes, unexplained, byGroup, mismatchRows, judgedUnder
    }
    /// The recipe / reduction the dataset was judged under.
    public var judgedUnder: String?

    public init(kind: String) { self.kind = kind }
}

/// One cause of SPEC 8.2's `causes`: how many mismatches it reproduces, and the first of them.
public struct CauseReport: Codable, Sendable {
    public var cause: String
    public var count: Int
    /// Up to 5, the first by index, each shaped like `first_mismatch`.
    public var examples: [MismatchReport]
}

/// Mismatch counts per band of consecutive rows (the dataset seen as rows x last dimension;
/// a 3-D [G,K,N] dataset as G*K rows), and the rows where groups begin.
public struct RowDensity: Codable, Sendable {
    public var rows: Int
    public var rowsPerBand: Int
    public var counts: [Int]
    /// The first row of each group after the first (group boundaries), ascending.
    public var boundaries: [Int]
}

public struct MismatchReport: Codable, Sendable {
    /// Flat row-major index into the dataset.
    public var index: Int
    /// The index per dimension of the dataset.
    public var coordinates: [Int]
    /// The group (expert) of the element, where it has one.
    public var group: Int?
    public var row: Int?
    public var column: Int?
    /// The bf16 input element (payloads), as hex bits.
    public var inputBits: String?
    /// Expected and actual, as hex bits of the dataset's element type.
    public var expected: String
    public var actual: String
    /// The same as decimal values (GEMM: `expected` is E, the exact value, before rounding).
    public var expectedValue: String?
    public var actualValue: String?
    /// GEMM outputs: the section 4 bound at this element.
    public var bound: Double?
    /// A recognised cause, one line.
    public var cause: String?
}
