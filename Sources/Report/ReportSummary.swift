import Foundation

/// `summary.json`: one entry per fixture (verify's summary, the producers' GEMM ULP histograms,
/// the comparison), snake_case keys, sorted; `"inf"` for an exact SQNR.
public enum ReportSummary {
    public static func json(_ reports: [FixtureReport]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(["fixtures": reports])
    }
}
